import AWSCore
import Foundation
import HTTPTypes
import Hummingbird
import ImageryCore
import NIOCore

/// An error the API reports to its client: a status, a stable code and a sentence, as JSON.
///
/// Every failure leaves the server through this type, so clients always get
/// `{"error": {"code": ..., "message": ...}}` and never a bare 500 page.
public struct APIError: HTTPResponseError, Equatable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    /// A machine-readable code ("not_found", "unsupported_media_type", ...).
    public var code: String
    public var message: String
    /// Seconds the client should wait before retrying (sent as `Retry-After`).
    public var retryAfterSeconds: Int?

    public init(_ status: HTTPResponse.Status, code: String, message: String, retryAfterSeconds: Int? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.retryAfterSeconds = retryAfterSeconds
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    public static func invalidID(_ text: String) -> APIError {
        APIError(.badRequest, code: "invalid_id", message: "\(text.debugDescription) is not an image id; ids are UUIDs such as 0b7a5f3e-3c1d-4a8e-9a55-2f7c1f0e6b12")
    }

    public static func notFound(_ id: String) -> APIError {
        APIError(.notFound, code: "not_found", message: "no image with id \(id)")
    }

    public static func unavailable(_ detail: String) -> APIError {
        APIError(.serviceUnavailable, code: "service_unavailable", message: "a backing AWS service failed (\(detail)); try again shortly", retryAfterSeconds: 5)
    }

    struct Body: Encodable {
        struct Detail: Encodable {
            var code: String
            var message: String
        }
        var error: Detail
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let data = try JSONEncoder().encode(Body(error: .init(code: code, message: message)))
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if let retryAfterSeconds { headers[.retryAfter] = String(retryAfterSeconds) }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Maps any error a handler let escape to what the client should see.
    public static func from(_ error: any Error) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as ImageNotFound:
            return .notFound(error.id)
        case let error as InvalidTransition:
            return APIError(.conflict, code: "invalid_state", message: error.description)
        case let error as VersionConflict:
            return APIError(.conflict, code: "version_conflict", message: error.description, retryAfterSeconds: 1)
        case let error as ObjectAccessDenied:
            // This deployment's role is missing a grant: the operator must act, the client can only wait.
            return .unavailable(error.description)
        case let error as HTTPError:
            return APIError(error.status, code: "http_error", message: error.body ?? error.status.reasonPhrase)
        default:
            // Any AWS error, not only the transient ones: a missing bucket or a denied action is an
            // operational fault of this deployment, not the client's mistake.
            if FailureOutlook(error).isTransient || error is AWSError {
                return .unavailable(String(describing: error))
            }
            return APIError(.internalServerError, code: "internal_error", message: "unexpected error; it has been logged")
        }
    }
}

/// Turns every error below it into an `APIError`, logging the unexpected ones with their detail.
struct APIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let apiError = APIError.from(error)
            if apiError.status.code >= 500 {
                context.logger.error("\(request.method) \(request.uri.path) failed: \(String(reflecting: error))")
            }
            return try apiError.response(from: request, context: context)
        }
    }
}
