import CloudFormation
import Foundation
import ImageryInfrastructure

/// Paths and helpers shared by the Imagery tests.
enum Support {
    /// The repository root (this file is Tests/ImageryTests/Support.swift).
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Set `IMAGERY_RECORD=1` to rewrite the golden files instead of comparing with them.
    static var recording: Bool { ProcessInfo.processInfo.environment["IMAGERY_RECORD"] == "1" }

    static func resource(_ template: Template, _ id: String) throws -> ResourceDeclaration {
        guard let resource = template.resource(id) else { throw Missing(what: "resource \(id)") }
        return resource
    }

    struct Missing: Error, CustomStringConvertible {
        let what: String
        var description: String { "missing \(what)" }
    }
}

extension Value {
    /// Follows a slash path of object keys and list indexes, e.g. `LaunchTemplateData/MetadataOptions`.
    func at(_ path: String) -> Value? {
        var current: Value? = self
        for part in path.split(separator: "/") {
            switch current {
            case .object(let object): current = object[String(part)]
            case .list(let items):
                guard let index = Int(part), items.indices.contains(index) else { return nil }
                current = items[index]
            default: return nil
            }
        }
        return current
    }
}

extension ResourceDeclaration {
    func property(_ path: String) -> Value? { Value.object(properties).at(path) }
}
