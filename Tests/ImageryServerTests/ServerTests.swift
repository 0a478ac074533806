import AWSCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ImageryCore
import ImageryServer
import ImageryTestSupport
import NIOCore
import Testing
import TestSupport

/// One stack per test, the server built exactly as in production but pointed at moto.
struct Fixture {
    let stack: ImageryLocalStack
    let app: Application<RouterResponder<ImageryRequestContext>>

    init(maxUploadBytes: Int = 25 * 1024 * 1024) async throws {
        stack = try await ImageryLocalStack.deploy(
            on: try SharedMoto.get(), server: .init(maxUploadBytes: maxUploadBytes))
        let router = buildRouter(aws: stack.aws, configuration: stack.configuration, publicDirectory: PublicDirectory.repository)
        app = Application(router: router)
    }

    var repository: ImageRepository { ImageRepository(dynamoDB: stack.aws.dynamoDB, table: stack.configuration.table) }

    /// Messages on the work queue right now (received and left to reappear later).
    func queuedMessages() async throws -> [SQSClient.Message] {
        try await stack.aws.sqs.receiveMessages(queueURL: stack.configuration.queueURL, maxMessages: 10, waitTimeSeconds: 0, visibilityTimeout: 30)
    }
}

func json(_ response: TestResponse) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(with: Data(buffer: response.body))
    return try #require(object as? [String: Any])
}

func errorCode(_ response: TestResponse) throws -> String? {
    (try json(response)["error"] as? [String: Any])?["code"] as? String
}

let pngInput: Data = {
    (try? Data(contentsOf: Fixtures.url("sepia/input-64x48.png"))) ?? Data()
}()

func uploadHeaders(_ body: MultipartBody, json: Bool = true) -> HTTPFields {
    var headers: HTTPFields = [.contentType: body.contentType]
    if json { headers[.accept] = "application/json" }
    return headers
}

@Suite("Server API against moto")
struct ServerTests {
    @Test("GET /health answers without touching AWS")
    func health() async throws {
        let router = buildRouter(
            aws: ImageryAWS(configuration: .init(queueURL: "q", bucket: "b", table: "t", region: "us-east-1", environment: ["AWS_ENDPOINT_URL": "http://127.0.0.1:\(try closedLoopbackPort())"])),
            configuration: .init(queueURL: "q", bucket: "b", table: "t", region: "us-east-1"), publicDirectory: PublicDirectory.repository)
        try await Application(router: router).test(.router) { client in
            let response = try await client.execute(uri: "/health", method: .get)
            #expect(response.status == .ok)
            #expect(try json(response)["status"] as? String == "ok")
        }
    }

    @Test("the page and its assets are served from the public directory, with no external URLs")
    func page() async throws {
        let fixture = try await Fixture()
        try await fixture.app.test(.router) { client in
            let index = try await client.execute(uri: "/", method: .get)
            #expect(index.status == .ok)
            let html = String(buffer: index.body)
            #expect(html.contains("<title>Imagery</title>"))
            #expect(html.contains("name=\"viewport\""))
            for asset in ["/app.js", "/style.css"] {
                let response = try await client.execute(uri: asset, method: .get)
                #expect(response.status == .ok, "\(asset)")
                #expect(!String(buffer: response.body).contains("http://") && !String(buffer: response.body).contains("https://"))
            }
            #expect(!html.contains("http://") && !html.contains("https://"))
        }
    }

    @Test("create → upload (real multipart) → state, in-process and over a live socket", arguments: [TestingSetup.router, .live])
    func createUploadShow(setup: TestingSetup) async throws {
        let fixture = try await Fixture()
        try await fixture.app.test(setup) { client in
            let created = try await client.execute(uri: "/image", method: .post)
            #expect(created.status == .created)
            let id = try #require(try json(created)["id"] as? String)
            #expect(ImageID.normalize(id) == id)
            #expect(try json(created)["state"] as? String == "created")

            let shown = try await client.execute(uri: "/image/\(id)", method: .get)
            #expect(shown.status == .ok)
            #expect(try json(shown)["version"] as? Int == 0)
            #expect(try json(shown)["state"] as? String == "created")

            let body = MultipartBody.file(pngInput, fileName: "photo.jpg", contentType: "image/jpeg")
            let uploaded = try await client.execute(
                uri: "/image/\(id)/upload", method: .post, headers: uploadHeaders(body), body: ByteBuffer(data: body.data))
            #expect(uploaded.status == .ok)
            let image = try json(uploaded)
            #expect(image["state"] as? String == "uploaded")
            #expect(image["version"] as? Int == 1)
            #expect(image["rawS3Key"] as? String == "upload/\(id)")

            // Stored under upload/ as a PNG (by its bytes, whatever the name and part type claimed).
            let object = try await fixture.stack.aws.s3.getObject(bucket: fixture.stack.configuration.bucket, key: "upload/\(id)")
            #expect(object.data == pngInput)
            #expect(object.metadata.contentType == "image/png")
            let messages = try await fixture.queuedMessages()
            #expect(messages.map(\.body) == [ProcessingMessage(imageId: id).encoded()])

            // A second upload before processing replaces the first (created|uploaded → uploaded).
            let again = try await client.execute(
                uri: "/image/\(id)/upload", method: .post, headers: uploadHeaders(body), body: ByteBuffer(data: body.data))
            #expect(again.status == .ok)
            #expect(try json(again)["version"] as? Int == 2)
        }
    }

    @Test("a browser form post is redirected to the page view")
    func browserRedirect() async throws {
        let fixture = try await Fixture()
        let id = try await fixture.repository.create().id
        try await fixture.app.test(.router) { client in
            let body = MultipartBody.file(pngInput)
            var headers = uploadHeaders(body, json: false)
            headers[.accept] = "text/html,application/xhtml+xml,*/*;q=0.8"
            let response = try await client.execute(uri: "/image/\(id)/upload", method: .post, headers: headers, body: ByteBuffer(data: body.data))
            #expect(response.status == .seeOther)
            #expect(response.headers[.location] == "/#view=\(id)")
        }
    }

    @Test("an id that is not a UUID is 400 on every route")
    func invalidID() async throws {
        let fixture = try await Fixture()
        try await fixture.app.test(.router) { client in
            for (uri, method) in [("/image/nope", HTTPRequest.Method.get), ("/image/nope/upload", .post), ("/image/1234/processed.png", .get)] {
                let body = MultipartBody.file(pngInput)
                let response = try await client.execute(uri: uri, method: method, headers: uploadHeaders(body), body: ByteBuffer(data: body.data))
                #expect(response.status == .badRequest, "\(uri)")
                #expect(try errorCode(response) == "invalid_id")
            }
        }
    }

    @Test("an unknown id is 404, and the upload stores nothing")
    func unknownID() async throws {
        let fixture = try await Fixture()
        let id = ImageID.make()
        try await fixture.app.test(.router) { client in
            #expect(try await client.execute(uri: "/image/\(id)", method: .get).status == .notFound)
            let body = MultipartBody.file(pngInput)
            let response = try await client.execute(uri: "/image/\(id)/upload", method: .post, headers: uploadHeaders(body), body: ByteBuffer(data: body.data))
            #expect(response.status == .notFound)
            #expect(try errorCode(response) == "not_found")
        }
        #expect(try await fixture.stack.aws.s3.headObject(bucket: fixture.stack.configuration.bucket, key: "upload/\(id)") == nil)
        #expect(try await fixture.queuedMessages().isEmpty)
    }

    @Test("uploading to a processed or failed image is 409 and changes nothing", arguments: [ImageState.processed, .failed])
    func conflict(state: ImageState) async throws {
        let fixture = try await Fixture()
        let id = try await fixture.repository.create().id
        if state == .processed {
            try await fixture.repository.apply(.upload(rawS3Key: "upload/\(id)"), to: id)
            try await fixture.repository.apply(.process(processedS3Key: "processed/\(id).png"), to: id)
        } else {
            try await fixture.repository.apply(.fail(reason: "bad"), to: id)
        }
        let before = try await fixture.repository.get(id: id)
        try await fixture.app.test(.router) { client in
            let body = MultipartBody.file(pngInput)
            let response = try await client.execute(uri: "/image/\(id)/upload", method: .post, headers: uploadHeaders(body), body: ByteBuffer(data: body.data))
            #expect(response.status == .conflict)
            #expect(try errorCode(response) == "invalid_state")
        }
        #expect(try await fixture.repository.get(id: id) == before)
        #expect(try await fixture.queuedMessages().isEmpty)
    }

    /// Asserts that a refused upload left the image as created, no object and no message.
    func expectNothingStored(_ fixture: Fixture, _ id: String) async throws {
        let record = try await fixture.repository.get(id: id)
        #expect(record?.state == .created)
        #expect(record?.version == 0)
        #expect(try await fixture.stack.aws.s3.headObject(bucket: fixture.stack.configuration.bucket, key: "upload/\(id)") == nil)
        #expect(try await fixture.queuedMessages().isEmpty)
    }

    @Test("a body over the limit is 413 and nothing is stored", arguments: [TestingSetup.router, .live])
    func tooLarge(setup: TestingSetup) async throws {
        let fixture = try await Fixture(maxUploadBytes: 4096)
        let id = try await fixture.repository.create().id
        try await fixture.app.test(setup) { client in
            var big = pngInput
            big.append(Data(repeating: 0, count: 2_000_000))
            let body = MultipartBody.file(big)
            let response = try await client.execute(uri: "/image/\(id)/upload", method: .post, headers: uploadHeaders(body), body: ByteBuffer(data: body.data))
            #expect(response.status == .contentTooLarge)
            #expect(try errorCode(response) == "too_large")

            // Without a Content-Length the limit is enforced while streaming.
            var headers = uploadHeaders(body)
            headers[.transferEncoding] = "chunked"
            let streamed = try await client.execute(uri: "/image/\(id)/upload", method: .post, headers: headers, body: ByteBuffer(data: body.data))
            #expect(streamed.status == .contentTooLarge)
        }
        try await expectNothingStored(fixture, id)
    }

    @Test("content that is not JPEG or PNG by its bytes is 415, whatever its name and type say", arguments: [TestingSetup.router, .live])
    func notAnImage(setup: TestingSetup) async throws {
        let fixture = try await Fixture()
        let id = try await fixture.repository.create().id
        try await fixture.app.test(setup) { client in
            // Data(): an empty file is not an image either (it used to be a 400 claiming the form had no 'file' field).
            for data in [Data("GIF89a not allowed".utf8), Data("<svg/>".utf8), Data([0xFF, 0xD8]), Data(), Data("GIF89a".utf8) + Data(repeating: 7, count: 3_000_000)] {
                let body = MultipartBody.file(data, fileName: "cat.png", contentType: "image/png")
                let response = try await client.execute(uri: "/image/\(id)/upload", method: .post, headers: uploadHeaders(body), body: ByteBuffer(data: body.data))
                #expect(response.status == .unsupportedMediaType)
                #expect(try errorCode(response) == "unsupported_media_type")
            }
        }
        try await expectNothingStored(fixture, id)
    }

    @Test("a malformed multipart body is 400 and nothing is stored")
    func malformed() async throws {
        let fixture = try await Fixture()
        let id = try await fixture.repository.create().id
        let good = MultipartBody.file(pngInput)
        var otherField = MultipartBody()
        otherField.add(name: "picture", fileName: "a.png", data: pngInput)
        let truncated = good.data.prefix(good.data.count - 40)
        let badHeader = Data("--\(good.boundary)\r\nContent Disposition: form-data\r\n\r\nxx\r\n--\(good.boundary)--\r\n".utf8)
        let cases: [(String, HTTPFields, Data)] = [
            ("not multipart", [.contentType: "application/json", .accept: "application/json"], Data("{}".utf8)),
            ("no boundary", [.contentType: "multipart/form-data", .accept: "application/json"], good.data),
            ("no Content-Type", [.accept: "application/json"], good.data),
            ("no file field", uploadHeaders(otherField), otherField.data),
            ("truncated", uploadHeaders(good), truncated),
            ("bad part header", uploadHeaders(good), badHeader),
            ("empty body", uploadHeaders(good), Data()),
        ]
        try await fixture.app.test(.router) { client in
            for (name, headers, data) in cases {
                let response = try await client.execute(uri: "/image/\(id)/upload", method: .post, headers: headers, body: ByteBuffer(data: data))
                #expect(response.status == .badRequest, "\(name)")
                #expect(try errorCode(response) == "malformed_multipart", "\(name)")
            }
        }
        try await expectNothingStored(fixture, id)
    }

    @Test("AWS unreachable is 503 with Retry-After and a JSON body, never a crash")
    func unavailable() async throws {
        let port = try closedLoopbackPort()
        let configuration = ImageryConfiguration(
            queueURL: "https://sqs.us-east-1.amazonaws.com/123456789012/q", bucket: "b", table: "t", region: "us-east-1",
            environment: ["AWS_ENDPOINT_URL": "http://127.0.0.1:\(port)", "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                          "AWS_MAX_ATTEMPTS": "1", "AWS_EC2_METADATA_DISABLED": "true"])
        let router = buildRouter(aws: ImageryAWS(configuration: configuration, timeout: .seconds(5)), configuration: configuration, publicDirectory: PublicDirectory.repository)
        try await Application(router: router).test(.router) { client in
            let body = MultipartBody.file(pngInput)
            for (uri, method) in [("/image", HTTPRequest.Method.post), ("/image/\(ImageID.make())", .get), ("/image/\(ImageID.make())/upload", .post),
                                  ("/image/\(ImageID.make())/processed.png", .get)] {
                let response = try await client.execute(uri: uri, method: method, headers: uploadHeaders(body), body: ByteBuffer(data: body.data))
                #expect(response.status == .serviceUnavailable, "\(method) \(uri)")
                #expect(response.headers[.retryAfter] == "5")
                #expect(try errorCode(response) == "service_unavailable")
            }
            #expect(try await client.execute(uri: "/health", method: .get).status == .ok)
        }
    }

    @Test("processedImage is a server route that streams the PNG from the private bucket")
    func processedImage() async throws {
        let fixture = try await Fixture()
        let id = try await fixture.repository.create().id
        try await fixture.app.test(.router) { client in
            let early = try await client.execute(uri: "/image/\(id)/processed.png", method: .get)
            #expect(early.status == .notFound)
            #expect(try errorCode(early) == "not_processed")

            let png = Data([0x89, 0x50, 0x4E, 0x47]) + Data((0..<200_000).map { UInt8($0 % 251) })
            _ = try await fixture.stack.aws.s3.putObject(bucket: fixture.stack.configuration.bucket, key: "processed/\(id).png", data: png, contentType: "image/png")
            try await fixture.repository.apply(.upload(rawS3Key: "upload/\(id)"), to: id)
            try await fixture.repository.apply(.process(processedS3Key: "processed/\(id).png"), to: id)

            let shown = try json(try await client.execute(uri: "/image/\(id)", method: .get))
            #expect(shown["processedImage"] as? String == "/image/\(id)/processed.png")
            #expect(shown["processedS3Key"] as? String == "processed/\(id).png")
            let image = try await client.execute(uri: "/image/\(id)/processed.png", method: .get)
            #expect(image.status == .ok)
            #expect(image.headers[.contentType] == "image/png")
            #expect(Data(buffer: image.body) == png)
        }
    }
}

@Suite("Multipart receiver (no network)")
struct MultipartReceiverTests {
    func receive(_ data: Data, boundary: String, chunk: Int, max: Int = 1 << 20) async throws -> (MultipartFileReceiver.Received, Data) {
        let destination = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("mp-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: destination) }
        let chunks = stride(from: 0, to: data.count, by: chunk).map { ByteBuffer(data: data[$0..<min($0 + chunk, data.count)]) }
        let stream = AsyncStream<ByteBuffer> { continuation in
            for buffer in chunks { continuation.yield(buffer) }
            continuation.finish()
        }
        let received = try await MultipartFileReceiver(maxBodyBytes: max).receive(stream, boundary: boundary, to: destination)
        return (received, try Data(contentsOf: destination))
    }

    @Test("the file part arrives intact whatever the chunking, beside other fields", arguments: [1, 7, 64, 100_000])
    func chunking(chunk: Int) async throws {
        var body = MultipartBody()
        body.add(name: "note", data: Data("hello\r\n--not-the-boundary".utf8))
        // Bytes that look like the start of a boundary must survive inside the file.
        let file = pngInput + Data("\r\n--\(body.boundary.prefix(10))".utf8) + Data([0x0D, 0x0A, 0x2D])
        body.add(name: "file", fileName: "x.png", contentType: "image/png", data: file)
        let (received, stored) = try await receive(body.data, boundary: body.boundary, chunk: chunk)
        #expect(received.format == .png)
        #expect(received.byteCount == file.count)
        #expect(received.fileName == "x.png")
        #expect(stored == file)
    }

    @Test("boundary parsing from Content-Type")
    func boundary() throws {
        #expect(try MultipartFileReceiver.boundary(contentType: "multipart/form-data; boundary=abc") == "abc")
        #expect(try MultipartFileReceiver.boundary(contentType: "Multipart/Form-Data; charset=utf-8; boundary=\"a b\"") == "a b")
        for bad in [nil, "text/plain", "multipart/form-data", "multipart/form-data; boundary=", "multipart/form-data; boundary=" + String(repeating: "x", count: 71)] {
            #expect(throws: APIError.self) { try MultipartFileReceiver.boundary(contentType: bad) }
        }
    }
}
