import AWSCore

/// Finds the event that explains a failed operation.
public enum RootCause {
    /// The earliest `*_FAILED` event that is not a cancellation caused by another failure.
    ///
    /// CloudFormation cancels every sibling once one resource fails ("Resource creation cancelled"),
    /// and the stack-level event only lists the names; the first real failure is what to fix.
    /// `events` are in chronological order.
    public static func find(in events: [CloudFormationClient.StackEvent]) -> CloudFormationClient.StackEvent? {
        let failures = events.filter { ($0.resourceStatus ?? "").hasSuffix("_FAILED") && !isCancellation($0) }
        return failures.first { !isStackLevel($0) } ?? failures.first
    }

    /// Whether the event only reports being cancelled because something else failed.
    public static func isCancellation(_ event: CloudFormationClient.StackEvent) -> Bool {
        let reason = (event.resourceStatusReason ?? "").lowercased()
        return reason.contains("cancelled") || reason.contains("canceled")
    }

    /// Whether the event is about the stack itself rather than one of its resources.
    public static func isStackLevel(_ event: CloudFormationClient.StackEvent) -> Bool {
        event.resourceType == "AWS::CloudFormation::Stack" && event.logicalResourceID == event.stackName
    }

    /// One line: logical id, type, status and reason.
    public static func describe(_ event: CloudFormationClient.StackEvent) -> String {
        var text = "\(event.logicalResourceID ?? "?") (\(event.resourceType ?? "?")) \(event.resourceStatus ?? "?")"
        if let reason = event.resourceStatusReason, !reason.isEmpty { text += ": \(reason)" }
        return text
    }
}
