import AWSCore
import Foundation

/// What `deploy` and `diff` submit.
public struct DeployRequest: Sendable {
    public var stackName: String
    /// `imagery` or `imagery-local`, for messages.
    public var templateName: String
    public var templateBody: String
    /// Resources in the template: the total of `[done/total]` on create.
    public var resourceCount: Int
    /// Parameter keys the template declares.
    public var declaredParameters: [String]
    /// Values given on the command line (and the AMI), by key.
    public var parameters: [String: String]
    /// CAPABILITY_IAM and the like; merged with what ValidateTemplate reports.
    public var capabilities: [String]
    /// `--yes`: no confirmation.
    public var assumeYes: Bool
    /// `false` for `--no-wait`.
    public var wait: Bool
    /// Call ValidateTemplate first; `--no-validate` skips the round trip, since CreateStack and
    /// CreateChangeSet reject an invalid template themselves before changing anything.
    public var validate: Bool = true

    public init(stackName: String, templateName: String, templateBody: String, resourceCount: Int, declaredParameters: [String],
                parameters: [String: String], capabilities: [String], assumeYes: Bool = false, wait: Bool = true) {
        self.stackName = stackName
        self.templateName = templateName
        self.templateBody = templateBody
        self.resourceCount = resourceCount
        self.declaredParameters = declaredParameters
        self.parameters = parameters
        self.capabilities = capabilities
        self.assumeYes = assumeYes
        self.wait = wait
    }
}

/// How a deploy ended (failures are thrown as `DeployError`).
public struct DeployReport: Sendable, Equatable {
    public enum Action: String, Sendable, Equatable {
        case created, updated, recreated, noChanges, started
    }
    public var action: Action
    public var stackID: String
    public var status: String
    public var outputs: [CloudFormationClient.Output]
}

/// How a destroy ended.
public enum DestroyReport: Sendable, Equatable {
    case nothingToDestroy
    case deleted(emptiedBuckets: [String: Int])
    case started
}

/// What `diff` found.
public struct DiffReport: Sendable, Equatable {
    /// `nil` when the stack does not exist yet (everything would be created).
    public var summary: ChangeSetSummary?
    /// The template as deployed (GetTemplate), `nil` for a new stack.
    public var deployedTemplate: String?
}

/// Creates, updates, deletes and watches the stack; every decision in the open, every wait through the injected clock.
public struct Deployer: Sendable {
    public var cloudFormation: CloudFormationClient
    public var sts: STSClient
    public var buckets: any BucketEmptying
    public var clock: DeployClock
    public var console: Console
    public var progress: ProgressMode
    public var waitOptions: WaitOptions
    /// Names change sets; injected so tests see stable names.
    public var changeSetName: @Sendable () -> String

    static let inlineTemplateLimit = 51_200
    static let successStatuses: Set<String> = ["CREATE_COMPLETE", "UPDATE_COMPLETE", "DELETE_COMPLETE", "IMPORT_COMPLETE"]

    public init(client: AWSClient, buckets: any BucketEmptying, clock: DeployClock = .system, console: Console,
                progress: ProgressMode = .auto, waitOptions: WaitOptions = WaitOptions(),
                changeSetName: @escaping @Sendable () -> String = { "infra-\(Int(Date().timeIntervalSince1970))" }) {
        self.cloudFormation = CloudFormationClient(client: client)
        self.sts = STSClient(client: client)
        self.buckets = buckets
        self.clock = clock
        self.console = console
        self.progress = progress
        self.waitOptions = waitOptions
        self.changeSetName = changeSetName
    }

    var region: String { cloudFormation.client.region }

    /// "account 123456789012, region eu-west-1" plus the endpoint when it is not AWS's own.
    func target(account: String) -> String {
        var text = "account \(account), region \(region)"
        if let endpoint = try? cloudFormation.client.endpoints.resolve(service: .cloudFormation, region: region), endpoint.source != "standard" {
            text += " (endpoint \(endpoint.url.absoluteString) from \(endpoint.source))"
        }
        return text
    }

    // MARK: deploy

    /// Creates the stack, or updates it through a change set, and waits unless told not to.
    public func deploy(_ request: DeployRequest) async throws -> DeployReport {
        let bytes = request.templateBody.utf8.count
        guard bytes <= Self.inlineTemplateLimit else { throw DeployError.templateTooLarge(bytes: bytes) }
        async let identity = sts.getCallerIdentity()
        async let validation = request.validate ? cloudFormation.validateTemplate(body: request.templateBody).capabilities : []
        async let described = describe(request.stackName)
        let (account, capabilities, existing) = try await (identity.account, validation, described)
        console.line("Deploying template \(request.templateName) as stack \(request.stackName) to \(target(account: account))")
        var merged = request
        merged.capabilities = Array(Set(request.capabilities + capabilities)).sorted()

        var current = existing
        for _ in 0..<5 {
            switch DeployPlan.decide(stackName: request.stackName, current: current) {
            case .create:
                return try await create(merged, action: .created)
            case .update:
                guard let current else { return try await create(merged, action: .created) }
                return try await update(merged, current: current)
            case .recreate(let reason):
                console.line(reason)
                if let current { try await deleteAndWait(current, stackName: request.stackName) }
                return try await create(merged, action: .recreated)
            case .waitFirst(let status):
                guard let stack = current else { continue }
                console.line("stack \(request.stackName) is \(status); waiting for that operation to finish first")
                let result = try await watch(stack: stack.stackID, stackName: request.stackName, verb: "Waiting for", knownEventID: nil, total: 0)
                current = result.stack
            case .blocked(let explanation):
                throw DeployError.blocked(explanation: explanation)
            }
        }
        throw DeployError.blocked(explanation: "stack \(request.stackName) kept changing state while infra waited; try again")
    }

    func create(_ request: DeployRequest, action: DeployReport.Action) async throws -> DeployReport {
        let input = CloudFormationClient.StackInput(
            stackName: request.stackName, templateBody: request.templateBody,
            parameters: request.parameters.sorted { $0.key < $1.key }.map { .init(key: $0.key, value: $0.value) },
            capabilities: request.capabilities)
        let stackID = try await cloudFormation.createStack(input)
        console.line("Creating stack \(request.stackName) (\(request.resourceCount) resources)")
        guard request.wait else {
            console.line("Not waiting (--no-wait); follow it with `infra status --wait --stack-name \(request.stackName)`")
            return DeployReport(action: .started, stackID: stackID, status: "CREATE_IN_PROGRESS", outputs: [])
        }
        let result = try await watch(stack: stackID, stackName: request.stackName, verb: "Creating", knownEventID: nil, total: request.resourceCount)
        guard result.status == "CREATE_COMPLETE" else { throw failure(request.stackName, result) }
        console.line("Stack \(request.stackName): CREATE_COMPLETE")
        return DeployReport(action: action, stackID: stackID, status: result.status, outputs: result.stack?.outputs ?? [])
    }

    /// The parameters of an update or diff: given values, and the previous value of every other key the stack already has.
    func updateParameters(_ request: DeployRequest, current: CloudFormationClient.Stack) -> [CloudFormationClient.Parameter] {
        request.declaredParameters.sorted().compactMap { key in
            if let value = request.parameters[key] { return .init(key: key, value: value) }
            if current.parameters[key] != nil { return .init(keepingPreviousValueOf: key) }
            return nil
        }
    }

    /// Creates a change set and waits until it is ready; returns its description.
    func prepareChangeSet(_ request: DeployRequest, current: CloudFormationClient.Stack) async throws -> CloudFormationClient.ChangeSet {
        // By name: moto looks change-set stacks up by name only (AWS takes either).
        let input = CloudFormationClient.StackInput(
            stackName: request.stackName, templateBody: request.templateBody,
            parameters: updateParameters(request, current: current), capabilities: request.capabilities)
        let created = try await cloudFormation.createChangeSet(
            input, changeSetName: changeSetName(), changeSetType: "UPDATE", description: "infra deploy of \(request.templateName)")
        let start = clock.now()
        var backoff = Backoff(first: .milliseconds(500), cap: .seconds(5), jitter: .none)
        while true {
            let changeSet = try await cloudFormation.describeChangeSet(name: created.id)
            if changeSet.status == "CREATE_COMPLETE" || changeSet.status == "FAILED" { return changeSet }
            if clock.now().timeIntervalSince(start) >= waitOptions.timeout.seconds {
                throw DeployError.changeSetFailed(stack: request.stackName, reason: "still \(changeSet.status) after the timeout")
            }
            try await clock.sleep(backoff.next())
        }
    }

    static func isNoChange(_ changeSet: CloudFormationClient.ChangeSet) -> Bool {
        let reason = changeSet.statusReason ?? ""
        return changeSet.status == "FAILED"
            && (reason.contains("didn't contain changes") || reason.contains("No updates are to be performed"))
    }

    func update(_ request: DeployRequest, current: CloudFormationClient.Stack) async throws -> DeployReport {
        let changeSet = try await prepareChangeSet(request, current: current)
        let changeSetID = changeSet.changeSetID ?? ""
        if Self.isNoChange(changeSet) {
            try? await cloudFormation.deleteChangeSet(name: changeSetID)
            console.line("No changes: stack \(request.stackName) is up to date (\(current.status))")
            return DeployReport(action: .noChanges, stackID: current.stackID, status: current.status, outputs: current.outputs)
        }
        guard changeSet.status == "CREATE_COMPLETE" else {
            try? await cloudFormation.deleteChangeSet(name: changeSetID)
            throw DeployError.changeSetFailed(stack: request.stackName, reason: changeSet.statusReason ?? changeSet.status)
        }
        let summary = ChangeSetSummary(changeSet.changes)
        summary.render(stackName: request.stackName).forEach(console.line)
        if summary.needsConfirmation && !request.assumeYes {
            try await confirm("Apply these changes to stack \(request.stackName)?", what: "updating stack \(request.stackName)") {
                try? await cloudFormation.deleteChangeSet(name: changeSetID)
            }
        }
        let known = try await EventFeed(client: cloudFormation.client).latestEventID(stack: current.stackID)
        try await cloudFormation.executeChangeSet(name: changeSetID)
        guard request.wait else {
            console.line("Not waiting (--no-wait); follow it with `infra status --wait --stack-name \(request.stackName)`")
            return DeployReport(action: .started, stackID: current.stackID, status: "UPDATE_IN_PROGRESS", outputs: [])
        }
        let result = try await watch(
            stack: current.stackID, stackName: request.stackName, verb: "Updating", knownEventID: known, total: changeSet.changes.count)
        guard result.status == "UPDATE_COMPLETE" else { throw failure(request.stackName, result) }
        console.line("Stack \(request.stackName): UPDATE_COMPLETE")
        return DeployReport(action: .updated, stackID: current.stackID, status: result.status, outputs: result.stack?.outputs ?? [])
    }

    /// Asks on the terminal; refuses without one. `cleanUp` runs before refusing, so nothing is left changed.
    func confirm(_ question: String, what: String, cleanUp: () async -> Void = {}) async throws {
        switch await console.confirm(question) {
        case .some(true): return
        case .some(false):
            await cleanUp()
            throw DeployError.declined(what: what)
        case .none:
            await cleanUp()
            throw DeployError.confirmationRequired(what: what)
        }
    }

    // MARK: destroy

    /// Empties the stack's buckets, deletes it, and waits for DELETE_COMPLETE by stack id.
    public func destroy(stackName: String, assumeYes: Bool, wait: Bool = true) async throws -> DestroyReport {
        guard var stack = try await describe(stackName) else {
            console.line("Nothing to destroy: stack \(stackName) does not exist in \(region)")
            return .nothingToDestroy
        }
        if StackStatus.isInProgress(stack.status) {
            console.line("stack \(stackName) is \(stack.status); waiting for that operation to finish first")
            let result = try await watch(stack: stack.stackID, stackName: stackName, verb: "Waiting for", knownEventID: nil, total: 0)
            guard let after = result.stack, after.status != "DELETE_COMPLETE" else {
                console.line("Stack \(stackName) is deleted")
                return .deleted(emptiedBuckets: [:])
            }
            stack = after
        }
        let account = try await sts.getCallerIdentity().account
        let resources = try await cloudFormation.describeStackResources(name: stack.stackID)
        console.line("Destroying stack \(stackName) (\(stack.status), \(resources.count) resources) in \(target(account: account))")
        if !assumeYes {
            try await confirm("Delete stack \(stackName) and everything in it, emptying its buckets first? This cannot be undone.",
                              what: "destroying stack \(stackName)")
        }
        var emptied: [String: Int] = [:]
        let bucketNames = resources.filter { $0.resourceType == "AWS::S3::Bucket" && $0.resourceStatus != "DELETE_COMPLETE" }
            .compactMap(\.physicalResourceID).filter { !$0.isEmpty }
        try await empty(bucketNames, into: &emptied)
        // Instances still running while the stack is deleted (workers finishing a job) can write to a bucket
        // after it was emptied; its deletion then fails with "not empty". Empty it again and retry, a few times.
        var attempt = 1
        var seen: [CloudFormationClient.StackEvent] = []  // every attempt's events, so the root cause survives retries
        while let failed = try await deleteOnce(stack, stackName: stackName, wait: wait, total: resources.count) {
            seen += failed.result.events
            let refilled = Self.nonEmptyBuckets(failed.leftBehind, events: seen)
            guard !refilled.isEmpty, attempt < Self.maxDeleteAttempts else {
                var result = failed.result
                result.events = seen
                throw failure(stackName, result, leftBehind: failed.leftBehind)
            }
            attempt += 1
            console.line("Stack \(stackName) is \(failed.result.status): bucket \(refilled.joined(separator: ", ")) was written to after it "
                + "was emptied (instances still running?); emptying it again and retrying the delete (attempt \(attempt) of \(Self.maxDeleteAttempts))")
            try await empty(refilled, into: &emptied)
        }
        guard wait else { return .started }
        console.line("Stack \(stackName) is deleted")
        return .deleted(emptiedBuckets: emptied)
    }

    /// How many times `destroy` sends DeleteStack when a bucket fills up again between emptying and deleting.
    public static let maxDeleteAttempts = 3

    /// Empties each bucket, adding what was removed to `emptied`; a bucket that is already gone is skipped.
    func empty(_ names: [String], into emptied: inout [String: Int]) async throws {
        for name in names {
            do {
                let count = try await buckets.emptyBucket(bucket: name)
                emptied[name, default: 0] += count
                console.line("Emptied bucket \(name): \(count) object version(s) and delete marker(s) removed")
            } catch let error as AWSError where error.code == "NoSuchBucket" {
                console.line("Bucket \(name) is already gone")
            }
        }
    }

    /// The buckets whose deletion failed because they were not empty, by their resource status reason or
    /// the DELETE_FAILED event ("The bucket you tried to delete is not empty", error code BucketNotEmpty).
    static func nonEmptyBuckets(_ leftBehind: [CloudFormationClient.StackResource], events: [CloudFormationClient.StackEvent]) -> [String] {
        func saysNotEmpty(_ reason: String?) -> Bool {
            guard let reason else { return false }
            return reason.contains("BucketNotEmpty") || reason.contains("is not empty")
        }
        return leftBehind.compactMap { resource in
            guard resource.resourceType == "AWS::S3::Bucket", resource.resourceStatus == "DELETE_FAILED",
                  let name = resource.physicalResourceID, !name.isEmpty else { return nil }
            let failedEvent = events.last { $0.logicalResourceID == resource.logicalResourceID && $0.resourceStatus == "DELETE_FAILED" }
            return saysNotEmpty(resource.resourceStatusReason) || saysNotEmpty(failedEvent?.resourceStatusReason) ? name : nil
        }
    }

    func deleteAndWait(_ stack: CloudFormationClient.Stack, stackName: String, wait: Bool = true, total: Int? = nil) async throws {
        if let failed = try await deleteOnce(stack, stackName: stackName, wait: wait, total: total) {
            throw failure(stackName, failed.result, leftBehind: failed.leftBehind)
        }
    }

    /// Sends DeleteStack (by stack id) and waits; returns the failed wait and the resources left behind,
    /// `nil` on DELETE_COMPLETE or when not waiting.
    func deleteOnce(
        _ stack: CloudFormationClient.Stack, stackName: String, wait: Bool, total: Int?
    ) async throws -> (result: WaitResult, leftBehind: [CloudFormationClient.StackResource])? {
        let known = try await EventFeed(client: cloudFormation.client).latestEventID(stack: stack.stackID)
        try await cloudFormation.deleteStack(name: stack.stackID)
        guard wait else {
            console.line("Deleting stack \(stackName); not waiting (--no-wait); follow it with `infra status --wait --stack-name \(stackName)`")
            return nil
        }
        let count: Int
        if let total { count = total } else { count = (try? await cloudFormation.describeStackResources(name: stack.stackID).count) ?? 0 }
        let result = try await watch(stack: stack.stackID, stackName: stackName, verb: "Deleting", knownEventID: known, total: count)
        guard result.status == "DELETE_COMPLETE" else {
            let left = (try? await cloudFormation.describeStackResources(name: stack.stackID)) ?? []
            return (result, left.filter { $0.resourceStatus != "DELETE_COMPLETE" && $0.resourceStatus != "DELETE_SKIPPED" })
        }
        return nil
    }

    // MARK: status, outputs, diff

    /// The stack as it is now, or after the operation in progress ends when `wait` is set.
    public func status(stackName: String, wait: Bool) async throws -> (stack: CloudFormationClient.Stack, resources: [CloudFormationClient.StackResource]) {
        guard var stack = try await describe(stackName) else { throw DeployError.noSuchStack(name: stackName, region: region) }
        if wait && StackStatus.isInProgress(stack.status) {
            let total = (try? await cloudFormation.describeStackResources(name: stack.stackID).count) ?? 0
            let result = try await watch(stack: stack.stackID, stackName: stackName, verb: "Waiting for", knownEventID: nil, total: total)
            guard let after = result.stack, after.status != "DELETE_COMPLETE" else {
                throw DeployError.noSuchStack(name: stackName, region: region)
            }
            if !Self.successStatuses.contains(after.status) { throw failure(stackName, result) }
            stack = after
        }
        let resources = try await cloudFormation.describeStackResources(name: stack.stackID)
        return (stack, resources)
    }

    /// The outputs of an existing stack.
    public func outputs(stackName: String) async throws -> [CloudFormationClient.Output] {
        guard let stack = try await describe(stackName) else { throw DeployError.noSuchStack(name: stackName, region: region) }
        return stack.outputs
    }

    /// What deploy would change: a change set created, described and deleted, never executed.
    public func diff(_ request: DeployRequest) async throws -> DiffReport {
        guard let current = try await describe(request.stackName), current.status != "REVIEW_IN_PROGRESS" else {
            return DiffReport(summary: nil, deployedTemplate: nil)
        }
        var merged = request
        let validation = try await cloudFormation.validateTemplate(body: request.templateBody)
        merged.capabilities = Array(Set(request.capabilities + validation.capabilities)).sorted()
        let changeSet = try await prepareChangeSet(merged, current: current)
        if let id = changeSet.changeSetID { try? await cloudFormation.deleteChangeSet(name: id) }
        if changeSet.status == "FAILED" && !Self.isNoChange(changeSet) {
            throw DeployError.changeSetFailed(stack: request.stackName, reason: changeSet.statusReason ?? "FAILED")
        }
        let deployed = try await cloudFormation.getTemplate(name: current.stackID)
        return DiffReport(summary: ChangeSetSummary(changeSet.changes), deployedTemplate: deployed)
    }

    // MARK: helpers

    /// The stack by name or id; `nil` when it does not exist.
    func describe(_ name: String) async throws -> CloudFormationClient.Stack? {
        do {
            return try await cloudFormation.describeStacks(name: name).first
        } catch let error as AWSError where Self.isMissingStack(error) {
            return nil
        }
    }

    /// DescribeStacks' way of saying "no such stack": ValidationError "Stack with id X does not exist".
    static func isMissingStack(_ error: AWSError) -> Bool {
        error.code == "ValidationError" && (error.message ?? "").contains("does not exist")
    }

    /// Waits with the progress view; Ctrl-C (task cancellation) becomes `interrupted`, leaving the stack alone.
    func watch(stack: String, stackName: String, verb: String, knownEventID: String?, total: Int) async throws -> WaitResult {
        let reporter = ProgressReporter(
            mode: progress, console: console, state: ProgressState(verb: verb, stackName: stackName, total: total, startedAt: clock.now()))
        let waiter = StackWaiter(cloudFormation: cloudFormation, clock: clock, options: waitOptions)
        do {
            return try await waiter.wait(stack: stack, stackName: stackName, knownEventID: knownEventID, reporter: reporter)
        } catch is CancellationError {
            await reporter.finish()
            throw DeployError.interrupted(stack: stackName)
        } catch {
            await reporter.finish()
            if Task.isCancelled { throw DeployError.interrupted(stack: stackName) }
            throw error
        }
    }

    func failure(_ stackName: String, _ result: WaitResult, leftBehind: [CloudFormationClient.StackResource] = []) -> DeployError {
        .stackFailed(stack: stackName, status: result.status, reason: result.statusReason, rootCause: RootCause.find(in: result.events),
                     leftBehind: leftBehind)
    }
}
