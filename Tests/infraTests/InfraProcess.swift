import Foundation
import Testing
import TestSupport

/// What one run of the built `infra` printed and how it ended.
struct InfraRun {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// Runs the built `infra` executable as a user would: `input` on standard input (none otherwise), in `directory`,
/// with exactly `environment` when given.
func runInfra(_ arguments: [String], input: String? = nil, environment: [String: String]? = nil, in directory: URL? = nil) throws -> InfraRun {
    let executable = try #require(BuiltExecutable.url(named: "infra"), "infra is not built next to the tests")
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    if let environment { process.environment = environment }
    let out = Pipe(), err = Pipe(), stdin = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input == nil ? FileHandle.nullDevice : stdin
    try process.run()
    if let input {
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
    }
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return InfraRun(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                    stderr: String(decoding: stderr, as: UTF8.self))
}
