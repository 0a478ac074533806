import AWSSigner
import Foundation

/// AWS credentials with an optional expiry; descriptions never show the secret or token.
public struct Credentials: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?
    /// When temporary credentials stop working; `nil` for long-term keys.
    public var expiration: Date?
    /// Which provider produced them ("environment", "profile default", ...).
    public var source: String

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil, expiration: Date? = nil, source: String = "static") {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.expiration = expiration
        self.source = source
    }

    /// The subset the signer needs.
    public var signing: SigningCredentials {
        SigningCredentials(accessKeyID: accessKeyID, secretAccessKey: secretAccessKey, sessionToken: sessionToken)
    }

    /// Whether they expire before `now + margin`.
    public func expires(within margin: Duration, now: Date) -> Bool {
        guard let expiration else { return false }
        return expiration.timeIntervalSince(now) <= margin.timeInterval
    }

    public var description: String {
        var text = "Credentials(accessKeyID: \(accessKeyID), secretAccessKey: <redacted>"
        if sessionToken != nil { text += ", sessionToken: <redacted>" }
        if let expiration { text += ", expiration: \(ISO8601DateFormatter().string(from: expiration))" }
        return text + ", source: \(source))"
    }

    public var debugDescription: String { description }
}

/// Produces credentials; providers compose into a chain and sit behind a cache.
public protocol CredentialProvider: Sendable {
    /// Human-readable source name used in the "no credentials" error.
    var name: String { get }
    func credentials() async throws -> Credentials
}

/// One provider's failure.
public struct CredentialError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// This source is simply not configured; the chain moves on.
        case notFound
        /// This source is configured but broken; the chain stops so another identity is not used by surprise.
        case failed
    }

    public var kind: Kind
    public var source: String
    public var reason: String

    public init(_ kind: Kind, source: String, reason: String) {
        self.kind = kind
        self.source = source
        self.reason = reason
    }

    public static func notFound(_ source: String, _ reason: String) -> CredentialError { .init(.notFound, source: source, reason: reason) }
    public static func failed(_ source: String, _ reason: String) -> CredentialError { .init(.failed, source: source, reason: reason) }

    public var description: String { "\(source): \(reason)" }
}

/// The chain found nothing usable; lists every source tried and why, and how to fix it.
public struct NoCredentialsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Each source tried, in order, with the reason it gave nothing.
    public var attempts: [CredentialError]

    public var description: String {
        let stoppedAt = attempts.last.flatMap { $0.kind == .failed ? $0 : nil }
        let tried = attempts.map { "\($0.source) (\($0.reason))" }.joined(separator: ", ")
        if let stoppedAt {
            return "AWS credentials from \(stoppedAt.source) could not be loaded: \(stoppedAt.reason); tried: \(tried). "
                + "Fix that source's configuration, or unset it to fall back to the next one."
        }
        return "no AWS credentials found; tried: \(tried). "
            + "Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or configure a profile in ~/.aws/credentials or ~/.aws/config "
            + "(and select it with AWS_PROFILE or --profile), or run where a container or instance role is available."
    }
}

/// Always returns the same credentials.
public struct StaticCredentialProvider: CredentialProvider {
    public let name = "static credentials"
    let value: Credentials

    public init(_ credentials: Credentials) { self.value = credentials }

    public func credentials() async throws -> Credentials { value }
}

/// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and optional `AWS_SESSION_TOKEN` from an environment dictionary.
public struct EnvironmentCredentialProvider: CredentialProvider {
    public let name = "environment"
    let environment: [String: String]

    public init(environment: [String: String]) { self.environment = environment }

    public func credentials() async throws -> Credentials {
        func value(_ key: String) -> String? { environment[key].flatMap { $0.isEmpty ? nil : $0 } }
        let accessKey = value("AWS_ACCESS_KEY_ID")
        let secret = value("AWS_SECRET_ACCESS_KEY") ?? value("AWS_SECRET_KEY")
        switch (accessKey, secret) {
        case (nil, nil):
            throw CredentialError.notFound(name, "AWS_ACCESS_KEY_ID not set")
        case (.some, nil):
            throw CredentialError.failed(name, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not")
        case (nil, .some):
            throw CredentialError.failed(name, "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not")
        case (.some(let id), .some(let key)):
            return Credentials(accessKeyID: id, secretAccessKey: key, sessionToken: value("AWS_SESSION_TOKEN"), source: name)
        }
    }
}

/// Tries providers in order; stops at the first success or the first configured-but-broken source.
public struct CredentialProviderChain: CredentialProvider {
    public let providers: [any CredentialProvider]
    public var name: String { "chain(" + providers.map(\.name).joined(separator: ", ") + ")" }

    public init(_ providers: [any CredentialProvider]) { self.providers = providers }

    public func credentials() async throws -> Credentials {
        var attempts: [CredentialError] = []
        for provider in providers {
            do {
                return try await provider.credentials()
            } catch let error as CredentialError {
                attempts.append(error)
                if error.kind == .failed { break }
            } catch let error as NoCredentialsError {
                attempts.append(contentsOf: error.attempts)
                if error.attempts.last?.kind == .failed { break }
            } catch is CancellationError {
                throw CancellationError()
            } catch let error as TransportError where error.kind == .unavailable {
                throw error  // no source that needs HTTP can work; say so, not "no credentials"
            } catch {
                attempts.append(.failed(provider.name, "\(error)"))
                break
            }
        }
        throw NoCredentialsError(attempts: attempts)
    }
}

/// Caches credentials, refreshes temporary ones shortly before expiry, and lets concurrent callers share one refresh.
public actor CachingCredentialProvider: CredentialProvider {
    public nonisolated let name: String
    let base: any CredentialProvider
    let refreshMargin: Duration
    let now: @Sendable () -> Date
    var cached: Credentials?
    var inFlight: Task<Credentials, any Error>?
    /// How many times the wrapped provider has been asked; for tests and diagnostics.
    public private(set) var fetchCount = 0

    /// - Parameter refreshMargin: refresh this long before `expiration` (the SDKs use about 5 minutes).
    public init(_ base: any CredentialProvider, refreshMargin: Duration = .seconds(300), now: @escaping @Sendable () -> Date = { Date() }) {
        self.base = base
        self.name = base.name
        self.refreshMargin = refreshMargin
        self.now = now
    }

    public func credentials() async throws -> Credentials {
        if let cached, !cached.expires(within: refreshMargin, now: now()) {
            return cached
        }
        if let inFlight {
            return try await inFlight.value
        }
        let base = self.base
        let task = Task { try await base.credentials() }
        inFlight = task
        fetchCount += 1
        defer { inFlight = nil }
        do {
            let fresh = try await task.value
            cached = fresh
            return fresh
        } catch {
            // A failed early refresh should not break callers while the old credentials still work.
            if let cached, let expiration = cached.expiration, expiration > now() {
                return cached
            }
            throw error
        }
    }

    /// Forgets cached credentials (e.g. after the service rejected them).
    public func invalidate() {
        cached = nil
    }
}
