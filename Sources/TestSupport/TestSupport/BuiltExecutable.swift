import Foundation

/// Finds executables that `swift build` put in the same products directory as the running tests.
public enum BuiltExecutable {
    /// The executable named `name` next to the test bundle (or a few directories up), if it was built.
    public static func url(named name: String) -> URL? {
        var candidates = [URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()]
        if let executable = Bundle.main.executableURL { candidates.append(executable.deletingLastPathComponent()) }
        candidates += Bundle.allBundles.map { $0.bundleURL.deletingLastPathComponent() }
        for directory in candidates {
            var current = directory
            for _ in 0..<4 {
                let url = current.appendingPathComponent(name)
                if FileManager.default.isExecutableFile(atPath: url.path) { return url }
                current = current.deletingLastPathComponent()
            }
        }
        return nil
    }
}
