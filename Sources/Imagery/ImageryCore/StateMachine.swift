import Foundation
import ImageryContract

/// Where an image is in its life: created → uploaded → processed, or failed for good.
public enum ImageState: String, Sendable, Equatable, Codable, CaseIterable {
    case created
    case uploaded
    case processed
    /// Terminal: the upload can never be processed (not an image, too many pixels, nothing uploaded).
    case failed
}

/// A requested change of state, with the data it records.
public enum Transition: Sendable, Equatable {
    /// A raw image was stored under `rawS3Key`; a second upload before processing replaces the first.
    case upload(rawS3Key: String)
    /// The sepia PNG was stored under `processedS3Key`.
    case process(processedS3Key: String)
    /// The image can never be processed; `reason` is shown to the user.
    case fail(reason: String)

    /// The state after the transition.
    public var target: ImageState {
        switch self {
        case .upload: return .uploaded
        case .process: return .processed
        case .fail: return .failed
        }
    }

    /// The states the transition may start from; each includes its own target so that a retried
    /// transition (a duplicate message, a retried request) succeeds instead of failing.
    public var allowedSources: [ImageState] {
        switch self {
        case .upload: return [.created, .uploaded]
        case .process: return [.uploaded, .processed]
        case .fail: return [.created, .uploaded, .failed]
        }
    }

    /// A short name for logs and errors.
    public var name: String {
        switch self {
        case .upload: return "upload"
        case .process: return "process"
        case .fail: return "fail"
        }
    }
}

/// The pure transition rules: given the current record, what a transition writes.
///
/// Kept apart from DynamoDB so every rule is testable without a network; the repository turns a
/// `Write` into a conditional UpdateItem whose condition re-checks the same rule atomically.
public enum StateMachine {
    /// The attributes one transition writes, and the version it expects to find.
    public struct Write: Sendable, Equatable {
        public var expectedVersion: Int
        public var allowedSources: [ImageState]
        public var newState: ImageState
        public var newVersion: Int
        /// Attributes set besides state, version and the update time.
        public var fields: [String: String]
    }

    /// Whether `transition` may be applied to `record`, and if so what it writes.
    public static func plan(_ transition: Transition, on record: ImageRecord) -> Result<Write, InvalidTransition> {
        guard transition.allowedSources.contains(record.state) else {
            return .failure(InvalidTransition(id: record.id, from: record.state, transition: transition))
        }
        var fields: [String: String] = [:]
        switch transition {
        case .upload(let key): fields["rawS3Key"] = key
        case .process(let key): fields["processedS3Key"] = key
        case .fail(let reason): fields["failureReason"] = reason
        }
        return .success(
            Write(
                expectedVersion: record.version, allowedSources: transition.allowedSources, newState: transition.target,
                newVersion: record.version + 1, fields: fields))
    }

    /// The record as it will be after `write`, for callers that need it without a read.
    public static func apply(_ write: Write, to record: ImageRecord, at date: Date) -> ImageRecord {
        var next = record
        next.state = write.newState
        next.version = write.newVersion
        next.updated = date
        for (name, value) in write.fields {
            switch name {
            case "rawS3Key": next.rawS3Key = value
            case "processedS3Key": next.processedS3Key = value
            case "failureReason": next.failureReason = value
            default: break
            }
        }
        return next
    }
}

/// One image's record as stored in the table.
public struct ImageRecord: Sendable, Equatable {
    /// A lowercase UUID string, the table's hash key.
    public var id: String
    /// Incremented by every transition; the optimistic lock.
    public var version: Int
    public var state: ImageState
    public var created: Date
    public var updated: Date?
    public var rawS3Key: String?
    public var processedS3Key: String?
    public var failureReason: String?

    public init(
        id: String, version: Int = 0, state: ImageState = .created, created: Date, updated: Date? = nil, rawS3Key: String? = nil,
        processedS3Key: String? = nil, failureReason: String? = nil
    ) {
        self.id = id
        self.version = version
        self.state = state
        self.created = created
        self.updated = updated
        self.rawS3Key = rawS3Key
        self.processedS3Key = processedS3Key
        self.failureReason = failureReason
    }

    /// Where the raw upload of image `id` goes: one key per image, so a retried upload overwrites.
    public static func rawKey(for id: String) -> String { ImageryContract.Keys.raw(id) }

    /// Where the sepia PNG of image `id` goes: deterministic, so a retried job overwrites instead of leaving orphans.
    public static func processedKey(for id: String) -> String { ImageryContract.Keys.processed(id) }
}

/// Image ids are UUIDs; this normalises the text form so that lookups match what was stored.
public enum ImageID {
    /// The canonical lowercase form of a UUID string, or nil when `text` is not a UUID.
    public static func normalize(_ text: String) -> String? {
        guard text.count == 36, let uuid = UUID(uuidString: text) else { return nil }
        return uuid.uuidString.lowercased()
    }

    /// A new random id.
    public static func make() -> String { UUID().uuidString.lowercased() }
}

/// The transition is not allowed from the image's current state.
public struct InvalidTransition: Error, Sendable, Equatable, CustomStringConvertible {
    public var id: String
    public var from: ImageState
    public var transition: Transition
    public init(id: String, from: ImageState, transition: Transition) {
        self.id = id
        self.from = from
        self.transition = transition
    }

    public var description: String {
        "image \(id) is \(from.rawValue): cannot \(transition.name) it (allowed from "
            + transition.allowedSources.map(\.rawValue).joined(separator: ", ") + ")"
    }
}

/// No image has this id.
public struct ImageNotFound: Error, Sendable, Equatable, CustomStringConvertible {
    public var id: String
    public init(id: String) { self.id = id }
    public var description: String { "no image with id \(id)" }
}

/// Another writer kept changing the image; gave up after `attempts` conditional writes.
public struct VersionConflict: Error, Sendable, Equatable, CustomStringConvertible {
    public var id: String
    public var attempts: Int
    public init(id: String, attempts: Int) {
        self.id = id
        self.attempts = attempts
    }
    public var description: String {
        "image \(id) changed concurrently on each of \(attempts) attempts; try again"
    }
}
