import AWSCore
import Foundation
import HTTPTypes
import Hummingbird
import ImageryCore
import Logging
import NIOCore

/// The REST API: create an image, read its state, upload its raw file, fetch its sepia PNG.
public struct ImageController<Context: RequestContext>: Sendable {
    public let aws: ImageryAWS
    public let repository: ImageRepository
    public let configuration: ImageryConfiguration

    public init(aws: ImageryAWS, configuration: ImageryConfiguration) {
        self.aws = aws
        self.configuration = configuration
        self.repository = ImageRepository(dynamoDB: aws.dynamoDB, table: configuration.table)
    }

    public func addRoutes(to router: Router<Context>) {
        router.post("/image", use: create)
        router.get("/image/:id", use: show)
        router.post("/image/:id/upload", use: upload)
        router.get("/image/:id/processed.png", use: processed)
    }

    /// The `:id` path parameter as a canonical image id, or 400.
    static func id(_ context: Context) throws -> String {
        let text = context.parameters.get("id") ?? ""
        guard let id = ImageID.normalize(text) else { throw APIError.invalidID(text) }
        return id
    }

    /// `POST /image`: a new image in state created, version 0.
    @Sendable func create(_ request: Request, context: Context) async throws -> EditedResponse<CreatedResponse> {
        let record = try await repository.create()
        return EditedResponse(
            status: .created, headers: [.location: "/image/\(record.id)"],
            response: CreatedResponse(id: record.id, state: record.state.rawValue))
    }

    /// `GET /image/{id}`: the image's state as JSON.
    @Sendable func show(_ request: Request, context: Context) async throws -> ImageResponse {
        let id = try Self.id(context)
        guard let record = try await repository.get(id: id) else { throw APIError.notFound(id) }
        return ImageResponse(record)
    }

    /// `POST /image/{id}/upload`: spool the `file` field, store it under upload/, transition to uploaded, enqueue.
    ///
    /// Every check that can refuse the upload (id, state, size, type, syntax) runs before anything is
    /// stored, so a refused upload leaves no object, no state change and no message.
    @Sendable func upload(_ request: Request, context: Context) async throws -> Response {
        let id = try Self.id(context)
        let limit = configuration.server.maxUploadBytes
        // Refuse a declared oversize body before reading a byte of it.
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > limit {
            throw APIError(.contentTooLarge, code: "too_large", message: "the upload is \(declared) bytes; the limit is \(limit) bytes")
        }
        let boundary = try MultipartFileReceiver.boundary(contentType: request.headers[.contentType])
        guard let record = try await repository.get(id: id) else { throw APIError.notFound(id) }
        guard Transition.upload(rawS3Key: "").allowedSources.contains(record.state) else {
            throw APIError(.conflict, code: "invalid_state", message: "image \(id) is already \(record.state.rawValue); create a new image to upload another file")
        }

        let spool = URL(fileURLWithPath: configuration.server.spoolDirectory).appendingPathComponent("imagery-upload-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: spool) }
        let received = try await MultipartFileReceiver(maxBodyBytes: limit).receive(request.body, boundary: boundary, to: spool)

        let key = ImageRecord.rawKey(for: id)
        _ = try await aws.s3.putObject(
            bucket: configuration.bucket, key: key, file: spool, contentType: received.format == .png ? "image/png" : "image/jpeg")
        let updated = try await repository.apply(.upload(rawS3Key: key), to: id, basedOn: record)
        _ = try await aws.sqs.sendMessage(queueURL: configuration.queueURL, body: ProcessingMessage(imageId: id).encoded(), delaySeconds: nil)
        context.logger.info("image \(id) uploaded: \(received.byteCount) bytes of \(received.format.rawValue), version \(updated.version)")

        if Self.wantsJSON(request) {
            return try ImageResponse(updated).response(from: request, context: context)
        }
        // A plain form post: back to the page, which shows the image's progress.
        return Response(status: .seeOther, headers: [.location: "/#view=\(id)"])
    }

    /// Streams the sepia PNG from the private bucket through this server.
    @Sendable func processed(_ request: Request, context: Context) async throws -> Response {
        let id = try Self.id(context)
        guard let record = try await repository.get(id: id) else { throw APIError.notFound(id) }
        guard record.state == .processed, let key = record.processedS3Key else {
            throw APIError(.notFound, code: "not_processed", message: "image \(id) is \(record.state.rawValue), not processed yet")
        }
        let temporary = URL(fileURLWithPath: configuration.server.spoolDirectory).appendingPathComponent("imagery-download-\(UUID().uuidString)")
        do {
            // 404, or 403 with a listing that shows the key absent (real S3 without s3:ListBucket):
            // the record says processed but the object is gone (deleted by hand, restored table).
            if case .missing = try await aws.s3.readObject(bucket: configuration.bucket, key: key, to: temporary) {
                throw APIError(
                    .notFound, code: "processed_image_missing",
                    message: "image \(id) is processed, but its PNG is no longer in storage; upload the image again")
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
        let handle: FileHandle
        let size: Int
        do {
            handle = try FileHandle(forReadingFrom: temporary)
            size = Int(try handle.seekToEnd())
            try handle.seek(toOffset: 0)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
        // The file is unlinked at once: the open handle keeps the data readable until it is closed.
        try? FileManager.default.removeItem(at: temporary)
        let body = ResponseBody(contentLength: size) { writer in
            defer { try? handle.close() }
            while let chunk = try handle.read(upToCount: 65536), !chunk.isEmpty {
                try await writer.write(ByteBuffer(bytes: chunk))
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [.contentType: "image/png", .cacheControl: "private, max-age=300", .contentLength: String(size)],
            body: body)
    }

    /// Whether the client asked for JSON rather than the browser's redirect.
    static func wantsJSON(_ request: Request) -> Bool {
        guard let accept = request.headers[.accept]?.lowercased() else { return false }
        return accept.contains("application/json")
    }
}
