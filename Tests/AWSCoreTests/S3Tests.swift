@testable import AWSCore
import Crypto
import Foundation
import Testing
import TestSupport
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

@Suite("S3 against moto")
struct S3Tests {
    static let moto = SharedMoto()

    func s3() throws -> (S3Client, AWSClient) {
        let client = motoClient(try Self.moto.server.endpoint)
        return (S3Client(client: client), client)
    }

    func temporaryFile(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("s3tests-\(UUID().uuidString)-\(name)")
    }

    @Test("putObject from a 5 MB file and from data; headObject present and absent; getObject to file and to data")
    func putGetHead() async throws {
        let (s3, client) = try s3()
        let bucket = uniqueName("objects")
        try await createBucket(client, bucket)

        var bytes = Data(count: 5 * 1024 * 1024)
        for index in bytes.indices { bytes[index] = UInt8(truncatingIfNeeded: index &* 31 &+ index >> 13) }
        let source = temporaryFile("source.bin")
        try bytes.write(to: source)
        defer { try? FileManager.default.removeItem(at: source) }

        let put = try await s3.putObject(bucket: bucket, key: "uploads/big file.bin", file: source, contentType: "application/octet-stream")
        #expect(put.contentLength == Int64(bytes.count))
        let md5 = Insecure.MD5.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        #expect(put.eTag == "\"\(md5)\"")

        let small = Data("sepia please".utf8)
        let putData = try await s3.putObject(bucket: bucket, key: "small.txt", data: small, contentType: "text/plain")
        #expect(putData.contentLength == Int64(small.count))

        let head = try #require(try await s3.headObject(bucket: bucket, key: "uploads/big file.bin"))
        #expect(head.contentLength == Int64(bytes.count))
        #expect(head.contentType == "application/octet-stream")
        #expect(head.eTag == put.eTag)
        #expect(head.lastModified != nil)
        #expect(try await s3.headObject(bucket: bucket, key: "missing.bin") == nil)

        let destination = temporaryFile("download.bin")
        defer { try? FileManager.default.removeItem(at: destination) }
        let got = try await s3.getObject(bucket: bucket, key: "uploads/big file.bin", to: destination)
        #expect(try Data(contentsOf: destination) == bytes)
        #expect(got.contentLength == Int64(bytes.count))
        #expect(got.eTag == put.eTag)

        let (data, metadata) = try await s3.getObject(bucket: bucket, key: "small.txt")
        #expect(data == small)
        #expect(metadata.contentType == "text/plain")

        let error = await #expect(throws: AWSError.self) { _ = try await s3.getObject(bucket: bucket, key: "missing.bin") }
        #expect(error?.code == "NoSuchKey")
    }

    @Test("listObjectsV2 pages with maxKeys 2 and prefix; emptyBucket clears an unversioned bucket")
    func listing() async throws {
        let (s3, client) = try s3()
        let bucket = uniqueName("listing")
        try await createBucket(client, bucket)
        let keys = ["img/a.png", "img/b.png", "img/c.png", "img/d.png", "img/e.png", "other.txt"]
        for key in keys { _ = try await s3.putObject(bucket: bucket, key: key, data: Data(key.utf8), contentType: nil) }

        var seen: [String] = []
        var pages = 0
        var token: String?
        repeat {
            let page = try await s3.listObjectsV2(bucket: bucket, prefix: "img/", continuationToken: token, maxKeys: 2)
            #expect(page.objects.count <= 2)
            seen += page.objects.map(\.key)
            #expect(page.objects.allSatisfy { $0.size == Int64($0.key.utf8.count) && $0.lastModified != nil && $0.eTag != nil })
            token = page.nextContinuationToken
            pages += 1
        } while token != nil && pages < 10
        #expect(seen == Array(keys.prefix(5)))
        #expect(pages == 3)

        #expect(try await s3.emptyBucket(bucket: bucket) == keys.count)
        #expect(try await s3.listObjectsV2(bucket: bucket).objects.isEmpty)
    }

    @Test("versioned bucket: several versions and a delete marker; emptyBucket removes every one")
    func versionedEmpty() async throws {
        let (s3, client) = try s3()
        let bucket = uniqueName("versioned")
        try await createBucket(client, bucket)
        try await enableVersioning(client, bucket)
        // Keys that need XML escaping and percent-encoding in the DeleteObjects body and paths.
        let odd = "a&b <c>/ü 'q\".txt"
        var versionIDs: Set<String> = []
        for round in 1...3 {
            let put = try await s3.putObject(bucket: bucket, key: "photo.png", data: Data("v\(round)".utf8), contentType: "image/png")
            versionIDs.insert(try #require(put.versionID))
        }
        _ = try await s3.putObject(bucket: bucket, key: odd, data: Data("odd".utf8), contentType: nil)
        #expect(versionIDs.count == 3)
        // A plain DELETE on a versioned bucket only adds a delete marker.
        _ = try await client.restXML(operation: "DeleteObject", method: "DELETE", bucket: bucket, key: "photo.png")
        #expect(try await s3.headObject(bucket: bucket, key: "photo.png") == nil)

        let before = try await s3.listObjectVersions(bucket: bucket)
        #expect(before.versions.count == 4)
        #expect(before.deleteMarkers.count == 1)
        #expect(before.deleteMarkers.first?.key == "photo.png")
        #expect(Set(before.versions.filter { $0.key == "photo.png" }.compactMap(\.versionID)) == versionIDs)
        #expect(before.versions.contains { $0.key == odd })
        #expect(!before.isTruncated)

        #expect(try await s3.emptyBucket(bucket: bucket) == 5)
        let after = try await s3.listObjectVersions(bucket: bucket)
        #expect(after.versions.isEmpty)
        #expect(after.deleteMarkers.isEmpty)
        // An empty bucket can now be deleted, which is what `infra destroy` needs.
        _ = try await client.restXML(operation: "DeleteBucket", method: "DELETE", bucket: bucket)
    }

    @Test("deleteObjects with 1,005 keys deletes them all in batches of 1,000")
    func deleteManyAgainstMoto() async throws {
        let (s3, client) = try s3()
        let bucket = uniqueName("many")
        try await createBucket(client, bucket)
        let keys = (0..<1_005).map { String(format: "thumbs/%04d.png", $0) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            // A few uploads at a time: enough to be quick, few enough not to swamp moto.
            for chunk in stride(from: 0, to: keys.count, by: 8) {
                for key in keys[chunk..<min(chunk + 8, keys.count)] {
                    group.addTask { _ = try await s3.putObject(bucket: bucket, key: key, data: Data(key.utf8), contentType: nil) }
                }
                try await group.waitForAll()
            }
        }
        let result = try await s3.deleteObjects(bucket: bucket, objects: keys.map { .init(key: $0) })
        #expect(result.deleted == 1_005)
        #expect(result.errors.isEmpty)
        #expect(try await s3.listObjectsV2(bucket: bucket).objects.isEmpty)
    }

    @Test("deleteObjects on the wire: 2 requests for 1,001 keys, quiet, Content-MD5 of each body, errors reported")
    func deleteObjectsWire() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let errorBody = """
            <?xml version="1.0" encoding="UTF-8"?>
            <DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Error><Key>k0007</Key><VersionId>v1</VersionId><Code>AccessDenied</Code><Message>Access Denied</Message></Error></DeleteResult>
            """
        server.script("POST", "/bkt", [.respond(status: 200, body: errorBody), .respond(status: 200, body: "<DeleteResult/>")])
        let client = AWSClient(
            credentialProvider: StaticCredentialProvider(Credentials(accessKeyID: "AK", secretAccessKey: "SK")), region: "us-east-1",
            endpoints: EndpointResolver(explicitURL: server.baseURL), transport: CurlTransport(timeout: .seconds(5)), retry: .none)
        let objects = (0..<1_001).map { S3Client.ObjectVersion(key: String(format: "k%04d", $0), versionID: "v1") }
        let result = try await S3Client(client: client).deleteObjects(bucket: "bkt", objects: objects)
        #expect(result.deleted == 1_000)
        #expect(result.errors == [S3Client.DeleteError(key: "k0007", versionID: "v1", code: "AccessDenied", message: "Access Denied")])

        let requests = server.requests(path: "/bkt")
        try #require(requests.count == 2)
        for (request, expected) in zip(requests, [1_000, 1]) {
            #expect(request.query == "delete=")
            let md5 = Data(Insecure.MD5.hash(data: request.body)).base64EncodedString()
            #expect(request.headers["content-md5"] == md5)
            let xml = try XMLNode.parse(request.body)
            #expect(xml.string("Quiet") == "true")
            #expect(xml.all("Object").count == expected)
            #expect(xml.all("Object").first?.string("VersionId") == "v1")
        }
    }

    @Test("emptyBucket on the wire: deletes a page, lists from the start again until empty, refuses an empty truncated page")
    func emptyBucketPaging() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        func page(_ keys: [String], truncated: Bool, next: (String, String)? = nil) -> LoopbackServer.Action {
            let versions = keys.map { "<Version><Key>\($0)</Key><VersionId>v-\($0)</VersionId><IsLatest>true</IsLatest></Version>" }.joined()
            let marker = keys.first.map { "<DeleteMarker><Key>\($0)</Key><VersionId>dm-\($0)</VersionId></DeleteMarker>" } ?? ""
            let markers = next.map { "<NextKeyMarker>\($0.0)</NextKeyMarker><NextVersionIdMarker>\($0.1)</NextVersionIdMarker>" } ?? ""
            return .respond(
                status: 200,
                body: "<ListVersionsResult><IsTruncated>\(truncated)</IsTruncated>\(markers)\(versions)\(marker)</ListVersionsResult>")
        }
        server.script("GET", "/bkt", [
            page(["a", "b"], truncated: true, next: ("b", "v-b")), page(["c"], truncated: false), page([], truncated: false),
        ])
        server.script("POST", "/bkt", [.respond(status: 200, body: "<DeleteResult/>")])
        let client = AWSClient(
            credentialProvider: StaticCredentialProvider(Credentials(accessKeyID: "AK", secretAccessKey: "SK")), region: "us-east-1",
            endpoints: EndpointResolver(explicitURL: server.baseURL), transport: CurlTransport(timeout: .seconds(5)), retry: .none)
        let s3 = S3Client(client: client)
        #expect(try await s3.emptyBucket(bucket: "bkt") == 5)
        let lists = server.requests(path: "/bkt").filter { $0.method == "GET" }
        #expect(lists.map(\.query) == ["versions=", "versions=", "versions="])
        let deletes = server.requests(path: "/bkt").filter { $0.method == "POST" }
        #expect(try deletes.map { try XMLNode.parse($0.body).all("Object").count } == [3, 2])

        server.script("GET", "/bkt", [page([], truncated: true)])
        await #expect(throws: ResponseDecodeError.self) { _ = try await s3.emptyBucket(bucket: "bkt") }

        let refused = #"<DeleteResult><Error><Key>a</Key><VersionId>v-a</VersionId><Code>AccessDenied</Code><Message>no</Message></Error></DeleteResult>"#
        server.script("GET", "/bkt", [page(["a"], truncated: false)])
        server.script("POST", "/bkt", [.respond(status: 200, body: refused)])
        let error = await #expect(throws: S3Client.EmptyBucketError.self) { _ = try await s3.emptyBucket(bucket: "bkt") }
        #expect(error?.deleted == 1)
        #expect(error?.errors.map(\.code) == ["AccessDenied"])
    }

    @Test("presigned GET URL is path-style and a plain URLSession fetches the bytes")
    func presigned() async throws {
        let (s3, client) = try s3()
        let bucket = uniqueName("presign")
        try await createBucket(client, bucket)
        let bytes = Data((0..<4096).map { UInt8($0 % 251) })
        _ = try await s3.putObject(bucket: bucket, key: "out/sepia image.png", data: bytes, contentType: "image/png")

        let url = try await s3.presignedGetURL(bucket: bucket, key: "out/sepia image.png", expires: .seconds(300))
        let endpoint = try Self.moto.server.endpoint
        #expect(url.absoluteString.hasPrefix("\(endpoint.absoluteString)/\(bucket)/out/sepia%20image.png?"))
        let query = URLComponents(url: url, resolvingAgainstBaseURL: false)?.queryItems ?? []
        #expect(query.first { $0.name == "X-Amz-Expires" }?.value == "300")
        #expect(query.first { $0.name == "X-Amz-SignedHeaders" }?.value == "host")
        #expect(query.contains { $0.name == "X-Amz-Signature" })

        let (data, response) = try await URLSession.shared.data(from: url)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        #expect(data == bytes)

        await #expect(throws: S3Client.PresignError.self) {
            _ = try await s3.presignedGetURL(bucket: bucket, key: "k", expires: .seconds(8 * 24 * 3600))
        }
    }
}
