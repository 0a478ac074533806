import Foundation

/// The AWS SDK "standard" retry mode: capped attempts, exponential backoff with full jitter.
///
/// Delay before retry `n` (1-based) is `random() * min(maxBackoff, baseDelay * 2^(n-1))`, i.e. full
/// jitter over an exponentially growing window, as the SDKs and Tools reference guide describes
/// (base 1 s, cap 20 s). Sleep and randomness are injected so tests run instantly and deterministically.
public struct RetryPolicy: Sendable {
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxBackoff: Duration
    /// Returns a number in `0..<1`.
    public var random: @Sendable () -> Double
    public var sleep: @Sendable (Duration) async throws -> Void

    public init(
        maxAttempts: Int = 3,
        baseDelay: Duration = .seconds(1),
        maxBackoff: Duration = .seconds(20),
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxBackoff = maxBackoff
        self.random = random
        self.sleep = sleep
    }

    /// The standard mode defaults.
    public static var standard: RetryPolicy { RetryPolicy() }

    /// No retries at all (one attempt).
    public static var none: RetryPolicy { RetryPolicy(maxAttempts: 1) }

    /// Reads `AWS_MAX_ATTEMPTS` if set and valid.
    public static func standard(environment: [String: String]) -> RetryPolicy {
        var policy = RetryPolicy()
        if let text = environment["AWS_MAX_ATTEMPTS"], let n = Int(text), n > 0 { policy.maxAttempts = n }
        return policy
    }

    /// The delay before retry number `retry` (1 = first retry).
    public func delay(beforeRetry retry: Int) -> Duration {
        Backoff(first: baseDelay, cap: maxBackoff, jitter: .full, random: random).delay(beforeRetry: retry)
    }

    /// Whether the standard mode retries after this error: what `FailureOutlook` says may be retried at once.
    public static func isRetryable(_ error: any Error) -> Bool {
        FailureOutlook(error) == .retryNow
    }
}
