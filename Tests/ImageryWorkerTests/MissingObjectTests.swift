import AWSCore
import Foundation
import ImageryCore
import ImageryTestSupport
import ImageryWorker
import Logging
import Testing
import TestSupport

/// S3's two answers for a missing key, as the worker meets them: 404 NoSuchKey (moto, or a role
/// with s3:ListBucket) and 403 AccessDenied (real S3 to a role without it, which moto cannot
/// produce: a loopback server plays S3 with its real error and listing bodies there).
@Suite("Worker: a missing upload, whether S3 says 404 or 403", .serialized)
struct MissingObjectTests {
    static let accessDenied = """
        <?xml version="1.0" encoding="UTF-8"?>
        <Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>4442587FB7D0A2F9</RequestId>\
        <HostId>Uuag1LuByRx9e6j5Onimru9pO4ZVKnJ2Qz7/C1NPcfTWAtRPfTaOFg==</HostId></Error>
        """

    static func listing(_ bucket: String, prefix: String, keys: [String]) -> String {
        let contents = keys.map {
            "<Contents><Key>\($0)</Key><LastModified>2026-12-05T00:00:00.000Z</LastModified><ETag>&quot;9b2cf535f27731c974343645a3985328&quot;</ETag>"
                + "<Size>120</Size><StorageClass>STANDARD</StorageClass></Contents>"
        }.joined()
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>\(bucket)</Name><Prefix>\(prefix)</Prefix>\
            <KeyCount>\(keys.count)</KeyCount><MaxKeys>1</MaxKeys><IsTruncated>false</IsTruncated>\(contents)</ListBucketResult>
            """
    }

    /// A job processor whose S3 is `s3` (a loopback server) and whose DynamoDB is the stack's moto.
    static func processor(_ stack: ImageryLocalStack, s3: LoopbackServer) -> JobProcessor {
        var configuration = stack.configuration
        configuration.environment["AWS_ENDPOINT_URL_S3"] = s3.baseURL
        var logger = Logger(label: "worker")
        logger.logLevel = .critical
        return JobProcessor(aws: ImageryAWS(configuration: configuration, timeout: .seconds(10)), configuration: configuration, logger: logger)
    }

    /// An image in `uploaded` whose raw file was never stored.
    static func uploadedWithoutFile(_ stack: ImageryLocalStack) async throws -> String {
        let id = try await stack.repository.create().id
        try await stack.repository.apply(.upload(rawS3Key: ImageRecord.rawKey(for: id)), to: id)
        return id
    }

    @Test("404 (moto): the image ends failed and the message is deleted")
    func missingUploadOn404() async throws {
        let stack = try await ImageryLocalStack.deploy(on: try SharedMoto.get())
        let id = try await Self.uploadedWithoutFile(stack)
        var logger = Logger(label: "worker")
        logger.logLevel = .critical
        let outcome = await JobProcessor(aws: stack.aws, configuration: stack.configuration, logger: logger)
            .process(body: ProcessingMessage(imageId: id).encoded())
        #expect(outcome == .failed(id: id, reason: "the uploaded file is missing from storage"))
        #expect(outcome.deletesMessage)
        #expect(try await stack.state(id)?.state == .failed)
    }

    @Test("403 AccessDenied and a listing without the key (real S3, no s3:ListBucket): failed, not retried for ever")
    func missingUploadOn403() async throws {
        let stack = try await ImageryLocalStack.deploy(on: try SharedMoto.get())
        let id = try await Self.uploadedWithoutFile(stack)
        let s3 = try LoopbackServer()
        defer { s3.stop() }
        let bucket = stack.configuration.bucket
        s3.script("GET", "/\(bucket)/upload/\(id)", [.respond(status: 403, headers: [("Content-Type", "application/xml")], body: Self.accessDenied)])
        s3.script("GET", "/\(bucket)", [.respond(status: 200, headers: [("Content-Type", "application/xml")], body: Self.listing(bucket, prefix: "upload/\(id)", keys: []))])
        let outcome = await Self.processor(stack, s3: s3).process(body: ProcessingMessage(imageId: id).encoded())
        #expect(outcome == .failed(id: id, reason: "the uploaded file is missing from storage"))
        #expect(try await stack.state(id)?.state == .failed)
        // The listing asked about exactly this key, one result: what the role's prefix-scoped ListBucket allows.
        let list = try #require(s3.requests(path: "/\(bucket)").first)
        let query = list.query ?? ""
        #expect(query.contains("list-type=2") && query.contains("prefix=upload%2F\(id)") && query.contains("max-keys=1"), "\(query)")
    }

    @Test("403 for an upload the listing shows: a denied read, retried (the DLQ alarms), the log names the missing grant")
    func deniedUpload() async throws {
        let stack = try await ImageryLocalStack.deploy(on: try SharedMoto.get())
        let id = try await Self.uploadedWithoutFile(stack)
        let s3 = try LoopbackServer()
        defer { s3.stop() }
        let bucket = stack.configuration.bucket
        s3.script("GET", "/\(bucket)/upload/\(id)", [.respond(status: 403, headers: [("Content-Type", "application/xml")], body: Self.accessDenied)])
        s3.script("GET", "/\(bucket)", [.respond(status: 200, headers: [("Content-Type", "application/xml")], body: Self.listing(bucket, prefix: "upload/\(id)", keys: ["upload/\(id)"]))])
        let outcome = await Self.processor(stack, s3: s3).process(body: ProcessingMessage(imageId: id).encoded())
        guard case .retryLater(let reason) = outcome else {
            Issue.record("expected retryLater, got \(outcome)")
            return
        }
        #expect(reason.contains("which exists: the role needs s3:GetObject on upload/*"), "\(reason)")
        #expect(try await stack.state(id)?.state == .uploaded)
    }

    @Test("another 403 (ExpiredToken) says nothing about the object: no listing, retried with S3's own error")
    func otherForbidden() async throws {
        let stack = try await ImageryLocalStack.deploy(on: try SharedMoto.get())
        let id = try await Self.uploadedWithoutFile(stack)
        let s3 = try LoopbackServer()
        defer { s3.stop() }
        let bucket = stack.configuration.bucket
        s3.script("GET", "/\(bucket)/upload/\(id)", [.respond(status: 403, headers: [("Content-Type", "application/xml")], body: """
            <?xml version="1.0" encoding="UTF-8"?>
            <Error><Code>ExpiredToken</Code><Message>The provided token has expired.</Message><RequestId>4442587FB7D0A2F9</RequestId></Error>
            """)])
        let outcome = await Self.processor(stack, s3: s3).process(body: ProcessingMessage(imageId: id).encoded())
        guard case .retryLater(let reason) = outcome else {
            Issue.record("expected retryLater, got \(outcome)")
            return
        }
        #expect(reason.contains("ExpiredToken"), "\(reason)")
        #expect(s3.requests(path: "/\(bucket)").isEmpty)
        #expect(try await stack.state(id)?.state == .uploaded)
    }

    @Test("403 on the read and on the listing: retried, and the reason says s3:ListBucket is missing")
    func deniedListing() async throws {
        let stack = try await ImageryLocalStack.deploy(on: try SharedMoto.get())
        let id = try await Self.uploadedWithoutFile(stack)
        let s3 = try LoopbackServer()
        defer { s3.stop() }
        let bucket = stack.configuration.bucket
        s3.script("GET", "/\(bucket)/upload/\(id)", [.respond(status: 403, headers: [("Content-Type", "application/xml")], body: Self.accessDenied)])
        s3.script("GET", "/\(bucket)", [.respond(status: 403, headers: [("Content-Type", "application/xml")], body: Self.accessDenied)])
        let outcome = await Self.processor(stack, s3: s3).process(body: ProcessingMessage(imageId: id).encoded())
        guard case .retryLater(let reason) = outcome else {
            Issue.record("expected retryLater, got \(outcome)")
            return
        }
        #expect(reason.contains("the role needs s3:ListBucket on the bucket for the prefix upload/"), "\(reason)")
        #expect(try await stack.state(id)?.state == .uploaded)
    }
}
