import Foundation
import InfraKit
import JobService
import Testing

/// The committed templates/jobs.yaml is what the model synthesizes, byte for byte.
@Suite struct SnapshotTests {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func committedTemplateIsCurrent() throws {
        for artifact in try JobsApp.app.artifacts() {
            let committed = try String(contentsOf: Self.packageRoot.appendingPathComponent(artifact.path), encoding: .utf8)
            #expect(committed == artifact.contents, "\(artifact.path) is out of date: run `swift run jobs synth` in Examples/JobService")
        }
    }

    @Test func bothQueueConstructsHaveTheirOwnReadableIds() throws {
        let template = try JobsApp.app.synthesize("jobs").template
        #expect(template.resources.map(\.logicalId) == [
            "IntakeDLQueue", "IntakeQueue", "RetryDLQueue", "RetryQueue", "Jobs", "Results", "ResultsPolicy",
            "WorkerRole", "WorkerInstanceProfile",
        ])
    }
}

/// The README's "Describe your own stack" shows this package's stack; the block must be the file.
@Suite struct ReadmeTests {
    @Test func readmeShowsTheStackThatThisPackageBuilds() throws {
        let root = SnapshotTests.packageRoot
        let readme = try String(contentsOf: root.appendingPathComponent("../../README.md").standardizedFileURL, encoding: .utf8)
        let source = try String(contentsOf: root.appendingPathComponent("Sources/JobService/JobService.swift"), encoding: .utf8)
        let section = try #require(readme.range(of: "## Describe your own stack"), "README has no 'Describe your own stack' section")
        let rest = readme[section.upperBound...]
        let open = try #require(rest.range(of: "```swift\n"))
        let close = try #require(rest[open.upperBound...].range(of: "```\n"))
        #expect(String(rest[open.upperBound..<close.lowerBound]) == source,
                "README's first Swift block under 'Describe your own stack' differs from Sources/JobService/JobService.swift")
    }
}
