import ArgumentParser
import Testing
@testable import infra

/// `SynthFastPath` must accept only command lines that ArgumentParser reads the same way.
@Suite struct SynthFastPathTests {
    struct Options: Equatable, CustomStringConvertible {
        let outDir: String
        let template: TemplateChoice?
        let check: Bool
        init(_ synth: Synth) {
            outDir = synth.outDir
            template = synth.template
            check = synth.check
        }
        var description: String { "outDir=\(outDir) template=\(template?.rawValue ?? "nil") check=\(check)" }
    }

    static let accepted: [[String]] = [
        ["synth"],
        ["synth", "--check"],
        ["synth", "--out-dir", "build"],
        ["synth", "--out-dir=build"],
        ["synth", "--out-dir", "a=b"],
        ["synth", "--out-dir=a=b"],
        ["synth", "--out-dir", "help"],
        ["synth", "--out-dir", "synth"],
        ["synth", "--out-dir", "/tmp/with space/é"],
        ["synth", "--template", "imagery"],
        ["synth", "--template=imagery-local"],
        ["synth", "--template", "imagery", "--out-dir", "out", "--check"],
        ["synth", "--check", "--out-dir=out", "--template=imagery"],
    ]

    static let deferred: [[String]] = [
        [],
        ["--help"],
        ["help", "synth"],
        ["deploy"],
        ["synth", "--help"],
        ["synth", "-h"],
        ["synth", "--check", "--check"],
        ["synth", "--check=true"],
        ["synth", "--out-dir"],
        ["synth", "--out-dir="],
        ["synth", "--out-dir", "-x"],
        ["synth", "--out-dir", "a", "--out-dir", "b"],
        ["synth", "--template", "nope"],
        ["synth", "--template", "imagery", "--template", "imagery"],
        ["synth", "--template"],
        ["synth", "--bogus"],
        ["synth", "--bogus", "x"],
        ["synth", "positional"],
        ["synth", "--"],
        ["synth", "--generate-completion-script", "bash"],
        ["synth", "--experimental-dump-help"],
        ["synth", "-c"],
        ["Synth"],
    ]

    @Test(arguments: accepted)
    func acceptedCommandLinesParseAsArgumentParserParsesThem(_ arguments: [String]) throws {
        let fast = try #require(SynthFastPath.command(arguments), "\(arguments) should take the fast path")
        let parsed = try Infra.parseAsRoot(arguments)
        let synth = try #require(parsed as? Synth, "ArgumentParser made \(type(of: parsed)) of \(arguments)")
        #expect(Options(fast) == Options(synth), "\(arguments)")
    }

    @Test(arguments: deferred)
    func everythingElseGoesToArgumentParser(_ arguments: [String]) {
        #expect(SynthFastPath.command(arguments) == nil, "\(arguments)")
    }
}
