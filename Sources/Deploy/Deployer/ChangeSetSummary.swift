import AWSCore

/// What a change set would do, grouped, with the changes that need a human's confirmation.
public struct ChangeSetSummary: Sendable, Equatable {
    public var added: [CloudFormationClient.Change] = []
    public var modified: [CloudFormationClient.Change] = []
    public var removed: [CloudFormationClient.Change] = []
    /// Why confirmation is needed, one reason per risky change; empty when none is.
    public var risks: [String] = []

    public init(_ changes: [CloudFormationClient.Change]) {
        for change in changes {
            let id = change.logicalResourceID ?? "?"
            let type = change.resourceType ?? "?"
            switch change.action {
            case "Add":
                added.append(change)
                if Self.isAccessControl(type) { risks.append("\(id) (\(type)) is added: it may broaden access") }
            case "Remove":
                removed.append(change)
                risks.append("\(id) (\(type)) is removed, with its data")
            default:
                modified.append(change)
                if Self.replaces(change) {
                    let certainty = change.replacement == "Conditional" ? "may be replaced" : "is replaced"
                    risks.append("\(id) (\(type)) \(certainty): a new physical resource, the old one is deleted")
                } else if Self.isAccessControl(type) {
                    risks.append("\(id) (\(type)) changes: it may broaden access")
                }
            }
        }
    }

    public var isEmpty: Bool { added.isEmpty && modified.isEmpty && removed.isEmpty }
    public var needsConfirmation: Bool { !risks.isEmpty }

    static func replaces(_ change: CloudFormationClient.Change) -> Bool {
        change.replacement == "True" || change.replacement == "Conditional"
    }

    /// IAM entities and security-group rules: changing them can open access, so a human should look.
    static func isAccessControl(_ type: String) -> Bool {
        type.hasPrefix("AWS::IAM::") || type.hasPrefix("AWS::EC2::SecurityGroup") || type.hasSuffix("Policy")
            && (type.hasPrefix("AWS::S3::") || type.hasPrefix("AWS::SQS::") || type.hasPrefix("AWS::SNS::"))
    }

    /// The summary as printed before an update.
    public func render(stackName: String) -> [String] {
        var lines = ["Changes to stack \(stackName):"]
        func line(_ mark: String, _ change: CloudFormationClient.Change) -> String {
            var text = "  \(mark) \((change.logicalResourceID ?? "?").padded(28)) \(change.resourceType ?? "?")"
            if Self.replaces(change) { text += change.replacement == "Conditional" ? "  (may be replaced)" : "  (REPLACED)" }
            return text
        }
        lines += added.map { line("+", $0) }
        lines += modified.map { line("~", $0) }
        lines += removed.map { line("-", $0) }
        let replaced = modified.filter(Self.replaces).count
        lines.append("\(added.count) to add, \(modified.count) to change\(replaced > 0 ? " (\(replaced) replaced)" : ""), \(removed.count) to remove")
        if !risks.isEmpty {
            lines.append("Needs confirmation:")
            lines += risks.map { "  ! \($0)" }
        }
        return lines
    }
}
