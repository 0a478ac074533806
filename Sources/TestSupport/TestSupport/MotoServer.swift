import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A moto server (the local AWS emulator) on a free 127.0.0.1 port, owned by one test process.
///
/// It runs scripts/moto-server.py with `--stdin-lifeline`: the server exits when this process's end
/// of its standard input closes, so a crashed or killed test run never leaves a server behind.
public final class MotoServer: @unchecked Sendable {
    public let endpoint: URL
    /// Whether it checks signatures and IAM policies.
    public let auth: Bool
    private let process: Process
    private let lifeline: Pipe

    /// Thrown when moto cannot be started; says what to install.
    public struct StartError: Error, CustomStringConvertible {
        public let description: String
    }

    /// The repository root, found from this file's location.
    public static let repositoryRoot = RepositoryRoot.url

    /// Starts a fresh server. With `auth`, moto checks signatures and IAM policies (INITIAL_NO_AUTH_ACTION_COUNT=0).
    ///
    /// - Parameter port: 0 picks a free port; a fixed one lets a test restart moto where clients already point.
    public init(auth: Bool = false, port: Int = 0) throws {
        self.auth = auth
        let script = Self.repositoryRoot.appendingPathComponent("scripts/moto-server.py")
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, "--port", String(port), "--stdin-lifeline"] + (auth ? ["--auth"] : [])
        lifeline = Pipe()
        let output = Pipe()
        process.standardInput = lifeline
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The script prints exactly one line, `ready http://127.0.0.1:PORT`, once moto answers.
        var line = Data()
        while true {
            let byte = output.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data("\n".utf8) { break }
            line.append(byte)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("ready "), let url = URL(string: String(text.dropFirst(6))) else {
            process.terminate()
            throw StartError(description: "moto did not start (\(text.isEmpty ? "no output" : text)); install it with `make deps` "
                + "(pip install -r requirements-dev.txt)")
        }
        endpoint = url
    }

    deinit { stop() }

    /// Stops the server by closing its lifeline, then waits for it to exit.
    public func stop() {
        guard process.isRunning else { return }
        try? lifeline.fileHandleForWriting.close()
        for _ in 0..<50 where process.isRunning { Thread.sleep(forTimeInterval: 0.1) }
        if process.isRunning { process.interrupt() }
        for _ in 0..<20 where process.isRunning { Thread.sleep(forTimeInterval: 0.1) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// Clears all state without a restart (`POST /moto-api/reset`).
    public func reset() async throws {
        var request = URLRequest(url: endpoint.appendingPathComponent("moto-api/reset"))
        request.httpMethod = "POST"
        _ = try await URLSession.shared.data(for: request)
    }

    /// Environment for a child process (server, worker, infra) pointed at this moto with test keys.
    public func environment(accessKey: String = "test", secretKey: String = "test", region: String = "us-east-1") -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["AWS_ENDPOINT_URL"] = endpoint.absoluteString
        environment["AWS_ACCESS_KEY_ID"] = accessKey
        environment["AWS_SECRET_ACCESS_KEY"] = secretKey
        environment["AWS_REGION"] = region
        environment["AWS_EC2_METADATA_DISABLED"] = "true"
        environment.removeValue(forKey: "AWS_SESSION_TOKEN")
        environment.removeValue(forKey: "AWS_PROFILE")
        return environment
    }
}
