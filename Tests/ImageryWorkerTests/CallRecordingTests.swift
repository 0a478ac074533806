import AWSCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ImageryCore
import ImageryServer
import ImageryTestSupport
import ImageryWorker
import Logging
import NIOCore
import ServiceLifecycle
import Testing
import TestSupport

/// The other half of the contract: what the binaries' code really sends, recorded at the transport
/// while the server's routes, its sweeper and readiness probe, and the worker's service run real
/// flows against moto, is all in `AWSOperations` (action, and for S3 and DynamoDB indexes the
/// resource and key prefix). `ContractTests` checks the list against the policies.
@Suite("Recorded AWS calls ⊆ AWSOperations", .serialized)
struct CallRecordingTests {
    /// One request as IAM sees it: the action, and the S3 key / listing prefix or DynamoDB index it names.
    struct Call: Hashable, CustomStringConvertible {
        var action: String
        var s3Key: String?
        var s3ListPrefix: String?
        var index: String?
        var description: String {
            action + (s3Key.map { " key \($0)" } ?? "") + (s3ListPrefix.map { " listing \($0)" } ?? "") + (index.map { " index \($0)" } ?? "")
        }
    }

    /// Records every request, then sends it on.
    final class RecordingTransport: HTTPTransport, @unchecked Sendable {
        let inner: any HTTPTransport
        private let lock = NSLock()
        private var recorded: [Call] = []

        init(_ inner: any HTTPTransport) { self.inner = inner }

        var calls: Set<Call> { lock.withLock { Set(recorded) } }

        func record(_ request: AWSHTTPRequest) {
            guard let call = Self.call(request) else { return }
            lock.withLock { recorded.append(call) }
        }

        func send(_ request: AWSHTTPRequest) async throws -> AWSHTTPResponse {
            record(request)
            return try await inner.send(request)
        }

        func upload(_ request: AWSHTTPRequest, fromFile file: URL) async throws -> AWSHTTPResponse {
            record(request)
            return try await inner.upload(request, fromFile: file)
        }

        func download(_ request: AWSHTTPRequest, to destination: URL) async throws -> AWSHTTPResponse {
            record(request)
            return try await inner.download(request, to: destination)
        }

        /// The IAM action of a signed request: the service from the credential scope, the operation
        /// from X-Amz-Target, the form's Action, or (S3) the method and query.
        static func call(_ request: AWSHTTPRequest) -> Call? {
            guard let authorization = request.header("Authorization"), let credential = authorization.range(of: "Credential=") else { return nil }
            let scope = authorization[credential.upperBound...].prefix { $0 != "," }.split(separator: "/")
            guard scope.count >= 5 else { return nil }
            let service = String(scope[3])
            if let target = request.header("X-Amz-Target"), let dot = target.lastIndex(of: ".") {
                var call = Call(action: "\(service):\(target[target.index(after: dot)...])")
                if let object = try? JSONSerialization.jsonObject(with: request.body) as? [String: Any] {
                    call.index = object["IndexName"] as? String
                }
                return call
            }
            if service == "s3" {
                let components = URLComponents(url: request.url, resolvingAgainstBaseURL: false)
                let parts = (components?.path ?? "").split(separator: "/", maxSplits: 1, omittingEmptySubsequences: true)
                let key = parts.count > 1 ? String(parts[1]) : nil
                let query = components?.queryItems ?? []
                switch (request.method, key) {
                case ("GET", nil) where query.contains(where: { $0.name == "list-type" }):
                    return Call(action: "s3:ListBucket", s3ListPrefix: query.first { $0.name == "prefix" }?.value ?? "")
                case ("GET", let key?), ("HEAD", let key?): return Call(action: "s3:GetObject", s3Key: key)
                case ("PUT", let key?): return Call(action: "s3:PutObject", s3Key: key)
                default: return Call(action: "s3:\(request.method) \(request.url.path)")
                }
            }
            let form = String(decoding: request.body, as: UTF8.self)
            for pair in form.split(separator: "&") where pair.hasPrefix("Action=") {
                return Call(action: "\(service):\(pair.dropFirst("Action=".count))")
            }
            return Call(action: "\(service):?")
        }
    }

    static func aws(_ stack: ImageryLocalStack, _ transport: RecordingTransport) -> ImageryAWS {
        ImageryAWS(
            client: AWSClient(
                credentialProvider: StaticCredentialProvider(Credentials(accessKeyID: "test", secretAccessKey: "test")),
                region: stack.configuration.region,
                endpoints: EndpointResolver(explicitURL: stack.configuration.environment["AWS_ENDPOINT_URL"]),
                transport: transport, retry: .none))
    }

    /// Whether `operations` cover a recorded call: the action, and for S3 and indexes the resource.
    static func covers(_ operations: [AWSOperations.Operation], _ call: Call) -> Bool {
        operations.contains { operation in
            guard operation.action == call.action else { return false }
            switch operation.resource {
            case .objects(let prefix): return call.s3Key?.hasPrefix(prefix) == true
            case .bucketListing(let prefix): return call.s3ListPrefix?.hasPrefix(prefix) == true
            case .tableIndex(let name): return call.index == name
            case .table: return call.index == nil
            case .queue, .stack, .any: return true
            }
        }
    }

    @Test("server routes, sweeper and readiness probe, and the worker service, call only what AWSOperations lists")
    func recordedCallsAreListed() async throws {
        let stack = try await ImageryLocalStack.deploy(on: try SharedMoto.get())
        let serverCalls = RecordingTransport(CurlTransport(timeout: .seconds(30)))
        let workerCalls = RecordingTransport(CurlTransport(timeout: .seconds(30)))
        let serverAWS = Self.aws(stack, serverCalls)
        let workerAWS = Self.aws(stack, workerCalls)
        var logger = Logger(label: "contract")
        logger.logLevel = .critical

        // The worker, as the binary runs it.
        let worker = WorkerService(aws: workerAWS, configuration: stack.configuration, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [.init(service: worker)], logger: logger))
        let running = Task { try await group.run() }

        // The server: every route, the readiness probe and a sweep that re-sends a stranded upload.
        _ = await serverReadiness(aws: serverAWS, configuration: stack.configuration, metadataTransport: CurlTransport(timeout: .seconds(1)))
        let app = Application(router: buildRouter(aws: serverAWS, configuration: stack.configuration, publicDirectory: PublicDirectory.repository))
        let png = try largePNG(width: 8, height: 8)
        try await app.test(.router) { client in
            let created = try await client.execute(uri: "/image", method: .post)
            let id = try #require(try JSONSerialization.jsonObject(with: Data(buffer: created.body)) as? [String: Any])["id"] as? String ?? ""
            let body = MultipartBody.file(png, fileName: "input.png", contentType: "image/png")
            _ = try await client.execute(
                uri: "/image/\(id)/upload", method: .post, headers: [.contentType: body.contentType, .accept: "application/json"],
                body: ByteBuffer(data: body.data))
            try await eventually("image processed") { try await stack.state(id)?.state == .processed }
            #expect(try await client.execute(uri: "/image/\(id)/processed.png", method: .get).status == .ok)
            _ = try await client.execute(uri: "/image/\(id)", method: .get)
        }
        let then = Date().addingTimeInterval(-600)
        let stranded = try await ImageRepository(dynamoDB: stack.aws.dynamoDB, table: stack.configuration.table, now: { then }).create().id
        try await ImageRepository(dynamoDB: stack.aws.dynamoDB, table: stack.configuration.table, now: { then })
            .apply(.upload(rawS3Key: ImageRecord.rawKey(for: stranded)), to: stranded)
        let report = try await PendingUploads(aws: serverAWS, configuration: stack.configuration, logger: logger).sweep()
        #expect(report.resent.contains(stranded))
        // The worker gets the re-sent message for an image whose upload is missing: GetObject 404 → failed.
        try await eventually("stranded image failed") { try await stack.state(stranded)?.state == .failed }
        await group.triggerGracefulShutdown()
        try await running.value

        let server = serverCalls.calls
        let workerSeen = workerCalls.calls
        #expect(server.map(\.action).contains("dynamodb:Query") && workerSeen.map(\.action).contains("sqs:ReceiveMessage"))
        let unlistedServer = server.filter { !Self.covers(AWSOperations.server, $0) }
        let unlistedWorker = workerSeen.filter { !Self.covers(AWSOperations.worker, $0) }
        #expect(unlistedServer.isEmpty, "imagery-server called what AWSOperations.server does not list: \(unlistedServer.map(\.description).sorted())")
        #expect(unlistedWorker.isEmpty, "imagery-worker called what AWSOperations.worker does not list: \(unlistedWorker.map(\.description).sorted())")
    }
}
