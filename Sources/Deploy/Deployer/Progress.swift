import AWSCore
import Foundation

/// How waiting is shown.
public enum ProgressMode: String, Sendable, CaseIterable {
    /// The live view on a terminal, plain event lines otherwise.
    case auto
    /// The live view: one line per resource in progress, `[done/total]`, elapsed time.
    case bar
    /// One plain line per event.
    case events
    /// Nothing while waiting.
    case quiet

    /// The mode actually used, given whether standard output is a terminal.
    public func resolved(isTerminal: Bool) -> ProgressMode {
        self == .auto ? (isTerminal ? .bar : .events) : self
    }
}

/// What has happened so far in one stack operation, built from its events.
public struct ProgressState: Sendable, Equatable {
    /// One resource's latest known state.
    public struct Resource: Sendable, Equatable {
        public var logicalID: String
        public var type: String
        public var status: String
        public var reason: String?
        /// When its current phase started (the first IN_PROGRESS event), for per-resource elapsed time.
        public var since: Date?
    }

    /// "Creating", "Updating", "Deleting".
    public var verb: String
    public var stackName: String
    /// Resources the operation touches, when known (template resources, change-set changes).
    public var total: Int
    public var startedAt: Date
    /// In order of first appearance.
    public private(set) var resources: [Resource] = []
    public private(set) var stackStatus: String?

    public init(verb: String, stackName: String, total: Int, startedAt: Date) {
        self.verb = verb
        self.stackName = stackName
        self.total = total
        self.startedAt = startedAt
    }

    /// Resources whose part of the operation has ended.
    public var done: Int { resources.filter { StackStatus.isResourceSettled($0.status) }.count }

    /// Resources still in progress, in order of appearance.
    public var inProgress: [Resource] { resources.filter { StackStatus.isInProgress($0.status) } }

    /// Folds one event (chronological order) into the state.
    public mutating func apply(_ event: CloudFormationClient.StackEvent) {
        let status = event.resourceStatus ?? ""
        if RootCause.isStackLevel(event) {
            stackStatus = status
            return
        }
        let id = event.logicalResourceID ?? "?"
        let startsPhase = StackStatus.isInProgress(status)
        if let index = resources.firstIndex(where: { $0.logicalID == id }) {
            let wasInProgress = StackStatus.isInProgress(resources[index].status)
            resources[index].status = status
            resources[index].reason = event.resourceStatusReason
            if startsPhase && !wasInProgress { resources[index].since = event.timestamp }
        } else {
            resources.append(Resource(logicalID: id, type: event.resourceType ?? "?", status: status, reason: event.resourceStatusReason,
                                      since: startsPhase ? event.timestamp : nil))
        }
    }

    /// `[done/total]`, or `[done]` when the total is unknown; the total grows if the stream shows more resources.
    public var counter: String {
        let total = max(total, resources.count)
        return total > 0 ? "[\(done)/\(total)]" : "[\(done)]"
    }
}

/// Turns progress state and events into text; pure, so the output is tested as golden text.
public enum ProgressRenderer {
    static let timeFormatter: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "HH:mm:ss"
        return formatter
    }()

    /// The plain line for one event, after it has been applied to `state`.
    public static func eventLine(_ event: CloudFormationClient.StackEvent, state: ProgressState) -> String {
        let time = event.timestamp.map { timeFormatter.string(from: $0) } ?? "--:--:--"
        let status = event.resourceStatus ?? "?"
        var line = "\(time) \(state.counter.padded(9)) \(status.padded(22)) \((event.logicalResourceID ?? "?").padded(28)) \(event.resourceType ?? "?")"
        if let reason = event.resourceStatusReason, !reason.isEmpty, reason != "User Initiated" {
            line += "  \(reason)"
        }
        return line
    }

    /// A line worth keeping above the live view: a resource finished, failed or was skipped.
    public static func settledLine(_ event: CloudFormationClient.StackEvent) -> String? {
        guard !RootCause.isStackLevel(event), let status = event.resourceStatus, StackStatus.isResourceSettled(status) else { return nil }
        let mark = status.hasSuffix("_FAILED") ? "✗" : "✓"
        var line = "\(mark) \((event.logicalResourceID ?? "?").padded(28)) \(status.padded(22)) \(event.resourceType ?? "?")"
        if status.hasSuffix("_FAILED"), let reason = event.resourceStatusReason, !reason.isEmpty { line += "  \(reason)" }
        return line
    }

    /// The live view: a header with `[done/total]` and elapsed time, then one line per resource in progress.
    public static func liveFrame(_ state: ProgressState, now: Date, width: Int) -> [String] {
        let elapsed = formatElapsed(now.timeIntervalSince(state.startedAt))
        var lines = ["\(state.verb) \(state.stackName) \(state.counter) \(elapsed)"]
        for resource in state.inProgress {
            let since = resource.since.map { " " + formatElapsed(now.timeIntervalSince($0)) } ?? ""
            lines.append("  … \(resource.logicalID.padded(28)) \(resource.status.padded(22)) \(resource.type)\(since)")
        }
        return lines.map { truncate($0, width: width) }
    }

    /// `m:ss`, or `h:mm:ss` from an hour on.
    public static func formatElapsed(_ seconds: TimeInterval) -> String {
        let total = max(0, Int(seconds))
        let (h, m, s) = (total / 3600, (total % 3600) / 60, total % 60)
        return h > 0 ? String(format: "%d:%02d:%02d", h, m, s) : String(format: "%d:%02d", m, s)
    }

    static func truncate(_ line: String, width: Int) -> String {
        guard width > 1, line.count > width else { return line }
        return String(line.prefix(width - 1)) + "…"
    }
}

/// Shows waiting progress on the console in the chosen mode; holds the state shared with the waiter.
public actor ProgressReporter {
    let mode: ProgressMode
    let console: Console
    private(set) var state: ProgressState
    private var frameHeight = 0

    public init(mode: ProgressMode, console: Console, state: ProgressState) {
        self.mode = mode.resolved(isTerminal: console.isTerminal)
        self.console = console
        self.state = state
    }

    /// New events in chronological order.
    public func record(_ events: [CloudFormationClient.StackEvent], now: Date) {
        for event in events {
            state.apply(event)
            switch mode {
            case .events: console.line(ProgressRenderer.eventLine(event, state: state))
            case .bar:
                if let line = ProgressRenderer.settledLine(event) {
                    clearFrame()
                    console.line(line)
                }
            case .auto, .quiet: break
            }
        }
        if mode == .bar { redraw(now: now) }
    }

    /// Refreshes the elapsed time of the live view.
    public func tick(now: Date) {
        if mode == .bar { redraw(now: now) }
    }

    /// Removes the live view so the summary that follows starts on a clean line.
    public func finish() {
        clearFrame()
    }

    public func snapshot() -> ProgressState { state }

    private func redraw(now: Date) {
        clearFrame()
        let frame = ProgressRenderer.liveFrame(state, now: now, width: console.width)
        console.raw(frame.joined(separator: "\n") + "\n")
        frameHeight = frame.count
    }

    private func clearFrame() {
        guard frameHeight > 0 else { return }
        // Cursor up to the frame's first line, then erase to the end of the screen.
        console.raw("\u{1B}[\(frameHeight)F\u{1B}[J")
        frameHeight = 0
    }
}

extension String {
    func padded(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
