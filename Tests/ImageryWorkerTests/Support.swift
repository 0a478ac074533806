import AWSClient
import Foundation
import ImageryCore
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
    var candidates: [URL] = []
    if let executable = Bundle.main.executableURL { candidates.append(executable.deletingLastPathComponent().appendingPathComponent("imagery-worker")) }
    candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("imagery-worker"))
    candidates.append(MotoServer.repositoryRoot.appendingPathComponent(".build/debug/imagery-worker"))
    for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    throw FixtureError(description: "imagery-worker not built (tried \(candidates.map(\.path))); run swift build first")
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
