import AWSCore
import Foundation
import ImageProcessing
import ImageryCore
import Logging

/// What became of one message, and so whether it is deleted.
public enum JobOutcome: Sendable, Equatable {
    /// The image reached `processed` through this job.
    case processed(id: String)
    /// Nothing to do: a duplicate, an already processed or failed image, or work overtaken by a newer upload.
    case skipped(id: String, reason: String)
    /// A permanent failure: the image (if it exists) is now `failed`.
    case failed(id: String?, reason: String)
    /// A transient failure: the message stays and comes back after its visibility timeout.
    case retryLater(reason: String)

    /// Whether the message is deleted from the queue.
    public var deletesMessage: Bool {
        if case .retryLater = self { return false }
        return true
    }
}

/// Processes one queue message: GetItem → download → sepia → upload → conditional transition.
///
/// Every step is idempotent: the processed key is deterministic, and the transition is
/// conditional on the version read, so duplicates and racing workers converge on one state.
public struct JobProcessor: Sendable {
    public let aws: ImageryAWS
    public let repository: ImageRepository
    public let configuration: ImageryConfiguration
    public let logger: Logger
    /// Where raw and processed files are spooled.
    public let workDirectory: URL

    public init(aws: ImageryAWS, configuration: ImageryConfiguration, logger: Logger, workDirectory: URL = URL(fileURLWithPath: NSTemporaryDirectory())) {
        self.aws = aws
        self.configuration = configuration
        self.logger = logger
        self.workDirectory = workDirectory
        self.repository = ImageRepository(dynamoDB: aws.dynamoDB, table: configuration.table)
    }

    /// Processes a message body; never throws, the outcome says what happened.
    public func process(body: String) async -> JobOutcome {
        let message: ProcessingMessage
        switch ProcessingMessage.decode(body) {
        case .success(let decoded): message = decoded
        case .failure(let error):
            logger.error("deleting malformed message: \(error.reason); body: \(body.debugDescription)")
            return .failed(id: nil, reason: error.description)
        }
        do {
            return try await process(id: message.imageId)
        } catch {
            return .retryLater(reason: String(describing: error))
        }
    }

    func process(id: String) async throws -> JobOutcome {
        guard let record = try await repository.get(id: id) else {
            logger.error("deleting message for image \(id): no such image")
            return .failed(id: nil, reason: "no image with id \(id)")
        }
        switch record.state {
        case .processed, .failed:
            return .skipped(id: id, reason: "already \(record.state.rawValue)")
        case .created:
            return try await fail(id, reason: "no file was uploaded for this image")
        case .uploaded:
            break
        }
        guard let rawKey = record.rawS3Key else {
            return try await fail(id, reason: "the image record names no uploaded file")
        }

        let raw = workDirectory.appendingPathComponent("imagery-raw-\(UUID().uuidString)")
        let output = workDirectory.appendingPathComponent("imagery-sepia-\(UUID().uuidString).png")
        defer {
            try? FileManager.default.removeItem(at: raw)
            try? FileManager.default.removeItem(at: output)
        }
        do {
            // 404, or 403 with a listing that shows the key absent (real S3 without s3:ListBucket).
            if case .missing = try await aws.s3.readObject(bucket: configuration.bucket, key: rawKey, to: raw) {
                return try await fail(id, reason: "the uploaded file is missing from storage")
            }
        } catch let denied as ObjectAccessDenied {
            // A deployment fault, not the image's: the message comes back (and after maxReceiveCount
            // lands in the dead-letter queue, which alarms), and the log says which grant is missing.
            logger.error("image \(id): \(denied)")
            return .retryLater(reason: denied.description)
        }

        // A Result rather than a typed catch: `catch let e where` on typed throws crashes Swift 6.3's SIL verifier.
        let sepia = await runSepiaResult(input: raw.path, output: output.path, limits: Limits(maxPixels: configuration.worker.maxPixels))
        let result: PipelineResult
        switch sepia {
        case .success(let value):
            result = value
        case .failure(let error):
            guard error.isPermanent else { throw error }
            return try await fail(id, reason: Self.userReason(error))
        }

        let key = ImageRecord.processedKey(for: id)
        _ = try await aws.s3.putObject(bucket: configuration.bucket, key: key, file: output, contentType: "image/png")
        do {
            try await repository.apply(.process(processedS3Key: key), to: id, basedOn: record, policy: .failFast)
        } catch is VersionConflict {
            // Someone else wrote first: see what they did instead of overwriting it.
            guard let now = try await repository.get(id: id) else { return .skipped(id: id, reason: "image deleted meanwhile") }
            switch now.state {
            case .processed, .failed:
                return .skipped(id: id, reason: "another worker already made it \(now.state.rawValue)")
            case .uploaded, .created:
                // A newer upload replaced the file this job read; its own message brings it here again.
                return .skipped(id: id, reason: "overtaken by a newer upload (version \(now.version))")
            }
        }
        logger.info(
            "image \(id) processed: \(result.width)x\(result.height), \(result.bytesWritten) bytes of PNG, \(result.encoder.chunks) chunks, \(result.encoder.helperChunks) on idle cores")
        return .processed(id: id)
    }

    /// Moves the image to `failed`; a refusal (it became processed meanwhile) still ends the job.
    func fail(_ id: String, reason: String) async throws -> JobOutcome {
        logger.warning("image \(id) failed for good: \(reason)")
        do {
            try await repository.apply(.fail(reason: reason), to: id)
        } catch let refused as InvalidTransition {
            return .skipped(id: id, reason: "not marked failed: \(refused)")
        } catch is ImageNotFound {
            return .failed(id: nil, reason: reason)
        }
        return .failed(id: id, reason: reason)
    }

    /// The sentence the page shows for a permanent image error.
    static func userReason(_ error: ImageError) -> String {
        switch error {
        case .notAnImage: return "the file is not a JPEG or PNG image"
        case .unsupportedFormat(let detail): return "unsupported image format: \(detail)"
        case .corrupt(let detail): return "the image is damaged or truncated (\(detail))"
        case .tooManyPixels(let width, let height, let limit):
            return "the image is too large: \(width)x\(height) pixels, the limit is \(limit) pixels"
        case .io: return error.description
        }
    }
}
