import AWSCore
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

// Only the tests use this transport: TransportTests runs the same loopback suite against it and
// `CurlTransport`, so the two stay interchangeable. It lives here, not in a library, so that nothing
// shipped links FoundationNetworking (on Linux it spins a core while it waits for each response).

/// `HTTPTransport` over Foundation's URLSession (libcurl on Linux).
public struct URLSessionTransport: HTTPTransport {
    let session: URLSession
    public let defaultTimeout: Duration

    /// - Parameter timeout: default per-request timeout when a request names none.
    public init(timeout: Duration = .seconds(60)) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout.timeInterval
        configuration.timeoutIntervalForResource = max(timeout.timeInterval, 3600)
        configuration.httpShouldSetCookies = false
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        // A proxy from the environment must not capture loopback or metadata traffic.
        configuration.connectionProxyDictionary = [:]
        self.session = URLSession(configuration: configuration)
        self.defaultTimeout = timeout
    }

    func urlRequest(_ request: HTTPRequest) -> URLRequest {
        var urlRequest = URLRequest(url: request.url)
        urlRequest.httpMethod = request.method
        // libcurl-backed URLSession counts whole seconds: a sub-second timeout would fire at once.
        urlRequest.timeoutInterval = max(1, (request.timeout ?? defaultTimeout).timeInterval)
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
