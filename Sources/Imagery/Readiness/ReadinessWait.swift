import AWSCore
import Foundation

/// What one readiness check found.
public enum ReadinessCheck: Sendable, Equatable {
    case ready
    /// Not yet, but it may become ready (a role still propagating, a target still registering).
    case notYet(String)
    /// It never will: stop waiting and report failure.
    case failed(String)
}

/// Repeats a check with exponential back-off until it is ready, fails for good, or the budget runs out.
///
/// The budget must stay under the Auto Scaling group's CreationPolicy timeout (PT10M): an instance
/// that never signals only fails the stack when that timeout ends, and a clear FAILURE with its
/// reason is better than silence.
public struct ReadinessWait: Sendable {
    public var budget: Duration
    public var firstDelay: Duration
    public var maxDelay: Duration
    /// Injected so tests run without waiting.
    public var sleep: @Sendable (Duration) async throws -> Void
    public var now: @Sendable () -> ContinuousClock.Instant

    public init(
        budget: Duration, firstDelay: Duration = .seconds(1), maxDelay: Duration = .seconds(30),
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
    ) {
        self.budget = budget
        self.firstDelay = firstDelay
        self.maxDelay = maxDelay
        self.sleep = sleep
        self.now = now
    }

    /// Runs `check` until it is ready (`.success`), fails, or `budget` is spent (`.failure` with the last reason).
    ///
    /// - Parameters:
    ///   - what: names the condition in log lines and the failure reason ("table imagery-Table-1 reachable").
    ///   - log: one line per unsuccessful attempt, so the journal shows what the instance waits for.
    public func run(
        _ what: String, log: @Sendable (String) -> Void, check: () async -> ReadinessCheck
    ) async -> ReadinessSignal.Status {
        let start = now()
        var backoff = Backoff(first: firstDelay, cap: maxDelay, jitter: .none)
        var attempt = 0
        while true {
            attempt += 1
            switch await check() {
            case .ready:
                return .success
            case .failed(let reason):
                return .failure(reason: reason)
            case .notYet(let reason):
                let delay = backoff.next()
                let elapsed = now() - start
                if elapsed + delay > budget {
                    return .failure(reason: "\(what): still not the case after \(attempt) attempts in \(Self.text(elapsed)): \(reason)")
                }
                log("waiting for \(what) (attempt \(attempt), next in \(Self.text(delay))): \(reason)")
                do {
                    try await sleep(delay)
                } catch {
                    return .failure(reason: "\(what): cancelled while waiting: \(reason)")
                }
            }
        }
    }

    static func text(_ duration: Duration) -> String {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return seconds == seconds.rounded() ? "\(Int(seconds)) s" : String(format: "%.1f s", seconds)
    }
}

/// Waits until a target group reports this instance healthy, through DescribeTargetHealth.
///
/// SUCCESS before that would let CloudFormation (and a rolling update) move on while the load
/// balancer still sends no traffic to the instance, or never will (wrong port, failing health check).
public struct TargetHealthCheck: Sendable {
    public let elb: ELBv2Client
    public let targetGroupARN: String
    public let instanceID: String

    public init(client: AWSClient, targetGroupARN: String, instanceID: String) {
        elb = ELBv2Client(client: client)
        self.targetGroupARN = targetGroupARN
        self.instanceID = instanceID
    }

    /// One DescribeTargetHealth: healthy is ready; any other state may still change, so it is "not yet".
    public func check() async -> ReadinessCheck {
        do {
            let targets = try await elb.describeTargetHealth(targetGroupARN: targetGroupARN, targetIDs: [instanceID])
            guard let target = targets.first(where: { $0.id == instanceID }) else {
                return .notYet("target group \(targetGroupARN) does not list \(instanceID) yet")
            }
            if target.state == "healthy" { return .ready }
            var text = "target \(instanceID) is \(target.state)"
            if let reason = target.reason { text += " (\(reason)" + (target.detail.map { ": \($0)" } ?? "") + ")" }
            return .notYet(text)
        } catch let error as AWSError where error.code == "TargetGroupNotFound" || error.code == "ValidationError" {
            return .failed("target group \(targetGroupARN) cannot be read: \(error)")
        } catch {
            // Throttling, a network fault, or the role's permissions still propagating.
            return .notYet("DescribeTargetHealth failed: \(error)")
        }
    }
}

/// The id of the EC2 instance this process runs on, from IMDSv2; `nil` when metadata is disabled (not on EC2).
public func currentInstanceID(environment: [String: String], transport: any HTTPTransport) async throws -> String? {
    guard let metadata = InstanceMetadataClient(environment: environment, transport: transport) else { return nil }
    let token = try await metadata.token()
    return try await metadata.get("/latest/meta-data/instance-id", token: token).trimmingCharacters(in: .whitespacesAndNewlines)
}
