import Foundation

/// Where requests for one service go, and how S3 addresses buckets there.
public struct Endpoint: Sendable, Equatable {
    public var url: URL
    /// Whether S3 buckets go in the path (`host/bucket/key`) instead of the host name.
    public var s3PathStyle: Bool
    /// Where the URL came from, for diagnostics ("AWS_ENDPOINT_URL_SQS", "standard").
    public var source: String

    public init(url: URL, s3PathStyle: Bool, source: String) {
        self.url = url
        self.s3PathStyle = s3PathStyle
        self.source = source
    }
}

/// A configured endpoint URL that is not an absolute http(s) URL.
public struct EndpointError: Error, Sendable, Equatable, CustomStringConvertible {
    public var source: String
    public var value: String
    public var description: String {
        "invalid endpoint URL \(value.debugDescription) from \(source): expected an absolute http:// or https:// URL such as http://127.0.0.1:5000"
    }
}

/// Resolves service endpoints with the SDKs' precedence.
///
/// Order: explicit URL (e.g. `--endpoint-url`), `AWS_ENDPOINT_URL_<SERVICE>`, `AWS_ENDPOINT_URL`,
/// profile `endpoint_url`, then the standard regional host. `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`
/// disables the environment and profile settings but never the explicit one.
public struct EndpointResolver: Sendable, Equatable {
    public var explicitURL: String?
    public var environment: [String: String]
    public var profileEndpointURL: String?

    public init(explicitURL: String? = nil, environment: [String: String] = [:], profileEndpointURL: String? = nil) {
        self.explicitURL = explicitURL
        self.environment = environment
        self.profileEndpointURL = profileEndpointURL
    }

    public func resolve(service: AWSService, region: String) throws -> Endpoint {
        if let explicitURL, !explicitURL.isEmpty {
            return try custom(explicitURL, source: "explicit endpoint URL")
        }
        let ignore = environment["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"]?.lowercased() == "true"
        if !ignore {
            let specific = service.endpointEnvironmentVariable
            if let value = environment[specific], !value.isEmpty {
                return try custom(value, source: specific)
            }
            if let value = environment["AWS_ENDPOINT_URL"], !value.isEmpty {
                return try custom(value, source: "AWS_ENDPOINT_URL")
            }
            if let value = profileEndpointURL, !value.isEmpty {
                return try custom(value, source: "profile endpoint_url")
            }
        }
        let host = Self.standardHost(service: service, region: region)
        guard let url = URL(string: "https://\(host)") else {
            throw EndpointError(source: "region", value: region)
        }
        return Endpoint(url: url, s3PathStyle: false, source: "standard")
    }

    /// `<prefix>.<region>.amazonaws.com`, or `.amazonaws.com.cn` in the China partition.
    public static func standardHost(service: AWSService, region: String) -> String {
        let suffix = region.hasPrefix("cn-") ? "amazonaws.com.cn" : "amazonaws.com"
        return "\(service.endpointPrefix).\(region).\(suffix)"
    }

    func custom(_ value: String, source: String) throws -> Endpoint {
        guard let url = URL(string: value), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            url.host != nil
        else {
            throw EndpointError(source: source, value: value)
        }
        // Custom endpoints (moto, LocalStack, MinIO) rarely resolve bucket subdomains.
        return Endpoint(url: url, s3PathStyle: true, source: source)
    }
}
