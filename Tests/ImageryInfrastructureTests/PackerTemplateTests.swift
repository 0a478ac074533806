import Foundation
import ImageryInfrastructure
import Packer
import PackerTestSupport
import Testing

@Suite struct PackerTemplateTests {
    @Test func usesOnlyNamesPackerAccepts() throws {
        let catalog = try PackerNameCatalog.fromFixtures()
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
