import Foundation
import Hummingbird
import ImageryCore

/// The JSON view of an image, as the book's API returns it plus the failure reason and timestamps.
public struct ImageResponse: ResponseCodable, Equatable {
    public var id: String
    public var version: Int
    public var state: String
    public var rawS3Key: String?
    public var processedS3Key: String?
    /// A URL the browser can load while the bucket stays private: this server's own route that
    /// streams the PNG from S3 (see `ImageController.processed`).
    public var processedImage: String?
    /// Why the image ended in `failed`, for the page to show.
    public var failureReason: String?
    /// Milliseconds since the epoch, as the book stores them.
    public var created: Int64
    public var updated: Int64?

    public init(_ record: ImageRecord) {
        id = record.id
        version = record.version
        state = record.state.rawValue
        rawS3Key = record.rawS3Key
        processedS3Key = record.processedS3Key
        processedImage = record.state == .processed ? "/image/\(record.id)/processed.png" : nil
        failureReason = record.failureReason
        created = Int64((record.created.timeIntervalSince1970 * 1000).rounded())
        updated = record.updated.map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) }
    }
}

/// `POST /image`'s answer.
public struct CreatedResponse: ResponseCodable, Equatable {
    public var id: String
    public var state: String
}

/// `GET /health`'s answer.
struct HealthResponse: ResponseEncodable {
    var status: String
}
