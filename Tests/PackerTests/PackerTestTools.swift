import Testing
import Foundation
import Packer
import PackerTestSupport

/// Locations and tools the tests share.
enum PackerTestTools {
    /// This file's directory, the starting point for finding the repository.
    static let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()

    /// The catalogue of names Packer accepts (`Tests/Fixtures/packer`).
    static func catalog() throws -> PackerNameCatalog {
        try PackerNameCatalog.fromFixtures()
    }

    /// The package root: the nearest ancestor holding `scripts/check-packer-hcl.py`.
    static let packageRoot: URL? = {
        var directory = testsDirectory
        while directory.path != "/" {
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent("scripts/check-packer-hcl.py").path) {
                return directory
            }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }()

    /// The python of the python-hcl2 virtualenv: `PACKER_HCL_CHECK`, else `.venv-hcl2` in the
    /// package root if it was created there; `nil` means the script test is skipped.
    static let hclCheckPython: String? = {
        let fileManager = FileManager.default
        if let configured = ProcessInfo.processInfo.environment["PACKER_HCL_CHECK"], !configured.isEmpty {
            return fileManager.isExecutableFile(atPath: configured) ? configured : nil
        }
        guard let root = packageRoot else { return nil }
        let local = root.appendingPathComponent(".venv-hcl2/bin/python").path
        return fileManager.isExecutableFile(atPath: local) ? local : nil
    }()

    /// A `terraform` binary on PATH; its `fmt` runs hclwrite's formatter like `packer fmt`.
    static let terraform: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/terraform"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }()

    /// Runs a program, feeding `input` on stdin; returns exit status, stdout and stderr.
    static func run(_ executable: String, _ arguments: [String], input: String? = nil, environment: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { _, new in new }
        process.environment = env
        let stdout = Pipe()
        let stderr = Pipe()
        let stdin = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = stdin
        try process.run()
        if let input {
            stdin.fileHandleForWriting.write(Data(input.utf8))
        }
        try stdin.fileHandleForWriting.close()
        // Read before waiting so a full pipe cannot block the child.
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    /// `terraform fmt -` applied to `text` (hclwrite.Format plus Terraform's AST rewrites).
    static func terraformFormat(_ text: String) throws -> String? {
        guard let terraform else { return nil }
        let result = try run(terraform, ["fmt", "-no-color", "-"], input: text, environment: ["TF_CLI_CONFIG_FILE": "/dev/null"])
        guard result.status == 0 else { throw TestSupportError.missing("terraform fmt failed: \(result.stderr)") }
        return result.stdout
    }
}

enum TestSupportError: Error, CustomStringConvertible {
    case missing(String)

    var description: String {
        switch self {
        case .missing(let what): return "missing: \(what)"
        }
    }
}

/// Expects `terraform fmt` (hclwrite) to leave `text` unchanged; does nothing without terraform.
///
/// `packer fmt` is exactly `hclwrite.Format`; `terraform fmt` runs the same formatter but also
/// rewrites a top-level attribute value that is a lone interpolation (`x = "${f(y)}"` becomes
/// `x = f(y)`) and re-parses labels, so texts checked here avoid those two Terraform-only cases.
func expectFormatterFixedPoint(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
    do {
        guard let formatted = try PackerTestTools.terraformFormat(text) else { return }
        #expect(formatted == text, "terraform fmt changed the output", sourceLocation: sourceLocation)
    } catch {
        Issue.record(error, sourceLocation: sourceLocation)
    }
}
