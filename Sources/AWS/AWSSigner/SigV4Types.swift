import Foundation

/// The key material SigV4 signs with.
///
/// `description` and `debugDescription` redact the secret and the session token so that
/// interpolating a value into a log line or an error never leaks them.
public struct SigningCredentials: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    public var description: String {
        "SigningCredentials(accessKeyID: \(accessKeyID), secretAccessKey: <redacted>, sessionToken: \(sessionToken == nil ? "nil" : "<redacted>"))"
    }

    public var debugDescription: String { description }
}

/// One HTTP header; kept as an ordered list element because duplicates are legal and signed in order.
public struct HTTPHeader: Sendable, Equatable, Hashable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// One query parameter, unencoded; the signer does the encoding.
public struct QueryItem: Sendable, Equatable, Hashable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// The parts of an HTTP request that SigV4 covers.
///
/// `path` is the path as it goes on the wire. In the default double-encoding mode the signer
/// encodes it once more; in S3's single-encoding mode the signer percent-decodes and re-encodes
/// it once, so both a raw key (`/b/my key`) and an encoded one (`/b/my%20key`) sign the same.
/// `query` holds decoded names and values.
public struct SigningRequest: Sendable, Equatable {
    public var method: String
    public var path: String
    public var query: [QueryItem]
    public var headers: [HTTPHeader]
    public var body: Data

    public init(method: String, path: String, query: [QueryItem] = [], headers: [HTTPHeader] = [], body: Data = Data()) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    /// The values of every header with this name (case-insensitive), in request order.
    public func headerValues(_ name: String) -> [String] {
        let lower = name.lowercased()
        return headers.filter { $0.name.lowercased() == lower }.map(\.value)
    }

    /// The first value of the header with this name (case-insensitive).
    public func header(_ name: String) -> String? { headerValues(name).first }
}

/// What goes in the last line of the canonical request.
public enum PayloadSigning: Sendable, Equatable {
    /// Hex SHA-256 of the request body bytes.
    case bodyHash
    /// The literal `UNSIGNED-PAYLOAD` (S3 uploads over TLS, presigned URLs).
    case unsigned
    /// A hash computed elsewhere, e.g. while streaming a file from disk.
    case precomputed(String)
}

/// Everything one signing produced: the signed request and the intermediate strings tests pin.
public struct SigningResult: Sendable, Equatable {
    /// The request with the signing headers or query parameters added.
    public var request: SigningRequest
    public var canonicalRequest: String
    public var stringToSign: String
    public var signature: String
    /// Headers appended to the request, in the order they were appended (header signing).
    public var addedHeaders: [HTTPHeader]
    /// Query items appended to the request, in the order they were appended (query signing).
    public var addedQuery: [QueryItem]
}
