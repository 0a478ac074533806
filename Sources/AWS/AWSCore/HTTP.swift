import AWSSigner
import Foundation

/// An HTTP request as the client builds it: absolute URL, ordered headers, in-memory body.
public struct HTTPRequest: Sendable, Equatable {
    public var method: String
    public var url: URL
    public var headers: [HTTPHeader]
    public var body: Data
    /// Per-request timeout; `nil` means the transport's default.
    public var timeout: Duration?

    public init(method: String, url: URL, headers: [HTTPHeader] = [], body: Data = Data(), timeout: Duration? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }

    /// The first value of the header with this name (case-insensitive).
    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name.lowercased() == lower }?.value
    }

    /// Replaces every header with this name by one with the given value.
    public mutating func setHeader(_ name: String, _ value: String) {
        let lower = name.lowercased()
        headers.removeAll { $0.name.lowercased() == lower }
        headers.append(HTTPHeader(name, value))
    }
}

/// An HTTP response: status, headers and the whole body (empty after a download to file).
public struct HTTPResponse: Sendable, Equatable {
    public var status: Int
    public var headers: [HTTPHeader]
    public var body: Data

    public init(status: Int, headers: [HTTPHeader] = [], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of the header with this name (case-insensitive).
    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name.lowercased() == lower }?.value
    }

    /// The body decoded as UTF-8 (lossy), for error text and XML/JSON parsing.
    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// Why a request got no HTTP response at all.
public struct TransportError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        /// Nothing listened, or the host refused the connection.
        case connectionFailed
        /// The connection was closed before a full response arrived.
        case connectionDropped
        /// No answer within the timeout.
        case timedOut
        /// The host name did not resolve.
        case dnsFailure
        /// The request could not even be formed (bad URL, unreadable file).
        case invalidRequest
        /// The HTTP library itself could not be loaded (libcurl missing or too old); nothing was sent.
        case unavailable
        case other
    }

    public var kind: Kind
    public var method: String
    /// Scheme, host, port and path only: query strings may carry presigned credentials.
    public var target: String
    public var detail: String

    public init(kind: Kind, method: String, url: URL, detail: String) {
        self.kind = kind
        self.method = method
        self.target = Self.redactedTarget(url)
        self.detail = detail
    }

    static func redactedTarget(_ url: URL) -> String {
        guard var components = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return "<url>" }
        components.query = nil
        components.user = nil
        components.password = nil
        return components.string ?? "<url>"
    }

    /// Whether the standard retry mode repeats the request at once (see `FailureOutlook`).
    public var isTransient: Bool { FailureOutlook(self) == .retryNow }

    public var description: String {
        "\(method) \(target) failed: \(kind.rawValue) (\(detail))"
    }
}

/// The one way the client reaches the network; tests substitute their own.
public protocol HTTPTransport: Sendable {
    /// Sends a request with an in-memory body and returns the whole response.
    func send(_ request: HTTPRequest) async throws -> HTTPResponse
    /// Sends a request whose body is streamed from a file (the request's own body is ignored).
    func upload(_ request: HTTPRequest, fromFile file: URL) async throws -> HTTPResponse
    /// Sends a request and streams a 2xx response body into `destination`; other bodies come back in memory.
    func download(_ request: HTTPRequest, to destination: URL) async throws -> HTTPResponse
}

extension HTTPTransport {
    /// Default: read the file into memory; real transports stream.
    public func upload(_ request: HTTPRequest, fromFile file: URL) async throws -> HTTPResponse {
        var copy = request
        do {
            copy.body = try Data(contentsOf: file)
        } catch {
            throw TransportError(kind: .invalidRequest, method: request.method, url: request.url, detail: "cannot read \(file.path): \(error.localizedDescription)")
        }
        return try await send(copy)
    }

    /// Default: buffer in memory, then write the file.
    public func download(_ request: HTTPRequest, to destination: URL) async throws -> HTTPResponse {
        var response = try await send(request)
        if (200..<300).contains(response.status) {
            do {
                try response.body.write(to: destination, options: .atomic)
            } catch {
                throw TransportError(kind: .invalidRequest, method: request.method, url: request.url, detail: "cannot write \(destination.path): \(error.localizedDescription)")
            }
            response.body = Data()
        }
        return response
    }
}

package extension Duration {
    /// The duration in seconds, as Foundation's APIs take it.
    var timeInterval: TimeInterval {
        let c = components
        return TimeInterval(c.seconds) + TimeInterval(c.attoseconds) / 1e18
    }
}
