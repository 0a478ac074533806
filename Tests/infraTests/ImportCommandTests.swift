import Foundation
import Testing
import TestSupport

/// `infra import` run as a user runs it: files, standard input, --out, and every refusal with its exit code.
@Suite struct ImportCommandTests {
    func run(_ arguments: [String], input: String? = nil) throws -> InfraRun {
        try runInfra(["import"] + arguments, input: input)
    }

    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("infra-import-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func importsTheImageryTemplateTypedToStandardOutput() throws {
        let template = RepositoryRoot.url.appendingPathComponent("templates/imagery.yaml").path
        let result = try run([template])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("// Imported from imagery.yaml by `infra import`."))
        #expect(result.stdout.contains("public enum Imagery {"))
        #expect(result.stdout.contains("            SQS.Queue(\n                \"SQSQueue\","))
        #expect(result.stderr == "import: 41 typed resource(s), 0 untyped\n")
    }

    @Test func writesTheFileAndRefusesToReplaceItWithoutForce() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("Sources/Web/WebStack.swift").path
        let yaml = "Resources:\n  Api: { Type: AWS::AppSync::GraphQLApi, Properties: { Name: jobs } }\n"
        let first = try run(["-", "--name", "WebStack", "--out", out], input: yaml)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.isEmpty)
        #expect(first.stderr == """
            import: 0 typed resource(s), 1 untyped, written to \(out)
              note: Resources.Api: AWS::AppSync::GraphQLApi has no generated type; written as ResourceDeclaration

            """)
        let written = try String(contentsOfFile: out, encoding: .utf8)
        #expect(written.hasPrefix("// Imported from standard input by `infra import`."))
        #expect(written.contains("public enum WebStack {"))

        let again = try run(["-", "--name", "WebStack", "--out", out], input: yaml)
        #expect(again.status == 64)
        #expect(again.stderr.contains("\(out) exists; pass --force to replace it, or choose another --out"))
        #expect(try String(contentsOfFile: out, encoding: .utf8) == written)
        #expect(try run(["-", "--name", "WebStack", "--out", out, "--force"], input: yaml).status == 0)
    }

    @Test func refusalsNameTheProblem() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let missing = try run([directory.appendingPathComponent("nope.yaml").path])
        #expect(missing.status == 1)
        #expect(missing.stderr.hasPrefix("error: cannot read \(directory.path)/nope.yaml: "), "\(missing.stderr)")

        let badName = try run(["x.yaml", "--name", "web-stack"])
        #expect(badName.status == 64)
        #expect(badName.stderr.contains("--name web-stack is not a Swift type name"), "\(badName.stderr)")

        let shadowing = try run(["x.yaml", "--name", "Lambda"])
        #expect(shadowing.status == 64)
        #expect(shadowing.stderr.contains("--name Lambda would hide the DSL's own Lambda in the source; choose another, e.g. --name LambdaStack"), "\(shadowing.stderr)")

        let buildspec = try run(["-"], input: "version: 0.2\nphases:\n  build:\n    commands: [make]\n")
        #expect(buildspec.status == 1)
        #expect(buildspec.stderr == "error: -: not a CloudFormation template: no Resources section (top-level keys: version, phases)\n")
        #expect(buildspec.stdout.isEmpty)

        let duplicate = try run(["-"], input: "Resources:\n  A: { Type: AWS::SNS::Topic }\n  A: { Type: AWS::SNS::Topic }\n")
        #expect(duplicate.status == 1)
        #expect(duplicate.stderr.contains("duplicate key 'A'"), "\(duplicate.stderr)")
    }
}
