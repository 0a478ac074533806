import Foundation
import Imagery
import Packer
import Testing

@Suite struct PackerTemplateTests {
    static var sharedPackerData: URL? {
        let base = ProcessInfo.processInfo.environment["IMAGERY_SHARED_DIR"].map { URL(fileURLWithPath: $0) }
            ?? Support.repoRoot.deletingLastPathComponent().appendingPathComponent("shared")
        let directory = base.appendingPathComponent("testdata/packer")
        return FileManager.default.fileExists(atPath: directory.path) ? directory : nil
    }

    @Test func usesOnlyNamesPackerAccepts() throws {
        let directory = try #require(Self.sharedPackerData, "shared/testdata/packer not found; set IMAGERY_SHARED_DIR")
        let catalog = try PackerNameCatalog.load { try String(contentsOf: directory.appendingPathComponent($0), encoding: .utf8) }
        #expect(catalog.validate(ImageryPacker.file).isEmpty)
    }

    @Test func baseImageAndBuildSteps() throws {
        let text = try ImageryPacker.render()
        #expect(text.contains("\"debian-12-amd64-*\""))
        #expect(text.contains("owners      = [\"136693071363\"]"))
        #expect(text.contains("http_tokens"))
        #expect(text.contains("provisioner \"file\""))
        #expect(text.contains("provisioner \"shell\""))
        #expect(text.contains("post-processor \"manifest\""))
        for variable in ["region", "instance_type", "ami_name_prefix", "ami_regions", "git_commit"] {
            #expect(text.contains("variable \"\(variable)\""))
        }
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["PACKER_HCL_CHECK"] != nil, "PACKER_HCL_CHECK (python-hcl2 venv) not set"))
    func parsesWithPythonHCL2() throws {
        let python = try #require(ProcessInfo.processInfo.environment["PACKER_HCL_CHECK"])
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("imagery-\(UUID().uuidString).pkr.hcl")
        try Data(try ImageryPacker.render().utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [Support.repoRoot.appendingPathComponent("scripts/check-packer-hcl.py").path, file.path]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }
}
