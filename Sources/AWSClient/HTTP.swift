import AWSSigner
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

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

    /// Whether a retry could plausibly succeed.
    public var isTransient: Bool { kind != .invalidRequest && kind != .dnsFailure }

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

/// `HTTPTransport` over Foundation's URLSession (libcurl on Linux).
public struct URLSessionTransport: HTTPTransport {
    let session: URLSession
    public let defaultTimeout: Duration

    /// - Parameter timeout: default per-request timeout when a request names none.
    public init(timeout: Duration = .seconds(60)) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = Self.seconds(timeout)
        configuration.timeoutIntervalForResource = max(Self.seconds(timeout), 3600)
        configuration.httpShouldSetCookies = false
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        // A proxy from the environment must not capture loopback or metadata traffic.
        configuration.connectionProxyDictionary = [:]
        self.session = URLSession(configuration: configuration)
        self.defaultTimeout = timeout
    }

    static func seconds(_ d: Duration) -> TimeInterval {
        let c = d.components
        return TimeInterval(c.seconds) + TimeInterval(c.attoseconds) / 1e18
    }

    func urlRequest(_ request: HTTPRequest) -> URLRequest {
        var urlRequest = URLRequest(url: request.url)
        urlRequest.httpMethod = request.method
        // libcurl-backed URLSession counts whole seconds: a sub-second timeout would fire at once.
        urlRequest.timeoutInterval = max(1, Self.seconds(request.timeout ?? defaultTimeout))
        for header in request.headers where header.name.lowercased() != "host" {
            urlRequest.addValue(header.value, forHTTPHeaderField: header.name)
        }
        return urlRequest
    }

    func response(_ data: Data, _ urlResponse: URLResponse, _ request: HTTPRequest) throws -> HTTPResponse {
        guard let http = urlResponse as? HTTPURLResponse else {
            throw TransportError(kind: .other, method: request.method, url: request.url, detail: "not an HTTP response")
        }
        var headers: [HTTPHeader] = []
        for (key, value) in http.allHeaderFields {
            headers.append(HTTPHeader(String(describing: key), String(describing: value)))
        }
        headers.sort { $0.name.lowercased() < $1.name.lowercased() }
        return HTTPResponse(status: http.statusCode, headers: headers, body: data)
    }

    func mapError(_ error: any Error, _ request: HTTPRequest) -> any Error {
        if error is TransportError || error is CancellationError { return error }
        let nsError = error as NSError
        let kind: TransportError.Kind
        if nsError.domain == NSURLErrorDomain {
            switch nsError.code {
            case NSURLErrorTimedOut: kind = .timedOut
            case NSURLErrorCannotConnectToHost, NSURLErrorNotConnectedToInternet: kind = .connectionFailed
            case NSURLErrorNetworkConnectionLost, NSURLErrorBadServerResponse, NSURLErrorZeroByteResource: kind = .connectionDropped
            case NSURLErrorCannotFindHost, NSURLErrorDNSLookupFailed: kind = .dnsFailure
            case NSURLErrorBadURL, NSURLErrorUnsupportedURL, NSURLErrorFileDoesNotExist: kind = .invalidRequest
            case NSURLErrorCancelled: return CancellationError()
            default: kind = .other
            }
        } else {
            kind = .other
        }
        return TransportError(kind: kind, method: request.method, url: request.url, detail: "\(nsError.domain) \(nsError.code): \(nsError.localizedDescription)")
    }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        var urlRequest = urlRequest(request)
        if !request.body.isEmpty || ["POST", "PUT", "PATCH"].contains(request.method) {
            urlRequest.httpBody = request.body
        }
        do {
            let (data, urlResponse) = try await session.data(for: urlRequest)
            return try response(data, urlResponse, request)
        } catch {
            throw mapError(error, request)
        }
    }

    public func upload(_ request: HTTPRequest, fromFile file: URL) async throws -> HTTPResponse {
        do {
            let (data, urlResponse) = try await session.upload(for: urlRequest(request), fromFile: file)
            return try response(data, urlResponse, request)
        } catch {
            throw mapError(error, request)
        }
    }

    public func download(_ request: HTTPRequest, to destination: URL) async throws -> HTTPResponse {
        do {
            let (temporary, urlResponse) = try await session.download(for: urlRequest(request))
            var result = try response(Data(), urlResponse, request)
            if (200..<300).contains(result.status) {
                let fm = FileManager.default
                if fm.fileExists(atPath: destination.path) { try fm.removeItem(at: destination) }
                try fm.moveItem(at: temporary, to: destination)
            } else {
                // Error bodies are small and needed for decoding.
                result.body = (try? Data(contentsOf: temporary)) ?? Data()
                try? FileManager.default.removeItem(at: temporary)
            }
            return result
        } catch {
            throw mapError(error, request)
        }
    }
}
