import AWSCore

/// Facts about CloudFormation stack statuses (the StackStatus enumeration of the API reference).
public enum StackStatus {
    /// An operation is running; REVIEW_IN_PROGRESS is excluded because nothing runs until a change set executes.
    public static func isInProgress(_ status: String) -> Bool {
        status.hasSuffix("_IN_PROGRESS") && status != "REVIEW_IN_PROGRESS"
    }

    /// A resource status that ends that resource's part of the operation.
    public static func isResourceSettled(_ status: String) -> Bool {
        status.hasSuffix("_COMPLETE") || status.hasSuffix("_FAILED") || status.hasSuffix("_SKIPPED")
    }
}

/// What `deploy` must do, given the stack as it stands.
public enum DeployPlan: Sendable, Equatable {
    /// No stack: CreateStack (there is nothing to preview but additions).
    case create
    /// A stable stack: a change set, previewed and then executed.
    case update
    /// A stack that cannot be updated and holds nothing worth keeping: delete it, then create.
    case recreate(reason: String)
    /// An operation is running: wait for it, then decide again.
    case waitFirst(status: String)
    /// A failed state that needs a human; the text says the way out.
    case blocked(explanation: String)

    /// Decides the plan from the current stack (`nil` when it does not exist).
    public static func decide(stackName: String, current: CloudFormationClient.Stack?) -> DeployPlan {
        guard let current, current.status != "DELETE_COMPLETE" else { return .create }
        let status = current.status
        switch status {
        case "CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "UPDATE_FAILED", "IMPORT_COMPLETE",
            "IMPORT_ROLLBACK_COMPLETE":
            return .update
        case "ROLLBACK_COMPLETE":
            return .recreate(reason: "stack \(stackName) is in ROLLBACK_COMPLETE: its creation failed and CloudFormation cannot update it, "
                + "so it is deleted and created again")
        case "REVIEW_IN_PROGRESS":
            return .recreate(reason: "stack \(stackName) is in REVIEW_IN_PROGRESS: it only holds a change set that was never executed, "
                + "so it is deleted and created again")
        case "CREATE_FAILED", "ROLLBACK_FAILED":
            return .blocked(explanation: "stack \(stackName) is in \(status): its creation failed and cleaning up did not finish. "
                + "Run `infra destroy --stack-name \(stackName)` (it reports what blocks the deletion), then deploy again.")
        case "DELETE_FAILED":
            return .blocked(explanation: "stack \(stackName) is in DELETE_FAILED: an earlier deletion could not remove every resource. "
                + "Run `infra destroy --stack-name \(stackName)` again (it empties buckets first and names what is left), then deploy.")
        case "UPDATE_ROLLBACK_FAILED":
            return .blocked(explanation: "stack \(stackName) is in UPDATE_ROLLBACK_FAILED: an update failed and so did its rollback. "
                + "Fix the resource named in `infra status --stack-name \(stackName)`, then run `aws cloudformation continue-update-rollback "
                + "--stack-name \(stackName)` (add `--resources-to-skip <LogicalId>` for resources that cannot be rolled back) and deploy again.")
        case "IMPORT_ROLLBACK_FAILED":
            return .blocked(explanation: "stack \(stackName) is in IMPORT_ROLLBACK_FAILED: a resource import failed and so did its rollback. "
                + "Fix the resource named in `infra status --stack-name \(stackName)`, then retry the import or destroy the stack.")
        default:
            if StackStatus.isInProgress(status) { return .waitFirst(status: status) }
            return .blocked(explanation: "stack \(stackName) is in \(status), which infra does not know how to continue from; "
                + "inspect it with `infra status --stack-name \(stackName)`.")
        }
    }
}
