import Foundation
import ImageryContract

/// Finds the directory the page and its assets are served from.
///
/// Files on disk rather than SwiftPM resources: the page can be edited and reloaded without a
/// rebuild, the AMI installs one known folder (/opt/imagery/public) beside the binary, and a
/// missing folder is reported at start-up instead of crashing at the first request, which is what
/// `Bundle.module` does on Linux when the resource bundle is not next to the executable.
public enum PublicDirectory {
    /// Where the AMI installs the assets.
    public static let installed = "/opt/imagery/public"
    /// The repository's copy, for `swift run` in a checkout.
    public static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("public").path

    /// The configured directory, else the installed one, else the repository's.
    public static func resolve(configured: String?, fileExists: (String) -> Bool = Self.isDirectoryWithIndex) throws -> String {
        if let configured {
            guard fileExists(configured) else { throw MissingPublicDirectory(tried: [configured]) }
            return configured
        }
        for candidate in [installed, repository] where fileExists(candidate) {
            return candidate
        }
        throw MissingPublicDirectory(tried: [installed, repository])
    }

    public static func isDirectoryWithIndex(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent("index.html"))
    }
}

/// No directory with the page's index.html was found.
public struct MissingPublicDirectory: Error, Sendable, CustomStringConvertible {
    public var tried: [String]
    public var description: String {
        "no public directory with index.html found (tried \(tried.joined(separator: ", "))); set \(ImageryContract.Environment.publicDirectory) to the folder "
            + "holding the page (Sources/Imagery/ImageryServer/public in the repository)"
    }
}
