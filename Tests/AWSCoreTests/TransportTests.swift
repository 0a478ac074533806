@testable import AWSCore
import Foundation
import Testing
import TestSupport

/// The HTTP transports themselves, on a loopback server: the libcurl one the project uses and the
/// URLSession one it replaced must behave the same.
@Suite("HTTP transports")
struct TransportTests {
    enum Kind: String, CaseIterable, CustomTestStringConvertible {
        case curl, urlSession
        var testDescription: String { rawValue }

        func make(timeout: Duration = .seconds(5)) -> any HTTPTransport {
            switch self {
            case .curl: CurlTransport(timeout: timeout)
            case .urlSession: URLSessionTransport(timeout: timeout)
            }
        }
    }

    func url(_ server: LoopbackServer, _ path: String) throws -> URL {
        try #require(URL(string: server.baseURL + path))
    }

    @Test("methods, headers and bodies arrive as sent; status, headers and body come back", arguments: Kind.allCases)
    func roundTrip(kind: Kind) async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        server.script("POST", "/form", [.respond(status: 200, headers: [("X-Amzn-RequestId", "r-1"), ("Content-Type", "text/xml")], body: "<ok/>")])
        server.script("PUT", "/object", [.respond(status: 200, headers: [("ETag", "\"abc\"")])])
        server.script("GET", "/object", [.respond(status: 404, body: "<Error><Code>NoSuchKey</Code></Error>")])
        server.script("HEAD", "/object", [.respond(status: 200, headers: [("Content-Length", "42")])])
        server.script("DELETE", "/object", [.respond(status: 204)])
        // Generous: the suite runs many loopback servers at once on 2 cores.
        let transport = kind.make(timeout: .seconds(30))

        let body = Data("Action=DescribeStacks&Version=2010-05-15".utf8)
        let posted = try await transport.send(HTTPRequest(
            method: "POST", url: try url(server, "/form"),
            headers: [HTTPHeader("Content-Type", "application/x-www-form-urlencoded"), HTTPHeader("X-Amz-Date", "20240501T100000Z")],
            body: body))
        #expect(posted.status == 200)
        #expect(posted.header("x-amzn-requestid") == "r-1")
        #expect(posted.bodyText == "<ok/>")
        let sent = try #require(server.requests(path: "/form").first)
        #expect(sent.body == body)
        #expect(sent.headers["content-type"] == "application/x-www-form-urlencoded")
        #expect(sent.headers["x-amz-date"] == "20240501T100000Z")
        #expect(sent.headers["expect"] == nil)

        // A binary body (every byte value, 64 KiB), without a content type of its own.
        let bytes = Data((0..<(64 << 10)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let put = try await transport.send(HTTPRequest(method: "PUT", url: try url(server, "/object"), body: bytes))
        #expect(put.status == 200 && put.header("etag") == "\"abc\"")
        let stored = try #require(server.requests(path: "/object").first)
        #expect(stored.body == bytes)
        #expect(stored.headers["content-type"] == nil || kind == .urlSession)

        let missing = try await transport.send(HTTPRequest(method: "GET", url: try url(server, "/object")))
        #expect(missing.status == 404 && missing.bodyText.contains("NoSuchKey"))
        let head = try await transport.send(HTTPRequest(method: "HEAD", url: try url(server, "/object")))
        #expect(head.status == 200 && head.body.isEmpty)
        let deleted = try await transport.send(HTTPRequest(method: "DELETE", url: try url(server, "/object")))
        #expect(deleted.status == 204)
        #expect(server.requests().map(\.method) == ["POST", "PUT", "GET", "HEAD", "DELETE"])
    }

    @Test("no answer within the request's timeout is a timedOut transport error", arguments: Kind.allCases)
    func timeout(kind: Kind) async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        server.script("GET", "/slow", [.delay(seconds: 4, status: 200, body: "late")])
        let request = HTTPRequest(method: "GET", url: try url(server, "/slow"), timeout: .seconds(1))
        let error = await #expect(throws: TransportError.self) { try await kind.make().send(request) }
        #expect(error?.kind == .timedOut, "\(String(describing: error))")
    }

    @Test("a dropped connection and a refused one are told apart", arguments: Kind.allCases)
    func droppedAndRefused(kind: Kind) async throws {
        let server = try LoopbackServer()
        server.script("GET", "/drop", [.close])
        let transport = kind.make()
        let dropped = await #expect(throws: TransportError.self) {
            try await transport.send(HTTPRequest(method: "GET", url: try url(server, "/drop")))
        }
        #expect(dropped?.kind == .connectionDropped, "\(String(describing: dropped))")
        let port = server.port
        server.stop()
        let refusedURL = try #require(URL(string: "http://127.0.0.1:\(port)/x?X-Amz-Signature=secret"))
        let refused = await #expect(throws: TransportError.self) {
            try await transport.send(HTTPRequest(method: "GET", url: refusedURL))
        }
        #expect(refused?.kind == .connectionFailed, "\(String(describing: refused))")
        #expect(refused?.description.contains("secret") == false)
    }

    /// The test harness itself: a later test's server may get the same port (or the same descriptor
    /// number), so a stopped server must answer nothing more. A CI run once saw a readiness test get an
    /// earlier server's scripted "200 OK": that server's accept loop had gone on to accept on a closed,
    /// reused descriptor. This checks the other half, connections kept alive past `stop`.
    @Test("a stopped loopback server answers nothing more, not even on a kept-alive connection", arguments: [Kind.curl])
    func stoppedServerClosesKeptAliveConnections(kind: Kind) async throws {
        let server = try LoopbackServer()
        server.script("GET", "/x", [.respond(status: 200, body: "old")])
        let transport = kind.make()
        let first = try await transport.send(HTTPRequest(method: "GET", url: try url(server, "/x")))
        #expect(first.bodyText == "old")
        server.stop()
        let error = await #expect(throws: TransportError.self) {
            try await transport.send(HTTPRequest(method: "GET", url: try url(server, "/x")))
        }
        #expect(error?.kind == .connectionFailed, "\(String(describing: error))")
        #expect(server.count("/x") == 1)
    }

    @Test("cancelling the task ends a request that is still waiting", arguments: [Kind.curl])
    func cancellation(kind: Kind) async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        server.script("GET", "/wait", [.delay(seconds: 30, status: 200, body: "late")])
        let transport = kind.make(timeout: .seconds(30))
        let request = HTTPRequest(method: "GET", url: try url(server, "/wait"))
        let task = Task { try await transport.send(request) }
        try await Task.sleep(for: .milliseconds(300))
        let start = ContinuousClock.now
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        // libcurl checks for cancellation at least once a second; the answer would take 30 s (and the
        // transport's own timeout is 30 s too), so ending well before that is the cancellation's doing.
        #expect(ContinuousClock.now - start < .seconds(15))
    }

    @Test("a file streams up; a 2xx body streams into the file, an error body comes back in memory", arguments: Kind.allCases)
    func files(kind: Kind) async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let payload = String(repeating: "sepia-", count: 200_000)
        server.script("PUT", "/up", [.respond(status: 200)])
        server.script("GET", "/down", [.respond(status: 200, body: payload), .respond(status: 403, body: "<Error><Code>AccessDenied</Code></Error>")])
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("transport-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = dir.appendingPathComponent("in.bin")
        try Data(payload.utf8).write(to: source)
        let transport = kind.make()

        let uploaded = try await transport.upload(HTTPRequest(method: "PUT", url: try url(server, "/up")), fromFile: source)
        #expect(uploaded.status == 200)
        #expect(server.requests(path: "/up").first?.body == Data(payload.utf8))

        let destination = dir.appendingPathComponent("out.bin")
        try Data("old".utf8).write(to: destination)
        let downloaded = try await transport.download(HTTPRequest(method: "GET", url: try url(server, "/down")), to: destination)
        #expect(downloaded.status == 200 && downloaded.body.isEmpty)
        #expect(try String(contentsOf: destination, encoding: .utf8) == payload)

        let denied = dir.appendingPathComponent("denied.bin")
        let refused = try await transport.download(HTTPRequest(method: "GET", url: try url(server, "/down")), to: denied)
        #expect(refused.status == 403 && refused.bodyText.contains("AccessDenied"))
        #expect(!FileManager.default.fileExists(atPath: denied.path))
        // Nothing half-written is left beside the destination.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["in.bin", "out.bin"])

        let missing = dir.appendingPathComponent("no-such-file")
        let unreadable = await #expect(throws: TransportError.self) {
            try await transport.upload(HTTPRequest(method: "PUT", url: try url(server, "/up")), fromFile: missing)
        }
        #expect(unreadable?.kind == .invalidRequest)
    }
}
