import AWSCore
import ImageryContract
import Foundation

/// Tells CloudFormation that this instance is (or is not) ready, through `SignalResource`.
///
/// The Auto Scaling groups' CreationPolicy and rolling UpdatePolicy wait for one signal per
/// instance. The binaries send it themselves, once they can really serve (the server listens,
/// reached DynamoDB and its target group reports it healthy; the worker reached its queue), so a
/// broken image rolls back instead of passing. Failures that can heal are retried first, within a
/// budget under the CreationPolicy timeout (`ReadinessWait`).
public struct ReadinessSignal: Sendable {
    /// Which stack resource to signal, from the environment file UserData writes.
    public struct Target: Sendable, Equatable {
        public var stackName: String
        public var logicalResourceID: String

        /// `IMAGERY_STACK_NAME` and `IMAGERY_SIGNAL_RESOURCE`; `nil` when either is missing (a local run).
        public init?(environment: [String: String]) {
            guard let stack = environment[ImageryContract.Environment.stackName], !stack.isEmpty,
                  let resource = environment[ImageryContract.Environment.signalResource], !resource.isEmpty
            else { return nil }
            stackName = stack
            logicalResourceID = resource
        }
    }

    public enum Status: Sendable, Equatable {
        case success
        /// Startup failed; the reason goes to the log (SignalResource itself carries no reason).
        case failure(reason: String)

        var wireValue: String {
            switch self {
            case .success: "SUCCESS"
            case .failure: "FAILURE"
            }
        }
    }

    /// What happened to a signal.
    public enum Outcome: Sendable, Equatable {
        case sent(instanceID: String)
        /// Not on EC2 or not configured: nothing to signal.
        case skipped(String)
        /// Metadata or CloudFormation answered with an error.
        case failed(String)
    }

    let cloudFormation: CloudFormationClient
    let environment: [String: String]
    let transport: any HTTPTransport
    let log: @Sendable (String) -> Void

    /// - Parameters:
    ///   - client: an AWS client for this instance's region and role.
    ///   - environment: the process environment (target and IMDS settings).
    ///   - transport: HTTP for the instance-metadata service.
    ///   - log: one line per decision, so a person reading the journal sees what happened.
    public init(
        client: AWSClient, environment: [String: String], transport: any HTTPTransport,
        log: @escaping @Sendable (String) -> Void
    ) {
        cloudFormation = CloudFormationClient(client: client)
        self.environment = environment
        self.transport = transport
        self.log = log
    }

    /// Sends the signal once; never throws, because a failed signal must not crash a healthy service.
    @discardableResult
    public func send(_ status: Status) async -> Outcome {
        guard let target = Target(environment: environment) else {
            let outcome = Outcome.skipped("\(ImageryContract.Environment.stackName)/\(ImageryContract.Environment.signalResource) not set (not launched by the stack)")
            log("readiness signal skipped: \(ImageryContract.Environment.stackName)/\(ImageryContract.Environment.signalResource) not set (not launched by the stack)")
            return outcome
        }
        if case .failure(let reason) = status { log("startup failed: \(reason)") }
        let instanceID: String
        do {
            guard let metadata = InstanceMetadataClient(environment: environment, transport: transport) else {
                log("readiness signal skipped: instance metadata disabled (not on EC2)")
                return .skipped("instance metadata disabled")
            }
            let token = try await metadata.token()
            instanceID = try await metadata.get("/latest/meta-data/instance-id", token: token)
                .trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            log("readiness signal skipped: no instance metadata (\(error)); not on EC2")
            return .skipped("\(error)")
        }
        do {
            try await cloudFormation.signalResource(
                stackName: target.stackName, logicalResourceID: target.logicalResourceID, uniqueID: instanceID,
                status: status.wireValue)
            log("signalled \(status.wireValue) to \(target.stackName)/\(target.logicalResourceID) for \(instanceID)")
            return .sent(instanceID: instanceID)
        } catch {
            log("readiness signal to \(target.stackName)/\(target.logicalResourceID) failed: \(error)")
            return .failed("\(error)")
        }
    }
}
