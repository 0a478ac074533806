import Foundation

/// One service call before endpoint resolution and signing.
public struct AWSRequest: Sendable, Equatable {
    public var method: String
    /// Percent-encoded path relative to the endpoint's own path ("/", "/bucket/my%20key").
    public var path: String
    /// Decoded query parameters, in order.
    public var query: [QueryItem]
    public var headers: [HTTPHeader]
    public var body: Data
    /// Stream the body from this file instead of `body` (S3 uploads).
    public var bodyFile: URL?
    /// Stream a 2xx response body into this file (S3 downloads).
    public var downloadDestination: URL?
    /// Prepended to the endpoint host (S3 virtual-hosted buckets: "bucket.").
    public var hostPrefix: String?
    /// Per-attempt transport timeout; `nil` keeps the transport's default. Long polls need more than the default.
    public var timeout: Duration?

    public init(
        method: String, path: String = "/", query: [QueryItem] = [], headers: [HTTPHeader] = [], body: Data = Data(),
        bodyFile: URL? = nil, downloadDestination: URL? = nil, hostPrefix: String? = nil, timeout: Duration? = nil
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.bodyFile = bodyFile
        self.downloadDestination = downloadDestination
        self.hostPrefix = hostPrefix
        self.timeout = timeout
    }
}

/// A configured endpoint or request could not be turned into a URL.
public struct RequestBuildError: Error, Sendable, Equatable, CustomStringConvertible {
    public var detail: String
    public var description: String { "cannot build AWS request: \(detail)" }
}

/// The generic AWS client: resolves the endpoint, signs every attempt afresh, retries, decodes errors.
public struct AWSClient: Sendable {
    public var credentialProvider: any CredentialProvider
    public var region: String
    public var endpoints: EndpointResolver
    public var transport: any HTTPTransport
    public var retry: RetryPolicy
    /// The clock used for signing; injected so tests pin dates.
    public var now: @Sendable () -> Date
    public var userAgent: String

    public init(
        credentialProvider: any CredentialProvider,
        region: String,
        endpoints: EndpointResolver = EndpointResolver(),
        transport: any HTTPTransport = CurlTransport(),
        retry: RetryPolicy = .standard,
        now: @escaping @Sendable () -> Date = { Date() },
        userAgent: String = "imagery-iac/0.1"
    ) {
        self.credentialProvider = credentialProvider
        self.region = region
        self.endpoints = endpoints
        self.transport = transport
        self.retry = retry
        self.now = now
        self.userAgent = userAgent
    }

    /// Sends a request with retries; returns the 2xx response or throws `AWSError`, `TransportError`,
    /// `NoCredentialsError`/`CredentialError` or `EndpointError`.
    public func call(service: AWSService, operation: String, request: AWSRequest) async throws -> HTTPResponse {
        let endpoint = try endpoints.resolve(service: service, region: region)
        let url = try Self.url(endpoint: endpoint, request: request)
        var attempt = 1
        while true {
            try Task.checkCancellation()
            do {
                let response = try await attemptOnce(service: service, url: url, request: request)
                if (200..<300).contains(response.status) { return response }
                throw AWSErrorDecoder.decode(response, service: service.name, operation: operation, protocol: service.wireProtocol.errorProtocol)
            } catch {
                guard attempt < retry.maxAttempts, RetryPolicy.isRetryable(error) else { throw error }
                try await retry.sleep(retry.delay(beforeRetry: attempt))
                attempt += 1
            }
        }
    }

    func attemptOnce(service: AWSService, url: URL, request: AWSRequest) async throws -> HTTPResponse {
        let credentials = try await credentialProvider.credentials()
        let signed = Self.sign(
            service: service, region: region, credentials: credentials, url: url, request: request,
            userAgent: userAgent, date: now())
        if let file = request.bodyFile {
            return try await transport.upload(signed, fromFile: file)
        }
        if let destination = request.downloadDestination {
            return try await transport.download(signed, to: destination)
        }
        return try await transport.send(signed)
    }

    /// Signs one attempt: pure, so the exact wire request can be checked in tests.
    public static func sign(
        service: AWSService, region: String, credentials: Credentials, url: URL, request: AWSRequest, userAgent: String, date: Date
    ) -> HTTPRequest {
        let components = URLComponents(url: url, resolvingAgainstBaseURL: false)
        let host = hostHeader(url)
        var headers = request.headers.filter { $0.name.lowercased() != "host" }
        headers.insert(HTTPHeader("Host", host), at: 0)
        let options: SigV4Signer.Options = service.isS3 ? .s3 : .standard
        let signer = SigV4Signer(credentials: credentials.signing, region: region, service: service.signingName, options: options)
        let payload: PayloadSigning = request.bodyFile != nil ? .unsigned : .bodyHash
        let signingRequest = SigningRequest(
            method: request.method, path: components?.percentEncodedPath ?? "/", query: request.query,
            headers: headers, body: request.body)
        let result = signer.signHeaders(signingRequest, payload: payload, date: date)
        var finalHeaders = result.request.headers
        finalHeaders.append(HTTPHeader("User-Agent", userAgent))
        return HTTPRequest(method: request.method, url: url, headers: finalHeaders, body: request.body, timeout: request.timeout)
    }

    /// `host` or `host:port` when the port is not the scheme's default, as curl sends it.
    static func hostHeader(_ url: URL) -> String {
        let host = url.host ?? ""
        let bracketed = host.contains(":") ? "[\(host)]" : host
        guard let port = url.port else { return bracketed }
        let defaultPort = url.scheme == "https" ? 443 : 80
        return port == defaultPort ? bracketed : "\(bracketed):\(port)"
    }

    /// Joins the endpoint (which may carry a base path) with the request path and query.
    static func url(endpoint: Endpoint, request: AWSRequest) throws -> URL {
        guard var components = URLComponents(url: endpoint.url, resolvingAgainstBaseURL: false) else {
            throw RequestBuildError(detail: "endpoint \(endpoint.url) is not a URL")
        }
        if let prefix = request.hostPrefix, let host = components.host {
            components.host = prefix + host
        }
        var base = components.percentEncodedPath
        if base.hasSuffix("/") { base.removeLast() }
        let path = request.path.hasPrefix("/") ? request.path : "/" + request.path
        components.percentEncodedPath = base + path
        if request.query.isEmpty {
            components.percentEncodedQuery = nil
        } else {
            components.percentEncodedQuery = request.query
                .map { "\(SigV4Signer.uriEncode($0.name))=\(SigV4Signer.uriEncode($0.value))" }
                .joined(separator: "&")
        }
        guard let url = components.url else {
            throw RequestBuildError(detail: "cannot join \(endpoint.url) with \(request.path)")
        }
        return url
    }
}
