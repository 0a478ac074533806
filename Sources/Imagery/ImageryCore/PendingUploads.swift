import AWSCore
import ImageryContract
import Foundation
import Logging

/// The sparse index of images waiting in `uploaded`, and the sweeper that recovers lost messages.
///
/// The upload route writes the state, then sends the queue message. If the server dies between
/// the two (or SendMessage fails and the client never retries), nothing would ever process the
/// image. The upload transition therefore also sets `pending`/`pendingSince`, every later
/// transition removes them, and the table's `PendingUploads` index holds exactly the waiting
/// images by age. The sweeper queries it (no Scan) for images waiting longer than a few minutes
/// and sends their message again.
///
/// Idempotent and safe with several servers sweeping at once: an image is claimed with a
/// conditional write on its `pendingSince` before its message is re-sent, so one sweeper wins;
/// the worker already treats a duplicate message as a no-op (the image is processed or failed, or
/// its conditional write loses). After `maxResends` re-sends the image is marked failed instead,
/// so an image that can never be processed does not circle through the queue for ever.
public struct PendingUploads: Sendable {
    /// The template's index, from the contract both import.
    public static let indexName = ImageryContract.PendingUploadsIndex.name
    public static let partitionKey = ImageryContract.PendingUploadsIndex.partitionKey
    public static let partitionValue = ImageState.uploaded.rawValue
    public static let sortKey = ImageryContract.PendingUploadsIndex.sortKey
    /// How often the sweeper re-sent this image's message since its upload.
    public static let sweepCount = "sweeps"

    public let dynamoDB: DynamoDBClient
    public let sqs: SQSClient
    public let repository: ImageRepository
    public let table: String
    public let queueURL: String
    /// How long an image waits before its message counts as lost (well above a normal job).
    public var minimumAge: Duration
    public var maxResends: Int
    public let logger: Logger
    public let now: @Sendable () -> Date

    public init(
        aws: ImageryAWS, configuration: ImageryConfiguration, minimumAge: Duration = .seconds(300), maxResends: Int = 3,
        logger: Logger, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        dynamoDB = aws.dynamoDB
        sqs = aws.sqs
        table = configuration.table
        queueURL = configuration.queueURL
        repository = ImageRepository(dynamoDB: aws.dynamoDB, table: configuration.table, now: now)
        self.minimumAge = minimumAge
        self.maxResends = maxResends
        self.logger = logger
        self.now = now
    }

    /// What one sweep did.
    public struct Report: Sendable, Equatable {
        /// Images whose message was sent again.
        public var resent: [String] = []
        /// Images marked failed after `maxResends` re-sends.
        public var failed: [String] = []
        /// Images another writer (worker, upload, another sweeper) changed meanwhile.
        public var skipped: [String] = []
        public init() {}
    }

    /// One pass over every image that has waited longer than `minimumAge`.
    public func sweep() async throws -> Report {
        var report = Report()
        let start = now()
        let cutoff = start.addingTimeInterval(-minimumAge.timeInterval)
        var startKey: [String: AttributeValue]?
        repeat {
            let page = try await dynamoDB.query(
                table: table, index: Self.indexName, keyCondition: "#p = :p AND #ps < :cutoff",
                names: ["#p": Self.partitionKey, "#ps": Self.sortKey],
                values: [":p": .s(Self.partitionValue), ":cutoff": .n(ImageRepository.milliseconds(cutoff))], limit: 100,
                exclusiveStartKey: startKey)
            for item in page.items {
                guard case .s(let id)? = item["id"], case .n(let since)? = item[Self.sortKey] else { continue }
                try await recover(id: id, pendingSince: since, at: start, into: &report)
            }
            startKey = page.lastEvaluatedKey
        } while startKey != nil
        return report
    }

    func recover(id: String, pendingSince: String, at date: Date, into report: inout Report) async throws {
        // The index is eventually consistent: the item itself says whether it still waits.
        guard let item = try await dynamoDB.getItem(table: table, key: ["id": .s(id)], consistentRead: true),
              let record = try? ImageRepository.record(from: item), record.state == .uploaded,
              item[Self.sortKey] == .n(pendingSince)
        else {
            report.skipped.append(id)
            return
        }
        var sweeps = 0
        if case .n(let text)? = item[Self.sweepCount], let count = Int(text) { sweeps = count }
        if sweeps >= maxResends {
            let reason = "the image was not processed after its message was sent \(sweeps + 1) times"
            do {
                try await repository.apply(.fail(reason: reason), to: id, basedOn: record, policy: .failFast)
                logger.error("image \(id) marked failed: \(reason)")
                report.failed.append(id)
            } catch is VersionConflict {
                report.skipped.append(id)
            } catch is InvalidTransition {
                report.skipped.append(id)
            }
            return
        }
        // Claim: only the sweeper whose write still finds this pendingSince re-sends.
        do {
            _ = try await dynamoDB.updateItem(
                table: table, key: ["id": .s(id)], updateExpression: "SET #ps = :now, #sw = if_not_exists(#sw, :zero) + :one",
                conditionExpression: "#s = :uploaded AND #ps = :since",
                names: ["#s": "state", "#ps": Self.sortKey, "#sw": Self.sweepCount],
                values: [
                    ":now": .n(ImageRepository.milliseconds(date)), ":zero": .n("0"), ":one": .n("1"),
                    ":uploaded": .s(ImageState.uploaded.rawValue), ":since": .n(pendingSince),
                ],
                returnValues: .none)
        } catch is ConditionalCheckFailed {
            report.skipped.append(id)
            return
        }
        _ = try await sqs.sendMessage(queueURL: queueURL, body: ProcessingMessage(imageId: id).encoded())
        logger.warning("image \(id) waited in uploaded since \(pendingSince) ms without being processed; message sent again (\(sweeps + 1) of \(maxResends))")
        report.resent.append(id)
    }
}
