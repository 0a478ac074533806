import Foundation
import Testing
import TestSupport

/// Runs the built `infra` executable as a user would and checks its output and exit codes.
@Suite struct SynthCommandTests {
    static var infra: URL? { BuiltExecutable.url(named: "infra") }

    func run(_ arguments: [String]) throws -> InfraRun { try runInfra(arguments) }

    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("infra-synth-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// libcurl (and its ~30 libraries) is opened only when a command sends a request: linking it made
    /// every start, `synth` and `--help` included, about 9 ms slower. Re-adding FoundationNetworking
    /// (or a direct libcurl link) to anything infra depends on would bring that back.
    @Test func infraDoesNotLinkLibcurl() throws {
        let executable = try #require(Self.infra, "infra is not built next to the tests")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/ldd")
        process.arguments = [executable.path]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let libraries = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(libraries.contains("libc.so"), "\(libraries)")
        #expect(!libraries.contains("libcurl"), "\(libraries)")
    }

    @Test func synthWritesTheThreeFilesAndSummarizes() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try run(["synth", "--out-dir", directory.path])
        #expect(result.status == 0, "\(result.stderr)")
        for path in ["templates/imagery.yaml", "templates/imagery-local.yaml", "packer/imagery.pkr.hcl"] {
            #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent(path).path), "\(path)")
        }
        #expect(result.stdout.contains("templates/imagery.yaml: 41 resources"))
        #expect(result.stdout.contains("% of 51,200; fits inline)"))
        #expect(result.stdout.contains("    2 AWS::AutoScaling::AutoScalingGroup"))
        #expect(result.stdout.contains("packer/imagery.pkr.hcl: "))
    }

    /// Files are written to a hidden sibling and renamed over the old one: a write that cannot happen
    /// says which path and why, exits 1 and leaves neither a partial file nor the temporary behind.
    @Test func unwritableOutputIsNamedAndLeavesNothingBehind() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let plainFile = directory.appendingPathComponent("not-a-directory")
        try Data("keep".utf8).write(to: plainFile)
        let underFile = try run(["synth", "--out-dir", plainFile.appendingPathComponent("sub").path])
        #expect(underFile.status == 1)
        #expect(underFile.stderr.contains("cannot create directory \(plainFile.path): Not a directory"), "\(underFile.stderr)")
        #expect(try String(contentsOf: plainFile, encoding: .utf8) == "keep")

        // A directory where the template should go: the rename fails, the temporary file is removed.
        let blocked = directory.appendingPathComponent("out/templates/imagery.yaml")
        try FileManager.default.createDirectory(at: blocked, withIntermediateDirectories: true)
        let replace = try run(["synth", "--template", "imagery", "--out-dir", directory.appendingPathComponent("out").path])
        #expect(replace.status == 1)
        #expect(replace.stderr.contains("cannot replace \(blocked.path): Is a directory"), "\(replace.stderr)")
        let left = try FileManager.default.contentsOfDirectory(atPath: blocked.deletingLastPathComponent().path)
        #expect(left == ["imagery.yaml"], "\(left)")
    }

    @Test func checkPassesOnFreshFilesAndFailsWithADiffOnStaleOnes() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(try run(["synth", "--out-dir", directory.path]).status == 0)
        let fresh = try run(["synth", "--check", "--out-dir", directory.path])
        #expect(fresh.status == 0)
        #expect(fresh.stdout.contains("3 files up to date"))

        let file = directory.appendingPathComponent("templates/imagery-local.yaml")
        let original = try String(contentsOf: file, encoding: .utf8)
        try Data(original.replacingOccurrences(of: "VisibilityTimeout: 120", with: "VisibilityTimeout: 30").utf8).write(to: file)
        let stale = try run(["synth", "--check", "--out-dir", directory.path])
        #expect(stale.status == 1)
        #expect(stale.stdout.contains("--- a/templates/imagery-local.yaml"))
        #expect(stale.stdout.contains("-      VisibilityTimeout: 30"))
        #expect(stale.stdout.contains("+      VisibilityTimeout: 120"))
        #expect(stale.stderr.contains("1 generated file(s) out of date"))
        // --check writes nothing.
        #expect(try String(contentsOf: file, encoding: .utf8).contains("VisibilityTimeout: 30"))
    }

    @Test func oneTemplateWritesOnlyThatFileWithTheSameBytes() throws {
        let full = try temporaryDirectory(), single = try temporaryDirectory()
        defer {
            try? FileManager.default.removeItem(at: full)
            try? FileManager.default.removeItem(at: single)
        }
        #expect(try run(["synth", "--out-dir", full.path]).status == 0)
        let result = try run(["synth", "--template", "imagery", "--out-dir", single.path])
        #expect(result.status == 0, "\(result.stderr)")
        let written = try FileManager.default.subpathsOfDirectory(atPath: single.path).filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".hcl") }
        #expect(written == ["templates/imagery.yaml"])
        let expected = try Data(contentsOf: full.appendingPathComponent("templates/imagery.yaml"))
        #expect(try Data(contentsOf: single.appendingPathComponent("templates/imagery.yaml")) == expected)
        #expect(result.stdout.contains("templates/imagery.yaml: 41 resources"))
        #expect(!result.stdout.contains("imagery-local"))
        #expect(!result.stdout.contains("packer/"))
        #expect(try run(["synth", "--check", "--template", "imagery", "--out-dir", single.path]).stdout.contains("1 files up to date"))
    }

    @Test func unknownTemplateIsAUsageErrorThatNamesTheChoices() throws {
        let result = try run(["synth", "--template", "imagery-prod"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("imagery-prod"))
        #expect(result.stderr.contains("imagery-local"))
    }

    @Test func unknownFlagIsAUsageError() throws {
        let result = try run(["synth", "--bogus"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("Unknown option '--bogus'"))
    }

    @Test func helpListsTheCommands() throws {
        let result = try run(["--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("synth"))
    }
}
