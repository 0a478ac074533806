import Foundation

/// The repository's test data in `Tests/Fixtures/` (each folder's README says where it comes from).
///
/// The one place tests, benchmarks and scripts look for fixtures: found from this source file's
/// location, so it works in any clone without configuration.
public enum Fixtures {
    /// `Tests/Fixtures` of the checkout this file was compiled from.
    public static let directory: URL = RepositoryRoot.url.appendingPathComponent("Tests/Fixtures", isDirectory: true)

    /// A file or folder below `Tests/Fixtures`, e.g. `sepia/input-64x48.png`; throws when it is missing.
    public static func url(_ relativePath: String) throws -> URL {
        let url = directory.appendingPathComponent(relativePath)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw MissingFixture(path: url.path)
        }
        return url
    }

    /// The bytes of a fixture file.
    public static func data(_ relativePath: String) throws -> Data {
        try Data(contentsOf: url(relativePath))
    }

    /// The text of a fixture file (UTF-8).
    public static func text(_ relativePath: String) throws -> String {
        try String(contentsOf: url(relativePath), encoding: .utf8)
    }
}

/// A fixture the tests need is not in the checkout.
public struct MissingFixture: Error, CustomStringConvertible {
    /// The absolute path that was looked for.
    public var path: String

    public var description: String {
        "test fixture \(path) is missing: Tests/Fixtures is part of the repository; restore it with git checkout -- Tests/Fixtures"
    }
}

/// The checkout this file was compiled from: the nearest folder above it with a `Package.swift` and
/// `Tests/Fixtures`, so moving the test-support sources does not break it.
public enum RepositoryRoot {
    public static let url: URL = {
        var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while directory.path != "/" {
            let manifest = directory.appendingPathComponent("Package.swift").path
            let fixtures = directory.appendingPathComponent("Tests/Fixtures").path
            if FileManager.default.fileExists(atPath: manifest), FileManager.default.fileExists(atPath: fixtures) {
                return directory
            }
            directory = directory.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    }()
}
