import AWSCore

/// What went wrong in a deployer operation, with the way out; the CLI turns it into text and an exit code.
public enum DeployError: Error, Sendable, CustomStringConvertible {
    /// `--parameter` was not `Key=Value`.
    case malformedParameter(String)
    /// `--parameter` names a key the template does not declare.
    case unknownParameter(key: String, template: String, known: [String])
    /// The template is over the inline TemplateBody limit.
    case templateTooLarge(bytes: Int)
    /// `status`, `outputs`, `diff` of a stack that does not exist.
    case noSuchStack(name: String, region: String)
    /// The stack is in a state deploy cannot continue from.
    case blocked(explanation: String)
    /// A change set could not be created for a reason other than "no changes".
    case changeSetFailed(stack: String, reason: String)
    /// Confirmation was needed and there is no terminal to ask on.
    case confirmationRequired(what: String)
    /// The user answered no.
    case declined(what: String)
    /// The operation ended in a failure state.
    case stackFailed(stack: String, status: String, reason: String?, rootCause: CloudFormationClient.StackEvent?,
                     leftBehind: [CloudFormationClient.StackResource])
    /// `--timeout` passed; the stack keeps going.
    case timedOut(stack: String, status: String, waited: Duration)
    /// Ctrl-C while waiting; the stack keeps going.
    case interrupted(stack: String)

    /// 1 for failures, 130 for Ctrl-C (the shell's convention for SIGINT).
    public var exitCode: Int32 {
        if case .interrupted = self { return 130 }
        return 1
    }

    public var description: String {
        switch self {
        case .malformedParameter(let text):
            return "--parameter \(text.debugDescription) is not Key=Value; write it as --parameter InstanceType=t3.small"
        case .unknownParameter(let key, let template, let known):
            let list = known.isEmpty ? "it declares none" : "it declares \(known.joined(separator: ", "))"
            return "--parameter \(key): template \(template) has no parameter \(key) (\(list)); remove it or fix the name"
        case .templateTooLarge(let bytes):
            return "the template is \(bytes) bytes, over CloudFormation's 51,200-byte limit for an inline template body; "
                + "make it smaller (fewer or nested resources)"
        case .noSuchStack(let name, let region):
            return "stack \(name) does not exist in \(region); create it with `infra deploy --stack-name \(name)`"
        case .blocked(let explanation):
            return explanation
        case .changeSetFailed(let stack, let reason):
            return "CloudFormation could not prepare the update of \(stack): \(reason)"
        case .confirmationRequired(let what):
            return "\(what) needs confirmation and there is no terminal to ask on; re-run with --yes to go ahead"
        case .declined(let what):
            return "\(what): not confirmed, nothing changed"
        case .stackFailed(let stack, let status, let reason, let rootCause, let leftBehind):
            var lines: [String] = []
            if let rootCause {
                lines.append("root cause: \(RootCause.describe(rootCause))")
            }
            lines.append("stack \(stack) ended in \(status)\(reason.map { ": \($0)" } ?? "")")
            if !leftBehind.isEmpty {
                lines.append("resources left behind:")
                lines += leftBehind.map {
                    "  \($0.logicalResourceID) (\($0.resourceType)) \($0.physicalResourceID ?? "-") \($0.resourceStatus)"
                        + ($0.resourceStatusReason.map { ": \($0)" } ?? "")
                }
            }
            lines.append(Self.wayOut(stack: stack, status: status))
            return lines.joined(separator: "\n")
        case .timedOut(let stack, let status, let waited):
            return "stopped waiting after \(ProgressRenderer.formatElapsed(waited.seconds)); stack \(stack) is still \(status) "
                + "and was not cancelled. Follow it with `infra status --wait --stack-name \(stack)`"
        case .interrupted(let stack):
            return "stopped waiting; stack \(stack) was left alone and its operation continues. "
                + "Resume watching with `infra status --wait --stack-name \(stack)`"
        }
    }

    static func wayOut(stack: String, status: String) -> String {
        switch status {
        case "ROLLBACK_COMPLETE":
            return "fix the root cause and run `infra deploy` again: it deletes the failed stack and creates it anew"
        case "UPDATE_ROLLBACK_COMPLETE":
            return "the stack is back as it was; fix the root cause and run `infra deploy` again"
        case "DELETE_FAILED":
            return "remove or empty what blocks the deletion, then run `infra destroy --stack-name \(stack)` again"
        default:
            return "inspect it with `infra status --stack-name \(stack)`"
        }
    }
}
