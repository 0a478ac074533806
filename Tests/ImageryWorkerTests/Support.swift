import ImageryContract
import AWSCore
import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
import ImageryCore
import ImageryServer
import ImageryTestSupport
import ImageryWorker
import Logging
import ServiceLifecycle
import Testing
import TestSupport

/// Records worker outcomes for assertions.
actor OutcomeLog {
    private(set) var outcomes: [JobOutcome] = []
    func add(_ outcome: JobOutcome) { outcomes.append(outcome) }
}

/// A `WorkerService` running in this process inside a ServiceGroup, stoppable like SIGTERM would.
final class InProcessWorker: Sendable {
    let group: ServiceGroup
    let task: Task<Void, any Error>
    let log = OutcomeLog()

    init(configuration: ImageryConfiguration, label: String = "worker") {
        var logger = Logger(label: label)
        logger.logLevel = .warning
        let log = self.log
        let aws = ImageryAWS(configuration: configuration, timeout: .seconds(configuration.worker.waitTimeSeconds + 10))
        let service = WorkerService(aws: aws, configuration: configuration, logger: logger) { outcome in
            Task { await log.add(outcome) }
        }
        let group = ServiceGroup(configuration: .init(services: [.init(service: service)], logger: logger))
        self.group = group
        task = Task { try await group.run() }
    }

    /// Graceful shutdown, as on SIGTERM; returns when the in-flight jobs are done.
    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
    }
}

/// Polls `condition` every 100 ms until it holds or `timeout` passes.
func eventually(timeout: Duration = .seconds(30), _ what: String, _ condition: () async throws -> Bool) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(100))
    }
    Issue.record("timed out after \(timeout) waiting for \(what)")
    throw FixtureError(description: "timed out waiting for \(what)")
}

extension ImageryLocalStack {
    var repository: ImageRepository { ImageRepository(dynamoDB: aws.dynamoDB, table: configuration.table) }

    /// Visible plus in-flight messages on the work queue.
    func queueDepth() async throws -> Int {
        let attributes = try await aws.sqs.getQueueAttributes(
            queueURL: configuration.queueURL, names: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])
        return Int(attributes["ApproximateNumberOfMessages"] ?? "0").map { $0 + (Int(attributes["ApproximateNumberOfMessagesNotVisible"] ?? "0") ?? 0) } ?? 0
    }

    /// Does what the server does for an upload, bypassing its checks: object, transition, message.
    @discardableResult
    func smuggle(_ data: Data, id given: String? = nil) async throws -> String {
        let id: String
        if let given { id = given } else { id = try await repository.create().id }
        _ = try await aws.s3.putObject(bucket: configuration.bucket, key: ImageRecord.rawKey(for: id), data: data, contentType: "image/jpeg")
        try await repository.apply(.upload(rawS3Key: ImageRecord.rawKey(for: id)), to: id)
        _ = try await aws.sqs.sendMessage(queueURL: configuration.queueURL, body: ProcessingMessage(imageId: id).encoded())
        return id
    }

    func state(_ id: String) async throws -> ImageRecord? { try await repository.get(id: id) }
}

/// A large but highly compressible PNG (made with Python's zlib), so a job takes seconds.
func largePNG(width: Int, height: Int) throws -> Data {
    let script = """
        import sys, zlib, struct
        w, h = int(sys.argv[1]), int(sys.argv[2])
        row = bytes([0]) + bytes((x * 7) % 256 for x in range(w * 3))
        def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
        sys.stdout.buffer.write(b'\\x89PNG\\r\\n\\x1a\\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0))
            + chunk(b'IDAT', zlib.compress(row * h, 6)) + chunk(b'IEND', b''))
        """
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script, String(width), String(height)]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0, !data.isEmpty else { throw FixtureError(description: "python3 could not make the PNG") }
    return data
}

/// The built `imagery-worker` executable beside the test bundle.
func workerExecutable() throws -> URL {
    guard let url = BuiltExecutable.url(named: "imagery-worker") else {
        throw FixtureError(description: "imagery-worker is not built; run swift build first")
    }
    return url
}

/// An `imagery-worker` child process with its output in a log file.
final class WorkerProcess: @unchecked Sendable {
    let process = Process()
    let logURL: URL

    init(executable: URL? = nil, arguments: [String] = ["run"], environment: [String: String]) throws {
        logURL = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("imagery-worker-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        process.executableURL = try executable ?? workerExecutable()
        process.arguments = arguments
        process.environment = environment
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Waits for exit; returns the status, or nil after `timeout` (then kills it).
    func waitForExit(timeout: Duration = .seconds(30)) async -> Int32? {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while process.isRunning && clock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning {
            signal(SIGKILL)
            process.waitUntilExit()
            return nil
        }
        return process.terminationStatus
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: logURL)
    }
}

/// The built `imagery-server` executable beside the test bundle.
func serverExecutable() throws -> URL {
    guard let url = BuiltExecutable.url(named: "imagery-server") else {
        throw FixtureError(description: "imagery-server is not built; run swift build first")
    }
    return url
}

/// The real `imagery-server` and `imagery-worker` binaries on one stack, as child processes.
final class RunningBinaries: Sendable {
    let server: WorkerProcess
    let worker: WorkerProcess
    /// Where the server listens, e.g. `http://127.0.0.1:40123`.
    let baseURL: URL

    /// Starts both and returns once the server answers `/health`.
    ///
    /// - Parameters:
    ///   - serverCredentials, workerCredentials: keys for each process; the stack's own when nil.
    init(stack: ImageryLocalStack, serverCredentials: Credentials? = nil, workerCredentials: Credentials? = nil) async throws {
        func environment(_ credentials: Credentials?) -> [String: String] {
            var environment = stack.childEnvironment
            if let credentials {
                environment["AWS_ACCESS_KEY_ID"] = credentials.accessKeyID
                environment["AWS_SECRET_ACCESS_KEY"] = credentials.secretAccessKey
            }
            return environment
        }
        let port = try closedLoopbackPort()
        var serverEnvironment = environment(serverCredentials)
        serverEnvironment[ImageryContract.Environment.host] = "127.0.0.1"
        serverEnvironment[ImageryContract.Environment.port] = String(port)
        // The working tree's page, not an installed copy in /opt/imagery/public.
        serverEnvironment[ImageryContract.Environment.publicDirectory] = PublicDirectory.repository
        let baseURL = try #require(URL(string: "http://127.0.0.1:\(port)"))
        let server = try WorkerProcess(executable: try serverExecutable(), arguments: [], environment: serverEnvironment)
        let worker = try WorkerProcess(arguments: ["run"], environment: environment(workerCredentials))
        self.server = server
        self.worker = worker
        self.baseURL = baseURL
        try await eventually("imagery-server answering /health on \(baseURL)") {
            guard server.process.isRunning else {
                throw FixtureError(description: "imagery-server exited: \(server.log)")
            }
            let response = try? await URLSession.shared.data(from: baseURL.appendingPathComponent("health")).1
            return (response as? HTTPURLResponse)?.statusCode == 200
        }
    }

    /// SIGTERM to both; returns their logs, for failure messages.
    func stop() async -> String {
        server.signal(SIGTERM)
        worker.signal(SIGTERM)
        let serverStatus = await server.waitForExit(timeout: .seconds(20))
        let workerStatus = await worker.waitForExit(timeout: .seconds(20))
        return "imagery-server (exit \(serverStatus.map(String.init) ?? "killed")):\n\(server.log)\n"
            + "imagery-worker (exit \(workerStatus.map(String.init) ?? "killed")):\n\(worker.log)"
    }
}

/// A small HTTP client for the running server: the API as a browser or `curl` would use it.
struct ServerClient: Sendable {
    let baseURL: URL

    /// Sends a request; returns the status, the body and the Content-Type.
    func send(_ method: String, _ path: String, body: Data? = nil, headers: [String: String] = [:]) async throws
        -> (status: Int, body: Data, contentType: String?)
    {
        let url = try #require(URL(string: path, relativeTo: baseURL))
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.httpBody = body
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        return (http.statusCode, data, http.value(forHTTPHeaderField: "Content-Type"))
    }

    /// Sends a request and decodes its JSON object body.
    func json(_ method: String, _ path: String, body: Data? = nil, headers: [String: String] = [:]) async throws
        -> (status: Int, object: [String: Any])
    {
        var headers = headers
        headers["Accept"] = "application/json"
        let response = try await send(method, path, body: body, headers: headers)
        let object = try JSONSerialization.jsonObject(with: response.body) as? [String: Any]
        return (response.status, object ?? [:])
    }
}
