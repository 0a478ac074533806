import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// An error response from an AWS service, decoded from any of the wire protocols.
public struct AWSError: Error, Sendable, Equatable, CustomStringConvertible {
    /// How the client should treat the error.
    public enum Kind: String, Sendable, Equatable {
        /// The service asks the caller to slow down; retryable with backoff.
        case throttling
        /// A server-side or transient fault; retryable.
        case transient
        /// The signature or credentials were rejected.
        case authentication
        /// The request itself is wrong (validation, missing resource, conflict); never retried.
        case client
        /// A server error not known to be transient.
        case server
    }

    public var service: String
    public var operation: String
    public var status: Int
    public var code: String
    public var message: String?
    public var requestID: String?
    /// The classic query-protocol code a JSON service also sent in `x-amzn-query-error`
    /// (`AWS.SimpleQueueService.NonExistentQueue` beside `QueueDoesNotExist`).
    public var queryCompatibleCode: String?

    public init(
        service: String, operation: String, status: Int, code: String, message: String? = nil, requestID: String? = nil,
        queryCompatibleCode: String? = nil
    ) {
        self.service = service
        self.operation = operation
        self.status = status
        self.code = code
        self.message = message
        self.requestID = requestID
        self.queryCompatibleCode = queryCompatibleCode
    }

    static let throttlingCodes: Set<String> = [
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException", "TransactionInProgressException",
        "RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled",
        "SlowDown", "PriorRequestNotComplete", "EC2ThrottledException",
    ]
    static let transientCodes: Set<String> = [
        "RequestTimeout", "RequestTimeoutException", "InternalError", "InternalFailure", "ServiceUnavailable",
    ]
    static let transientStatuses: Set<Int> = [500, 502, 503, 504]
    static let authenticationCodes: Set<String> = [
        "SignatureDoesNotMatch", "InvalidClientTokenId", "UnrecognizedClientException", "InvalidAccessKeyId",
        "ExpiredToken", "ExpiredTokenException", "RequestExpired", "IncompleteSignature", "MissingAuthenticationToken",
        "AuthFailure", "InvalidToken", "AccessDenied", "AccessDeniedException",
    ]

    public var kind: Kind {
        if Self.throttlingCodes.contains(code) || status == 429 { return .throttling }
        if Self.transientCodes.contains(code) || Self.transientStatuses.contains(status) { return .transient }
        if Self.authenticationCodes.contains(code) || status == 401 || status == 403 { return .authentication }
        return status >= 500 ? .server : .client
    }

    /// Whether the standard retry mode retries this error.
    public var isRetryable: Bool { FailureOutlook(self) == .retryNow }

    public var description: String {
        var text = "\(service) \(operation) failed: \(code) (HTTP \(status))"
        if let message, !message.isEmpty { text += ": \(message)" }
        if let requestID { text += " [request id \(requestID)]" }
        return text
    }
}

/// Which wire protocol shaped the error body.
public enum AWSErrorProtocol: Sendable {
    case query
    case json
    case restXML
}

/// Turns a non-2xx response into an `AWSError`, tolerating every body shape seen in practice.
public enum AWSErrorDecoder {
    /// Decodes whatever shape the body actually has, JSON or XML, whatever the protocol says,
    /// because moto in auth mode answers JSON services with XML labelled text/html.
    /// `protocol` is kept so callers state intent and future protocol-specific rules have a home.
    public static func decode(_ response: HTTPResponse, service: String, operation: String, protocol proto: AWSErrorProtocol) -> AWSError {
        var code: String?
        var message: String?
        var requestID = response.header("x-amzn-RequestId") ?? response.header("x-amz-request-id")
        let trimmed = response.bodyText.trimmingCharacters(in: .whitespacesAndNewlines)

        if trimmed.hasPrefix("{") {
            if let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any] {
                code = (object["__type"] as? String) ?? (object["code"] as? String) ?? (object["Code"] as? String)
                message = (object["message"] as? String) ?? (object["Message"] as? String) ?? (object["errorMessage"] as? String)
            }
        } else if trimmed.hasPrefix("<"), let root = try? XMLNode.parse(response.body) {
            let error = root.name == "Error" ? root : root.first("Error") ?? root.descendant("Error")
            code = error?.first("Code")?.text
            message = error?.first("Message")?.text
            requestID = root.first("RequestId")?.text ?? error?.first("RequestId")?.text ?? root.first("RequestID")?.text ?? requestID
        }
        // JSON services running the query-compatible mode put the classic code here.
        var queryCompatibleCode: String?
        if let queryError = response.header("x-amzn-query-error"), let first = queryError.split(separator: ";").first, !first.isEmpty {
            queryCompatibleCode = String(first)
            if code == nil { code = queryCompatibleCode }
        }
        if code == nil, let headerType = response.header("x-amzn-ErrorType") {
            code = headerType
        }
        // A code that cleans to nothing (`"__type": "#"`) names nothing: fall back to the status.
        let resolved = code.map(cleanCode).flatMap { $0.isEmpty ? nil : $0 } ?? codeFromStatus(response.status)
        return AWSError(
            service: service, operation: operation, status: response.status, code: resolved,
            message: message.flatMap { $0.isEmpty ? nil : $0 }, requestID: requestID, queryCompatibleCode: queryCompatibleCode)
    }

    /// `com.amazonaws.sqs#QueueDoesNotExist` and `Code:http://...` both mean `QueueDoesNotExist`/`Code`.
    static func cleanCode(_ raw: String) -> String {
        var code = raw
        if let hash = code.lastIndex(of: "#") { code = String(code[code.index(after: hash)...]) }
        if let colon = code.firstIndex(of: ":") { code = String(code[..<colon]) }
        return code.trimmingCharacters(in: .whitespaces)
    }

    /// HEAD responses and empty bodies carry no code: name it after the status, as the SDKs do.
    static func codeFromStatus(_ status: Int) -> String {
        switch status {
        case 301: return "PermanentRedirect"
        case 304: return "NotModified"
        case 400: return "BadRequest"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "NotFound"
        case 409: return "Conflict"
        case 412: return "PreconditionFailed"
        case 429: return "TooManyRequestsException"
        case 500: return "InternalError"
        case 503: return "ServiceUnavailable"
        default: return "HTTP\(status)"
        }
    }
}
