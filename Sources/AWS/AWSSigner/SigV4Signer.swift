import Crypto
import Foundation

/// AWS Signature Version 4 as a pure value: the same inputs and date always give the same signature.
public struct SigV4Signer: Sendable, Equatable {
    /// Switches for the service-specific variations of the algorithm.
    public struct Options: Sendable, Equatable {
        /// Remove `.`/empty segments and resolve `..` before encoding (every service but S3).
        public var normalizePath: Bool
        /// Encode the wire path once more for the canonical URI (every service but S3).
        public var doubleEncodePath: Bool
        /// Add the token to the request but leave it out of the canonical request (old STS-style).
        public var omitSessionTokenFromSignature: Bool
        /// Add and sign `x-amz-content-sha256` when signing headers (S3 requires it).
        public var addContentSHA256Header: Bool

        public init(
            normalizePath: Bool = true,
            doubleEncodePath: Bool = true,
            omitSessionTokenFromSignature: Bool = false,
            addContentSHA256Header: Bool = false
        ) {
            self.normalizePath = normalizePath
            self.doubleEncodePath = doubleEncodePath
            self.omitSessionTokenFromSignature = omitSessionTokenFromSignature
            self.addContentSHA256Header = addContentSHA256Header
        }

        /// The defaults for every service except S3.
        public static let standard = Options()
        /// S3: no normalisation, single encoding, content hash header.
        public static let s3 = Options(normalizePath: false, doubleEncodePath: false, addContentSHA256Header: true)
    }

    public static let algorithm = "AWS4-HMAC-SHA256"
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"
    public static let emptyBodySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// Headers that proxies and clients rewrite, so signing them would break requests in transit.
    static let unsignableHeaders: Set<String> = ["authorization", "user-agent", "x-amzn-trace-id", "expect", "connection"]

    public var credentials: SigningCredentials
    public var region: String
    public var service: String
    public var options: Options

    public init(credentials: SigningCredentials, region: String, service: String, options: Options = .standard) {
        self.credentials = credentials
        self.region = region
        self.service = service
        self.options = options
    }

    // MARK: Header signing

    /// Signs by adding `X-Amz-Date`, `X-Amz-Security-Token`, optionally `x-amz-content-sha256`, and `Authorization`.
    public func signHeaders(_ request: SigningRequest, payload: PayloadSigning = .bodyHash, date: Date) -> SigningResult {
        let amzDate = Self.amzDate(date)
        let payloadHash = Self.payloadHash(request.body, payload)
        // Drop any signing headers from an earlier attempt so a retry signs cleanly.
        let replaced: Set<String> = ["authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256"]
        var base = request
        base.headers.removeAll { replaced.contains($0.name.lowercased()) }

        var added: [HTTPHeader] = []
        if let token = credentials.sessionToken {
            added.append(HTTPHeader("X-Amz-Security-Token", token))
        }
        added.append(HTTPHeader("X-Amz-Date", amzDate))
        if options.addContentSHA256Header {
            added.append(HTTPHeader("x-amz-content-sha256", payloadHash))
        }

        var toSign = base.headers + added
        if options.omitSessionTokenFromSignature {
            toSign.removeAll { $0.name.lowercased() == "x-amz-security-token" }
        }
        let (canonicalHeaders, signedHeaders) = Self.canonicalHeaders(toSign)
        let canonical = [
            request.method.uppercased(),
            canonicalURI(request.path),
            Self.canonicalQuery(base.query),
            canonicalHeaders,
            signedHeaders,
            payloadHash,
        ].joined(separator: "\n")
        let scope = credentialScope(date)
        let sts = Self.stringToSign(amzDate: amzDate, scope: scope, canonicalRequest: canonical)
        let signature = sign(sts, date: date)
        let authorization = "\(Self.algorithm) Credential=\(credentials.accessKeyID)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"
        added.append(HTTPHeader("Authorization", authorization))
        base.headers += added
        return SigningResult(
            request: base, canonicalRequest: canonical, stringToSign: sts, signature: signature,
            addedHeaders: added, addedQuery: [])
    }

    // MARK: Query signing

    /// Signs by appending `X-Amz-*` parameters to the query (a presigned URL valid for `expires` seconds).
    public func presign(_ request: SigningRequest, expires: Int, payload: PayloadSigning = .unsigned, date: Date) -> SigningResult {
        let amzDate = Self.amzDate(date)
        let payloadHash = Self.payloadHash(request.body, payload)
        let scope = credentialScope(date)
        var base = request
        base.headers.removeAll { $0.name.lowercased() == "authorization" }
        base.query.removeAll { $0.name.hasPrefix("X-Amz-") }
        let (canonicalHeaders, signedHeaders) = Self.canonicalHeaders(base.headers)

        var added: [QueryItem] = [
            QueryItem("X-Amz-Algorithm", Self.algorithm),
            QueryItem("X-Amz-Credential", "\(credentials.accessKeyID)/\(scope)"),
            QueryItem("X-Amz-Date", amzDate),
            QueryItem("X-Amz-SignedHeaders", signedHeaders),
            QueryItem("X-Amz-Expires", String(expires)),
        ]
        if let token = credentials.sessionToken {
            added.append(QueryItem("X-Amz-Security-Token", token))
        }
        var canonicalItems = base.query + added
        if options.omitSessionTokenFromSignature {
            canonicalItems.removeAll { $0.name == "X-Amz-Security-Token" }
        }
        let canonical = [
            request.method.uppercased(),
            canonicalURI(request.path),
            Self.canonicalQuery(canonicalItems),
            canonicalHeaders,
            signedHeaders,
            payloadHash,
        ].joined(separator: "\n")
        let sts = Self.stringToSign(amzDate: amzDate, scope: scope, canonicalRequest: canonical)
        let signature = sign(sts, date: date)
        added.append(QueryItem("X-Amz-Signature", signature))
        base.query += added
        return SigningResult(
            request: base, canonicalRequest: canonical, stringToSign: sts, signature: signature,
            addedHeaders: [], addedQuery: added)
    }

    // MARK: Pieces

    /// `yyyyMMdd/region/service/aws4_request`.
    public func credentialScope(_ date: Date) -> String {
        "\(Self.amzDate(date).prefix(8))/\(region)/\(service)/aws4_request"
    }

    /// The canonical URI for a wire path under this signer's options.
    public func canonicalURI(_ path: String) -> String {
        let p = path.isEmpty ? "/" : path
        if options.doubleEncodePath {
            let normalised = options.normalizePath ? Self.normalize(p) : p
            return Self.encodePath(normalised)
        }
        // Single encoding: decode first so an already-encoded key is not encoded twice.
        let decoded = p.removingPercentEncoding ?? p
        let normalised = options.normalizePath ? Self.normalize(decoded) : decoded
        return Self.encodePath(normalised)
    }

    func sign(_ stringToSign: String, date: Date) -> String {
        let day = String(Self.amzDate(date).prefix(8))
        var key = SymmetricKey(data: Data("AWS4\(credentials.secretAccessKey)".utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        let mac = HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: key)
        return Self.hex(Data(mac))
    }

    static func stringToSign(amzDate: String, scope: String, canonicalRequest: String) -> String {
        [algorithm, amzDate, scope, sha256Hex(Data(canonicalRequest.utf8))].joined(separator: "\n")
    }

    static func payloadHash(_ body: Data, _ mode: PayloadSigning) -> String {
        switch mode {
        case .bodyHash: return sha256Hex(body)
        case .unsigned: return unsignedPayload
        case .precomputed(let hash): return hash
        }
    }

    /// Lowercased, sorted names; trimmed values with inner whitespace runs collapsed; duplicates joined by `,`.
    static func canonicalHeaders(_ headers: [HTTPHeader]) -> (String, String) {
        var byName: [String: [String]] = [:]
        for header in headers {
            let name = header.name.lowercased()
            if unsignableHeaders.contains(name) { continue }
            byName[name, default: []].append(collapseWhitespace(header.value))
        }
        let names = byName.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        let lines = names.map { "\($0):\(byName[$0, default: []].joined(separator: ","))\n" }
        return (lines.joined(), names.joined(separator: ";"))
    }

    static func collapseWhitespace(_ value: String) -> String {
        value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
            .joined(separator: " ")
    }

    /// Encoded `name=value` pairs sorted by encoded name, then encoded value, in byte order.
    public static func canonicalQuery(_ items: [QueryItem]) -> String {
        items.map { (uriEncode($0.name), uriEncode($0.value)) }
            .sorted { a, b in
                if a.0 != b.0 { return Array(a.0.utf8).lexicographicallyPrecedes(Array(b.0.utf8)) }
                return Array(a.1.utf8).lexicographicallyPrecedes(Array(b.1.utf8))
            }
            .map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")
    }

    /// Percent-encodes everything but `A-Z a-z 0-9 - _ . ~` (and `/` when `keepSlash`), uppercase hex.
    public static func uriEncode(_ string: String, keepSlash: Bool = false) -> String {
        var out = ""
        out.reserveCapacity(string.utf8.count)
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"),
                UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: "/") where keepSlash:
                out.append("/")
            default:
                out += "%" + hexDigits(byte, uppercase: true)
            }
        }
        return out
    }

    static func encodePath(_ path: String) -> String { uriEncode(path, keepSlash: true) }

    /// RFC 3986 dot-segment removal plus dropping empty segments; keeps a trailing slash.
    static func normalize(_ path: String) -> String {
        var stack: [Substring] = []
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        for segment in segments {
            switch segment {
            case "", ".": continue
            case "..": if !stack.isEmpty { stack.removeLast() }
            default: stack.append(segment)
            }
        }
        var result = "/" + stack.joined(separator: "/")
        if !stack.isEmpty, path.hasSuffix("/") { result += "/" }
        return result
    }

    /// `yyyyMMdd'T'HHmmss'Z'` in UTC, computed arithmetically so no formatter or locale is involved.
    public static func amzDate(_ date: Date) -> String {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let secondOfDay = seconds - days * 86400
        let (y, m, d) = civilFromDays(days)
        func pad(_ v: Int, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return pad(y, 4) + pad(m, 2) + pad(d, 2) + "T" + pad(secondOfDay / 3600, 2)
            + pad(secondOfDay % 3600 / 60, 2) + pad(secondOfDay % 60, 2) + "Z"
    }

    /// Howard Hinnant's days-to-civil algorithm.
    static func civilFromDays(_ z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    /// Lowercase hex SHA-256.
    public static func sha256Hex(_ data: Data) -> String { hex(Data(SHA256.hash(data: data))) }

    static func hex(_ data: Data) -> String { data.map { hexDigits($0, uppercase: false) }.joined() }

    static func hexDigits(_ byte: UInt8, uppercase: Bool) -> String {
        let digits: [Character] = uppercase ? Array("0123456789ABCDEF") : Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]])
    }
}
