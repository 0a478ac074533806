import AWSCore
import Foundation

/// Reads a stack's events page by page, newest first, stopping where the current operation began.
struct EventFeed: Sendable {
    let client: AWSClient

    /// Events newer than `knownID` (exclusive) and no older than the operation's first stack-level event
    /// (inclusive), in chronological order. Pages only as far back as needed.
    func newEvents(stack: String, after knownID: String?) async throws -> [CloudFormationClient.StackEvent] {
        let events = try await CloudFormationClient(client: client).describeStackEvents(name: stack) { event in
            if let knownID, event.eventID == knownID { return .stopBefore }
            return Self.startsOperation(event) ? .includeAndStop : .include
        }
        return events.reversed()
    }

    /// The id of the newest event, to tell later events from history.
    func latestEventID(stack: String) async throws -> String? {
        try await CloudFormationClient(client: client).describeStackEvents(name: stack) { _ in .includeAndStop }.first?.eventID
    }

    /// A stack-level event that opens an operation (CREATE/UPDATE/DELETE/IMPORT_IN_PROGRESS).
    static func startsOperation(_ event: CloudFormationClient.StackEvent) -> Bool {
        guard RootCause.isStackLevel(event) else { return false }
        return ["CREATE_IN_PROGRESS", "UPDATE_IN_PROGRESS", "DELETE_IN_PROGRESS", "IMPORT_IN_PROGRESS"].contains(event.resourceStatus ?? "")
    }
}

/// How often and how long to poll.
public struct WaitOptions: Sendable {
    public var eventInterval: Duration
    public var statusInterval: Duration
    /// The longest any poll interval grows to while the service throttles or the network fails.
    public var maxInterval: Duration
    public var timeout: Duration
    /// Consecutive failed polls (after the client's own retries) tolerated before giving up.
    public var maxConsecutiveFailures: Int

    public init(eventInterval: Duration = .seconds(2), statusInterval: Duration = .seconds(5), maxInterval: Duration = .seconds(30),
                timeout: Duration = .seconds(3600), maxConsecutiveFailures: Int = 8) {
        self.eventInterval = eventInterval
        self.statusInterval = statusInterval
        self.maxInterval = maxInterval
        self.timeout = timeout
        self.maxConsecutiveFailures = maxConsecutiveFailures
    }
}

/// How a wait ended.
public struct WaitResult: Sendable {
    /// The final status; DELETE_COMPLETE also when the stack record is gone.
    public var status: String
    public var statusReason: String?
    /// The stack as last described; `nil` once deleted.
    public var stack: CloudFormationClient.Stack?
    /// Every event of the operation seen, chronological.
    public var events: [CloudFormationClient.StackEvent]
}

/// Polls a stack until its operation ends: events about every 2 s, status about every 5 s.
struct StackWaiter: Sendable {
    let cloudFormation: CloudFormationClient
    let clock: DeployClock
    let options: WaitOptions

    /// Waits for the operation on `stack` (name or id) to end. `knownEventID` marks history to skip.
    func wait(stack: String, stackName: String, knownEventID: String?, reporter: ProgressReporter) async throws -> WaitResult {
        let feed = EventFeed(client: cloudFormation.client)
        let start = clock.now()
        var lastEventID = knownEventID
        var events: [CloudFormationClient.StackEvent] = []
        var eventInterval = options.eventInterval
        var statusInterval = options.statusInterval
        var nextEvents = start
        var nextStatus = start
        var failures = 0
        var lastStatus = "unknown"

        func fetchEvents() async throws {
            let fresh = try await feed.newEvents(stack: stack, after: lastEventID)
            if let last = fresh.last { lastEventID = last.eventID }
            events += fresh
            await reporter.record(fresh, now: clock.now())
        }

        while true {
            let now = clock.now()
            if now.timeIntervalSince(start) >= options.timeout.seconds {
                await reporter.finish()
                throw DeployError.timedOut(stack: stackName, status: lastStatus, waited: options.timeout)
            }
            do {
                // Status first: when the operation has already ended, one last events read is all that is needed.
                if now >= nextStatus {
                    let described = try await describe(stack)
                    statusInterval = options.statusInterval
                    nextStatus = now.addingTimeInterval(statusInterval.seconds)
                    let status = described?.status ?? "DELETE_COMPLETE"
                    lastStatus = status
                    if !StackStatus.isInProgress(status) {
                        try await fetchEvents()
                        await reporter.finish()
                        return WaitResult(status: status, statusReason: described?.statusReason, stack: described, events: events)
                    }
                }
                if now >= nextEvents {
                    try await fetchEvents()
                    eventInterval = options.eventInterval
                    nextEvents = now.addingTimeInterval(eventInterval.seconds)
                }
                failures = 0
            } catch let error where FailureOutlook(error).isTransient {
                // Throttled or unreachable even after the client's retries: slow down, keep the stack alone.
                failures += 1
                if failures > options.maxConsecutiveFailures { throw error }
                eventInterval = min(eventInterval * 2, options.maxInterval)
                statusInterval = min(statusInterval * 2, options.maxInterval)
                nextEvents = now.addingTimeInterval(eventInterval.seconds)
                nextStatus = now.addingTimeInterval(statusInterval.seconds)
            }
            await reporter.tick(now: clock.now())
            let due = min(nextEvents, nextStatus)
            let delay = max(0.05, due.timeIntervalSince(clock.now()))
            // A live view refreshes its elapsed time at least once a second.
            try await clock.sleep(.milliseconds(Int64(min(delay, 1.0) * 1000)))
        }
    }

    /// The stack by name or id, `nil` when it no longer exists.
    func describe(_ stack: String) async throws -> CloudFormationClient.Stack? {
        do {
            return try await cloudFormation.describeStacks(name: stack).first
        } catch let error as AWSError where Deployer.isMissingStack(error) {
            return nil
        }
    }
}
