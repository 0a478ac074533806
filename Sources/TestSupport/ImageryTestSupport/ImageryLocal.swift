import InfraKit
import ImageryContract
import AWSCore
import Foundation
#if canImport(Glibc)
    import Glibc
#endif
import ImageryInfrastructure
import ImageryCore
import TestSupport

/// The imagery-local data plane (bucket, table, queue + DLQ) deployed into moto through CloudFormation.
public struct ImageryLocalStack: Sendable {
    public var name: String
    public var configuration: ImageryConfiguration
    public var deadLetterQueueURL: String
    public var aws: ImageryAWS

    /// Creates a uniquely named stack of the synthesized imagery-local template in `moto`.
    ///
    /// - Parameters:
    ///   - environment: extra variables merged into the configuration's environment (limits, attempts).
    ///   - worker: worker settings (short visibility and waits keep tests fast).
    ///   - credentials: the keys that create the stack and that `aws` uses; moto's test keys unless
    ///     moto runs in auth mode, where they must be an IAM user's (see `MotoIAM`).
    public static func deploy(
        on moto: MotoServer, name: String = "imagery-test-\(UUID().uuidString.prefix(8).lowercased())",
        environment extra: [String: String] = [:], worker: ImageryConfiguration.WorkerSettings = .forTests,
        server: ImageryConfiguration.ServerSettings = ImageryConfiguration.ServerSettings(),
        credentials: Credentials = Credentials(accessKeyID: "test", secretAccessKey: "test")
    ) async throws -> ImageryLocalStack {
        var environment = moto.environment(accessKey: credentials.accessKeyID, secretKey: credentials.secretAccessKey)
        environment["AWS_MAX_ATTEMPTS"] = "2"
        environment.merge(extra) { _, new in new }
        let client = AWSClient(
            credentialProvider: StaticCredentialProvider(credentials),
            region: "us-east-1", endpoints: EndpointResolver(explicitURL: moto.endpoint.absoluteString),
            transport: CurlTransport(timeout: .seconds(30)))
        let body = try ImageryApp.app.synthesize("imagery-local").yaml
        let cloudFormation = CloudFormationClient(client: client)
        do {
            _ = try await cloudFormation.createStack(.init(stackName: name, templateBody: body))
        } catch let error as AWSError where error.code == "AlreadyExistsException" {
            // The name is this call's own (a fresh UUID prefix), so the stack is the one the first attempt
            // created: moto on a busy machine can drop the connection after CreateStack went through, the
            // client retries, and moto (unlike CloudFormation with a ClientRequestToken) says it exists.
        }
        guard let stack = try await cloudFormation.describeStacks(name: name).first else {
            throw FixtureError(description: "stack \(name) not found after CreateStack")
        }
        func output(_ key: String) throws -> String {
            guard let value = stack.outputs.first(where: { $0.key == key })?.value else {
                throw FixtureError(description: "stack \(name) has no output \(key): \(stack.outputs)")
            }
            return value
        }
        let configuration = ImageryConfiguration(
            queueURL: try output("QueueUrl"), bucket: try output("BucketName"), table: try output("TableName"), region: "us-east-1",
            environment: environment, server: server, worker: worker)
        return ImageryLocalStack(
            name: name, configuration: configuration, deadLetterQueueURL: try output("DeadLetterQueueUrl"),
            aws: ImageryAWS(configuration: configuration, timeout: .seconds(30)))
    }

    /// The variables a child process (server or worker binary) needs to use this stack.
    public var childEnvironment: [String: String] {
        var environment = configuration.environment
        environment[ImageryContract.Environment.queueURL] = configuration.queueURL
        environment[ImageryContract.Environment.bucket] = configuration.bucket
        environment[ImageryContract.Environment.table] = configuration.table
        environment["AWS_REGION"] = configuration.region
        environment[ImageryContract.Environment.waitTimeSeconds] = String(configuration.worker.waitTimeSeconds)
        environment[ImageryContract.Environment.visibilityTimeout] = String(configuration.worker.visibilityTimeoutSeconds)
        environment[ImageryContract.Environment.backoffMilliseconds] = String(configuration.worker.backoffMilliseconds)
        environment[ImageryContract.Environment.workerConcurrency] = String(configuration.worker.concurrency)
        return environment
    }
}

extension ImageryConfiguration.WorkerSettings {
    /// Short waits so tests notice changes within a second or two.
    public static var forTests: Self {
        Self(concurrency: 2, waitTimeSeconds: 1, visibilityTimeoutSeconds: 30, maxPixels: 100_000_000, backoffMilliseconds: 100)
    }
}

/// A fixture could not be set up.
public struct FixtureError: Error, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}

/// One moto per test process, shared by every test that needs no special moto of its own.
public enum SharedMoto {
    private static let started: Result<MotoServer, any Error> = Result { try MotoServer() }

    /// The shared server, started on first use.
    public static func get() throws -> MotoServer { try started.get() }
}

/// Builds multipart/form-data bodies the way browsers do.
public struct MultipartBody: Sendable {
    public var boundary: String
    public var parts: [(name: String, fileName: String?, contentType: String?, data: Data)]

    public init(boundary: String = "----imagery-test-\(UUID().uuidString)") {
        self.boundary = boundary
        self.parts = []
    }

    public mutating func add(name: String, fileName: String? = nil, contentType: String? = nil, data: Data) {
        parts.append((name, fileName, contentType, data))
    }

    public var contentType: String { "multipart/form-data; boundary=\(boundary)" }

    public var data: Data {
        var body = Data()
        for part in parts {
            var disposition = "form-data; name=\"\(part.name)\""
            if let fileName = part.fileName { disposition += "; filename=\"\(fileName)\"" }
            body.append(Data("--\(boundary)\r\nContent-Disposition: \(disposition)\r\n".utf8))
            if let type = part.contentType { body.append(Data("Content-Type: \(type)\r\n".utf8)) }
            body.append(Data("\r\n".utf8))
            body.append(part.data)
            body.append(Data("\r\n".utf8))
        }
        body.append(Data("--\(boundary)--\r\n".utf8))
        return body
    }

    /// A body with one `file` part.
    public static func file(_ data: Data, fileName: String = "image.jpg", contentType: String = "image/jpeg") -> MultipartBody {
        var body = MultipartBody()
        body.add(name: "file", fileName: fileName, contentType: contentType, data: data)
        return body
    }
}

/// A loopback port with nothing listening, for "AWS is unreachable" tests.
public func closedLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw FixtureError(description: "socket() failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else { throw FixtureError(description: "bind() failed") }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let named = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    guard named == 0 else { throw FixtureError(description: "getsockname() failed") }
    return Int(UInt16(bigEndian: address.sin_port))
}
