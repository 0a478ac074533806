import Foundation
import Packer
import Testing

@Suite("scripts/check-packer-hcl.py")
struct CheckScriptTests {
    /// Writes `text` to a fresh temporary `.pkr.hcl` file.
    private func temporaryFile(_ text: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("packer-check-\(UUID().uuidString).pkr.hcl")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test(
        "python-hcl2 parses the sample and finds packer, variable, source and build",
        .enabled(if: PackerTestTools.hclCheckPython != nil,
                 "no python-hcl2 venv: set PACKER_HCL_CHECK to its python (python3 -m venv .venv-hcl2 && .venv-hcl2/bin/pip install python-hcl2==8.1.4)")
    )
    func parsesSample() throws {
        let python = try #require(PackerTestTools.hclCheckPython)
        let root = try #require(PackerTestTools.packageRoot)
        let file = try temporaryFile(SampleTemplate.file.rendered())
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try PackerTestTools.run(python, [root.appendingPathComponent("scripts/check-packer-hcl.py").path, file.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains(": ok build=1 locals=1 packer=1 source=1 variable=4"))
        #expect(result.stdout.contains("sources=[amazon-ebs.imagery]"))
        #expect(result.stdout.contains("variables=[region,instance_type,ami_name_prefix,ami_regions]"))
    }

    @Test(
        "a parse error or a missing top-level block fails with a message",
        .enabled(if: PackerTestTools.hclCheckPython != nil, "no python-hcl2 venv: set PACKER_HCL_CHECK")
    )
    func reportsErrors() throws {
        let python = try #require(PackerTestTools.hclCheckPython)
        let root = try #require(PackerTestTools.packageRoot)
        let script = root.appendingPathComponent("scripts/check-packer-hcl.py").path
        let broken = try temporaryFile("source \"amazon-ebs\" \"x\" {\n  ami_name = \n}\n")
        defer { try? FileManager.default.removeItem(at: broken) }
        let parse = try PackerTestTools.run(python, [script, broken.path])
        #expect(parse.status == 1)
        #expect(parse.stderr.contains("parse error"))

        let partial = try temporaryFile(HCL.File { Variable("region", type: "string") }.rendered())
        defer { try? FileManager.default.removeItem(at: partial) }
        let missing = try PackerTestTools.run(python, [script, partial.path])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("missing top-level block(s): packer, source, build"))
    }
}
