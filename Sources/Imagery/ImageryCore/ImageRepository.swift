import AWSCore
import Foundation

/// Image records in DynamoDB, changed only through conditional writes (optimistic locking).
public struct ImageRepository: Sendable {
    /// What to do when the version read is no longer current.
    public enum ConflictPolicy: Sendable, Equatable {
        /// Re-read the record, re-check the rule and try again, at most this many writes in all.
        case reread(maxAttempts: Int)
        /// Throw `VersionConflict` at once, so the caller can decide from the fresh record.
        case failFast
    }

    public let dynamoDB: DynamoDBClient
    public let table: String
    /// Injected so tests can pin timestamps.
    public let now: @Sendable () -> Date

    public init(dynamoDB: DynamoDBClient, table: String, now: @escaping @Sendable () -> Date = { Date() }) {
        self.dynamoDB = dynamoDB
        self.table = table
        self.now = now
    }

    /// Stores a new record in state `created` at version 0; refuses to replace an existing id.
    public func create(id: String = ImageID.make()) async throws -> ImageRecord {
        let record = ImageRecord(id: id, version: 0, state: .created, created: now())
        try await dynamoDB.putItem(
            table: table, item: Self.item(from: record), conditionExpression: "attribute_not_exists(id)")
        return record
    }

    /// The record with a strongly consistent read, or nil when there is none.
    public func get(id: String) async throws -> ImageRecord? {
        guard let item = try await dynamoDB.getItem(table: table, key: ["id": .s(id)], consistentRead: true) else { return nil }
        return try Self.record(from: item)
    }

    /// Applies `transition` with a conditional UpdateItem and returns the record as written.
    ///
    /// - Parameters:
    ///   - record: the version the caller based its work on; read afresh when nil.
    ///   - policy: what a version conflict does.
    /// - Throws: `ImageNotFound`, `InvalidTransition` (the rule refuses the current state),
    ///   `VersionConflict`, or the AWS client's errors.
    @discardableResult
    public func apply(
        _ transition: Transition, to id: String, basedOn record: ImageRecord? = nil, policy: ConflictPolicy = .reread(maxAttempts: 5)
    ) async throws -> ImageRecord {
        var current = record
        var attempts = 0
        while true {
            let base: ImageRecord
            if let current {
                base = current
            } else {
                guard let fresh = try await get(id: id) else { throw ImageNotFound(id: id) }
                base = fresh
            }
            let write = try StateMachine.plan(transition, on: base).get()
            attempts += 1
            do {
                return try await perform(write, on: base)
            } catch is ConditionalCheckFailed {
                switch policy {
                case .failFast:
                    throw VersionConflict(id: id, attempts: attempts)
                case .reread(let maxAttempts):
                    if attempts >= maxAttempts { throw VersionConflict(id: id, attempts: attempts) }
                    current = nil
                }
            }
        }
    }

    /// One conditional UpdateItem: the item exists, has the expected version and is in an allowed state.
    func perform(_ write: StateMachine.Write, on record: ImageRecord) async throws -> ImageRecord {
        let date = now()
        var names = ["#s": "state"]
        var values: [String: AttributeValue] = [
            ":newState": .s(write.newState.rawValue),
            ":oldVersion": .n(String(write.expectedVersion)),
            ":newVersion": .n(String(write.newVersion)),
            ":updated": .n(Self.milliseconds(date)),
        ]
        var assignments = ["#s = :newState", "version = :newVersion", "updated = :updated"]
        for (index, (name, value)) in write.fields.sorted(by: { $0.key < $1.key }).enumerated() {
            names["#f\(index)"] = name
            values[":f\(index)"] = .s(value)
            assignments.append("#f\(index) = :f\(index)")
        }
        // The sparse pending-uploads index holds exactly the items waiting in `uploaded`: the upload
        // transition puts the item in (again, with a fresh time and no sweeps), every other takes it out.
        names["#pending"] = PendingUploads.partitionKey
        names["#pendingSince"] = PendingUploads.sortKey
        names["#sweeps"] = PendingUploads.sweepCount
        var removals = ["#sweeps"]
        if write.newState == .uploaded {
            values[":pending"] = .s(PendingUploads.partitionValue)
            values[":pendingSince"] = .n(Self.milliseconds(date))
            assignments += ["#pending = :pending", "#pendingSince = :pendingSince"]
        } else {
            removals += ["#pending", "#pendingSince"]
        }
        var allowed: [String] = []
        for (index, state) in write.allowedSources.enumerated() {
            values[":from\(index)"] = .s(state.rawValue)
            allowed.append(":from\(index)")
        }
        let condition = "attribute_exists(id) AND version = :oldVersion AND #s IN (\(allowed.joined(separator: ", ")))"
        let item = try await dynamoDB.updateItem(
            table: table, key: ["id": .s(record.id)],
            updateExpression: "SET " + assignments.joined(separator: ", ") + " REMOVE " + removals.joined(separator: ", "),
            conditionExpression: condition, names: names, values: values, returnValues: .allNew)
        if let item { return try Self.record(from: item) }
        return StateMachine.apply(write, to: record, at: date)
    }

    // MARK: Mapping

    static func milliseconds(_ date: Date) -> String { String(Int64((date.timeIntervalSince1970 * 1000).rounded())) }

    static func date(_ value: AttributeValue?) -> Date? {
        guard case .n(let text)? = value, let ms = Double(text), abs(ms) <= maxMilliseconds else { return nil }
        return Date(timeIntervalSince1970: ms / 1000)
    }

    /// The widest timestamp accepted from the table: ±100 million days, JavaScript's Date range, so
    /// every stored time converts back to Int64 milliseconds (a DynamoDB number may be 1e125).
    static let maxMilliseconds = 8.64e15

    static func string(_ value: AttributeValue?) -> String? {
        guard case .s(let text)? = value else { return nil }
        return text
    }

    /// The DynamoDB item for a record; optional attributes are left out rather than stored as NULL.
    public static func item(from record: ImageRecord) -> [String: AttributeValue] {
        var item: [String: AttributeValue] = [
            "id": .s(record.id),
            "version": .n(String(record.version)),
            "state": .s(record.state.rawValue),
            "created": .n(milliseconds(record.created)),
        ]
        if let updated = record.updated { item["updated"] = .n(milliseconds(updated)) }
        if let key = record.rawS3Key { item["rawS3Key"] = .s(key) }
        if let key = record.processedS3Key { item["processedS3Key"] = .s(key) }
        if let reason = record.failureReason { item["failureReason"] = .s(reason) }
        if record.state == .uploaded {
            item[PendingUploads.partitionKey] = .s(PendingUploads.partitionValue)
            item[PendingUploads.sortKey] = .n(milliseconds(record.updated ?? record.created))
        }
        return item
    }

    /// The record in an item; throws `MalformedRecord` naming the attribute that is missing or wrong.
    public static func record(from item: [String: AttributeValue]) throws -> ImageRecord {
        guard let id = string(item["id"]) else { throw MalformedRecord(id: nil, attribute: "id") }
        // The next write stores version + 1, so Int.max has no successor.
        guard case .n(let versionText)? = item["version"], let version = Int(versionText), version >= 0, version < Int.max else {
            throw MalformedRecord(id: id, attribute: "version")
        }
        guard let stateText = string(item["state"]), let state = ImageState(rawValue: stateText) else {
            throw MalformedRecord(id: id, attribute: "state")
        }
        // A missing time reads as the epoch (created) or none (updated); one that is there must be a usable time.
        for attribute in ["created", "updated"] where item[attribute] != nil && date(item[attribute]) == nil {
            throw MalformedRecord(id: id, attribute: attribute)
        }
        return ImageRecord(
            id: id, version: version, state: state, created: date(item["created"]) ?? Date(timeIntervalSince1970: 0),
            updated: date(item["updated"]), rawS3Key: string(item["rawS3Key"]), processedS3Key: string(item["processedS3Key"]),
            failureReason: string(item["failureReason"]))
    }
}

/// An item in the table lacks an attribute every record has, or holds the wrong type.
public struct MalformedRecord: Error, Sendable, Equatable, CustomStringConvertible {
    public var id: String?
    public var attribute: String
    public var description: String {
        "image record \(id ?? "<no id>") has a missing or invalid '\(attribute)' attribute"
    }
}
