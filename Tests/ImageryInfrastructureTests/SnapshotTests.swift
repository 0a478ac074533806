import InfraKit
import CloudFormation
import Foundation
import ImageryInfrastructure
import Testing

/// The committed templates/ and packer/ files are the snapshots: synth must reproduce them byte for byte.
@Suite struct SnapshotTests {
    @Test(arguments: try ImageryApp.app.artifacts())
    func artifactMatchesCommittedFile(_ artifact: Artifact) throws {
        let url = Support.repoRoot.appendingPathComponent(artifact.path)
        if Support.recording {
            try Data(artifact.contents.utf8).write(to: url, options: .atomic)
            return
        }
        let committed = try String(contentsOf: url, encoding: .utf8)
        #expect(committed == artifact.contents, "\(artifact.path) is stale: run `make synth` (or IMAGERY_RECORD=1 swift test)")
    }

    @Test func outputIsDeterministic() throws {
        #expect(try ImageryApp.app.artifacts() == ImageryApp.app.artifacts())
    }
}

extension Artifact: CustomTestStringConvertible {
    public var testDescription: String { path }
}
