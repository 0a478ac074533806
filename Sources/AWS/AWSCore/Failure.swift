import Foundation

/// How long an error from an AWS call is likely to last: the one place that decides whether to try again.
///
/// - `retryNow`: the SDK standard retry mode repeats the same request at once (after its back-off):
///   throttling, 5xx faults, a dropped or refused connection, a timeout.
/// - `mayHeal`: not worth repeating within one call, but a loop that waits for something (a worker's
///   receive loop, a readiness check, a deploy's status poll) should keep going: rejected credentials
///   (an instance role still propagating, keys being rotated), no credentials yet, a server error not
///   known to be transient, a host name that does not resolve yet.
/// - `permanent`: the request itself is wrong or can never be sent (validation, missing resource,
///   conflict, an unbuildable request, no libcurl): repeating it only repeats the refusal.
public enum FailureOutlook: Sendable, Equatable {
    case retryNow
    case mayHeal
    case permanent

    /// Classifies any error an AWS call can throw; errors from elsewhere are permanent.
    public init(_ error: any Error) {
        switch error {
        case let aws as AWSError:
            switch aws.kind {
            case .throttling, .transient: self = .retryNow
            case .authentication, .server: self = .mayHeal
            case .client: self = .permanent
            }
        case let transport as TransportError:
            switch transport.kind {
            case .connectionFailed, .connectionDropped, .timedOut, .other: self = .retryNow
            case .dnsFailure: self = .mayHeal
            case .invalidRequest, .unavailable: self = .permanent
            }
        case is NoCredentialsError, is CredentialError, is URLError:
            self = .mayHeal
        default:
            self = .permanent
        }
    }

    /// Worth trying again later, now or after waiting: anything but `permanent`.
    public var isTransient: Bool { self != .permanent }
}

/// Exponential back-off: the window doubles after each failure from `first` up to `cap`, and each delay
/// is a random part of the window as `jitter` says. The one implementation behind the SDK retries, the
/// worker's receive loop, readiness checks and the deployer's change-set polling.
public struct Backoff: Sendable {
    /// How much of the window a delay takes.
    public enum Jitter: Sendable, Equatable {
        /// The whole window: predictable waits, for a single client polling one thing.
        case none
        /// Between half and all of the window: spreads a fleet out without very short waits.
        case equal
        /// Anywhere in the window (the AWS SDKs' "full jitter"): the best spread under contention.
        case full
    }

    public var first: Duration
    public var cap: Duration
    public var jitter: Jitter
    /// Returns a number in `0..<1`; injected so tests are deterministic.
    public var random: @Sendable () -> Double
    /// Failures since the last success.
    public private(set) var failures = 0

    public init(
        first: Duration, cap: Duration, jitter: Jitter,
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.first = first
        self.cap = cap
        self.jitter = jitter
        self.random = random
    }

    /// The window after `failures` failures (0 gives `first`), never above `cap`.
    public func window(afterFailures failures: Int) -> Duration {
        min(first * (1 << min(max(failures, 0), 30)), cap)
    }

    /// The delay before retry number `retry` (1 = the first retry), without changing the count.
    public func delay(beforeRetry retry: Int) -> Duration {
        let window = window(afterFailures: retry - 1)
        let fraction = min(max(random(), 0), 1)
        switch jitter {
        case .none: return window
        case .equal: return window * (0.5 + fraction / 2)
        case .full: return window * fraction
        }
    }

    /// Counts one more failure and returns the delay to wait before the next attempt.
    public mutating func next() -> Duration {
        failures += 1
        return delay(beforeRetry: failures)
    }

    /// After a success: the next failure starts from `first` again.
    public mutating func reset() { failures = 0 }
}
