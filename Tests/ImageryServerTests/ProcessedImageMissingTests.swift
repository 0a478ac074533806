import AWSCore
import Foundation
import Hummingbird
import HummingbirdTesting
import ImageryCore
import ImageryServer
import ImageryTestSupport
import NIOCore
import Testing
import TestSupport

/// `GET /image/{id}/processed.png` when the record says processed but the PNG is gone: S3 answers
/// 404 to a role with s3:ListBucket (moto) and 403 to one without (real S3; a loopback server speaks
/// its XML there). Both are "the PNG is missing" (404), not a backend outage (503).
@Suite("Server: a processed PNG missing from storage", .serialized)
struct ProcessedImageMissingTests {
    static let accessDenied = """
        <?xml version="1.0" encoding="UTF-8"?>
        <Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>4442587FB7D0A2F9</RequestId>\
        <HostId>Uuag1LuByRx9e6j5Onimru9pO4ZVKnJ2Qz7/C1NPcfTWAtRPfTaOFg==</HostId></Error>
        """

    static func listing(_ bucket: String, keys: [String]) -> String {
        let contents = keys.map { "<Contents><Key>\($0)</Key><Size>4</Size><StorageClass>STANDARD</StorageClass></Contents>" }.joined()
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>\(bucket)</Name>\
            <KeyCount>\(keys.count)</KeyCount><MaxKeys>1</MaxKeys><IsTruncated>false</IsTruncated>\(contents)</ListBucketResult>
            """
    }

    /// A record in `processed` whose PNG was never stored.
    static func processedWithoutPNG(_ stack: ImageryLocalStack) async throws -> String {
        let repository = ImageRepository(dynamoDB: stack.aws.dynamoDB, table: stack.configuration.table)
        let id = try await repository.create().id
        try await repository.apply(.upload(rawS3Key: ImageRecord.rawKey(for: id)), to: id)
        try await repository.apply(.process(processedS3Key: ImageRecord.processedKey(for: id)), to: id)
        return id
    }

    static func app(_ stack: ImageryLocalStack, s3: LoopbackServer?) -> Application<RouterResponder<ImageryRequestContext>> {
        var configuration = stack.configuration
        if let s3 { configuration.environment["AWS_ENDPOINT_URL_S3"] = s3.baseURL }
        let aws = ImageryAWS(configuration: configuration, timeout: .seconds(10))
        return Application(router: buildRouter(aws: aws, configuration: configuration, publicDirectory: PublicDirectory.repository))
    }

    @Test("404 from S3 (moto): 404 processed_image_missing")
    func on404() async throws {
        let stack = try await ImageryLocalStack.deploy(on: try SharedMoto.get())
        let id = try await Self.processedWithoutPNG(stack)
        try await Self.app(stack, s3: nil).test(.router) { client in
            let response = try await client.execute(uri: "/image/\(id)/processed.png", method: .get)
            #expect(response.status == .notFound)
            #expect(try errorCode(response) == "processed_image_missing")
        }
    }

    @Test("403 AccessDenied and a listing without the key (real S3 without s3:ListBucket): 404 as well")
    func on403Missing() async throws {
        let stack = try await ImageryLocalStack.deploy(on: try SharedMoto.get())
        let id = try await Self.processedWithoutPNG(stack)
        let s3 = try LoopbackServer()
        defer { s3.stop() }
        let bucket = stack.configuration.bucket
        s3.script("GET", "/\(bucket)/processed/\(id).png", [.respond(status: 403, headers: [("Content-Type", "application/xml")], body: Self.accessDenied)])
        s3.script("GET", "/\(bucket)", [.respond(status: 200, headers: [("Content-Type", "application/xml")], body: Self.listing(bucket, keys: []))])
        try await Self.app(stack, s3: s3).test(.router) { client in
            let response = try await client.execute(uri: "/image/\(id)/processed.png", method: .get)
            #expect(response.status == .notFound)
            #expect(try errorCode(response) == "processed_image_missing")
        }
    }

    @Test("403 for a PNG the listing shows: 503, the deployment lacks a grant")
    func on403Denied() async throws {
        let stack = try await ImageryLocalStack.deploy(on: try SharedMoto.get())
        let id = try await Self.processedWithoutPNG(stack)
        let s3 = try LoopbackServer()
        defer { s3.stop() }
        let bucket = stack.configuration.bucket
        s3.script("GET", "/\(bucket)/processed/\(id).png", [.respond(status: 403, headers: [("Content-Type", "application/xml")], body: Self.accessDenied)])
        s3.script("GET", "/\(bucket)", [.respond(status: 200, headers: [("Content-Type", "application/xml")], body: Self.listing(bucket, keys: ["processed/\(id).png"]))])
        try await Self.app(stack, s3: s3).test(.router) { client in
            let response = try await client.execute(uri: "/image/\(id)/processed.png", method: .get)
            #expect(response.status == .serviceUnavailable)
            #expect(try errorCode(response) == "service_unavailable")
        }
    }
}
