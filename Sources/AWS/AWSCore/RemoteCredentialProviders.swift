import Foundation

/// Parses the JSON credential documents of `credential_process`, ECS and IMDS.
public enum CredentialDocument {
    /// Reads `AccessKeyId`, `SecretAccessKey`, `SessionToken`/`Token`, `Expiration` (ISO 8601).
    public static func parse(_ data: Data, source: String) throws -> Credentials {
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            // Never echo the body: it may hold a secret.
            throw CredentialError.failed(source, "response is not a JSON object (\(data.count) bytes)")
        }
        if let code = object["Code"] as? String, code != "Success" {
            throw CredentialError.failed(source, "returned Code \(code)")
        }
        guard let id = object["AccessKeyId"] as? String, !id.isEmpty else {
            throw CredentialError.failed(source, "response has no AccessKeyId")
        }
        guard let secret = object["SecretAccessKey"] as? String, !secret.isEmpty else {
            throw CredentialError.failed(source, "response has no SecretAccessKey")
        }
        let token = (object["SessionToken"] as? String) ?? (object["Token"] as? String)
        var expiration: Date?
        if let text = object["Expiration"] as? String {
            guard let date = parseISO8601(text) else {
                throw CredentialError.failed(source, "Expiration \(text.debugDescription) is not an ISO 8601 date")
            }
            expiration = date
        }
        return Credentials(accessKeyID: id, secretAccessKey: secret, sessionToken: token, expiration: expiration, source: source)
    }

    /// An ISO 8601 timestamp with or without fractional seconds (`2024-05-01T12:00:00Z`, `...00.123Z`).
    public static func parseISO8601(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }
}

/// Runs a shell command; returns exit status and output. Injected so tests can stub processes.
public typealias ProcessRunner = @Sendable (_ command: String, _ environment: [String: String]) async throws -> (status: Int32, stdout: Data, stderr: Data)

/// Runs `/bin/sh -c command` with Foundation's Process.
public let defaultProcessRunner: ProcessRunner = { command, environment in
    try await withCheckedThrowingContinuation { continuation in
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.environment = environment
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            continuation.resume(throwing: error)
            return
        }
        // Drain before waiting so a chatty process cannot fill the pipe and deadlock.
        DispatchQueue.global().async {
            let stdout = out.fileHandleForReading.readDataToEndOfFile()
            let stderr = err.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            continuation.resume(returning: (process.terminationStatus, stdout, stderr))
        }
    }
}

/// `credential_process`: runs a command that prints credential JSON (`Version: 1`).
public struct ProcessCredentialProvider: CredentialProvider {
    public let name: String
    let command: String
    let environment: [String: String]
    let runner: ProcessRunner

    public init(command: String, profile: String = "default", environment: [String: String] = [:], runner: @escaping ProcessRunner = defaultProcessRunner) {
        self.command = command
        self.environment = environment
        self.runner = runner
        self.name = "credential_process of profile '\(profile)'"
    }

    public func credentials() async throws -> Credentials {
        let result: (status: Int32, stdout: Data, stderr: Data)
        do {
            result = try await runner(command, environment)
        } catch {
            throw CredentialError.failed(name, "could not start \(command.debugDescription): \(error)")
        }
        guard result.status == 0 else {
            let stderr = String(decoding: result.stderr.prefix(500), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw CredentialError.failed(name, "\(command.debugDescription) exited with status \(result.status)\(stderr.isEmpty ? "" : ": \(stderr)")")
        }
        if let object = (try? JSONSerialization.jsonObject(with: result.stdout)) as? [String: Any] {
            let version = (object["Version"] as? Int) ?? Int((object["Version"] as? String) ?? "")
            guard version == 1 else {
                throw CredentialError.failed(name, "output has Version \(object["Version"].map { "\($0)" } ?? "missing"); only Version 1 is supported")
            }
        }
        return try CredentialDocument.parse(result.stdout, source: name)
    }
}

/// ECS/EKS container credentials from `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` or `..._FULL_URI`.
public struct ContainerCredentialProvider: CredentialProvider {
    public let name = "container credentials"
    let environment: [String: String]
    let transport: any HTTPTransport
    let timeout: Duration
    let readFile: @Sendable (String) -> String?

    public init(environment: [String: String], transport: any HTTPTransport, timeout: Duration = .seconds(2), readFile: @escaping @Sendable (String) -> String? = SharedConfig.readFile) {
        self.environment = environment
        self.transport = transport
        self.timeout = timeout
        self.readFile = readFile
    }

    /// The credentials URL, or `nil` when neither variable is set.
    public func endpoint() throws -> URL? {
        if let relative = environment["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"], !relative.isEmpty {
            guard let url = URL(string: "http://169.254.170.2" + (relative.hasPrefix("/") ? relative : "/" + relative)) else {
                throw CredentialError.failed(name, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI \(relative.debugDescription) is not a valid path")
            }
            return url
        }
        if let full = environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"], !full.isEmpty {
            guard let url = URL(string: full), let scheme = url.scheme, let host = url.host else {
                throw CredentialError.failed(name, "AWS_CONTAINER_CREDENTIALS_FULL_URI \(full.debugDescription) is not a URL")
            }
            // Plain HTTP only to addresses that cannot leave the host or task, as the SDKs require.
            let allowedHTTPHosts: Set<String> = ["127.0.0.1", "localhost", "::1", "[::1]", "169.254.170.2", "169.254.170.23", "fd00:ec2::23", "[fd00:ec2::23]"]
            if scheme == "http" && !allowedHTTPHosts.contains(host) && !host.hasPrefix("127.") {
                throw CredentialError.failed(name, "AWS_CONTAINER_CREDENTIALS_FULL_URI uses http to \(host); only loopback and the ECS/EKS agent addresses may use http")
            }
            return url
        }
        return nil
    }

    public func credentials() async throws -> Credentials {
        guard let url = try endpoint() else {
            throw CredentialError.notFound(name, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI not set")
        }
        var request = HTTPRequest(method: "GET", url: url, headers: [HTTPHeader("Accept", "application/json")], timeout: timeout)
        if let tokenFile = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"], !tokenFile.isEmpty {
            guard let token = readFile(tokenFile) else {
                throw CredentialError.failed(name, "cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE \(tokenFile)")
            }
            request.setHeader("Authorization", token.trimmingCharacters(in: .whitespacesAndNewlines))
        } else if let token = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN"], !token.isEmpty {
            request.setHeader("Authorization", token)
        }
        let response: HTTPResponse
        do {
            response = try await transport.send(request)
        } catch let error as TransportError where error.kind == .unavailable {
            throw error  // no request can be sent at all: not a credentials problem
        } catch let error as TransportError {
            throw CredentialError.failed(name, "\(error.target): \(error.kind.rawValue)")
        }
        guard response.status == 200 else {
            throw CredentialError.failed(name, "\(TransportError.redactedTarget(url)) answered HTTP \(response.status)")
        }
        return try CredentialDocument.parse(response.body, source: name)
    }
}

/// An IMDSv2 session: fetches a token with PUT, then reads metadata paths with it.
public struct InstanceMetadataClient: Sendable {
    public let endpoint: URL
    let transport: any HTTPTransport
    let timeout: Duration
    let tokenTTL: Int

    /// `nil` when `AWS_EC2_METADATA_DISABLED=true` or the endpoint override is not a URL.
    public init?(environment: [String: String], transport: any HTTPTransport, timeout: Duration = .seconds(1), tokenTTL: Int = 21600) {
        if environment["AWS_EC2_METADATA_DISABLED"]?.lowercased() == "true" { return nil }
        let raw = environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"].flatMap { $0.isEmpty ? nil : $0 } ?? "http://169.254.169.254"
        guard let url = URL(string: raw.hasSuffix("/") ? String(raw.dropLast()) : raw) else { return nil }
        self.endpoint = url
        self.transport = transport
        self.timeout = timeout
        self.tokenTTL = tokenTTL
    }

    /// Seconds as text for messages ("1s", "0.5s").
    var timeoutText: String {
        let s = timeout.timeInterval
        return s == s.rounded() ? "\(Int(s))s" : "\(s)s"
    }

    func url(_ path: String) -> URL {
        endpoint.appendingPathComponent(path.hasPrefix("/") ? String(path.dropFirst()) : path)
    }

    /// PUT /latest/api/token.
    public func token() async throws -> String {
        let request = HTTPRequest(
            method: "PUT", url: url("/latest/api/token"),
            headers: [HTTPHeader("X-aws-ec2-metadata-token-ttl-seconds", String(tokenTTL))], timeout: timeout)
        let response = try await send(request)
        guard response.status == 200 else {
            throw IMDSError(reason: "token request answered HTTP \(response.status)")
        }
        return response.bodyText.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// GET a metadata path with a token; returns the body text.
    public func get(_ path: String, token: String) async throws -> String {
        let request = HTTPRequest(method: "GET", url: url(path), headers: [HTTPHeader("X-aws-ec2-metadata-token", token)], timeout: timeout)
        let response = try await send(request)
        guard response.status == 200 else {
            throw IMDSError(reason: "GET \(path) answered HTTP \(response.status)")
        }
        return response.bodyText
    }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        do {
            return try await transport.send(request)
        } catch let error as TransportError {
            switch error.kind {
            case .timedOut: throw IMDSError(reason: "timed out after \(timeoutText)")
            case .connectionFailed: throw IMDSError(reason: "connection refused at \(endpoint.absoluteString)")
            case .unavailable: throw error  // no request can be sent at all: not "not on EC2"
            default: throw IMDSError(reason: "\(error.kind.rawValue) at \(endpoint.absoluteString)")
            }
        }
    }

    /// The instance's region from `placement/region`.
    public func region() async throws -> String {
        let token = try await token()
        return try await get("/latest/meta-data/placement/region", token: token).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Why instance metadata gave nothing.
public struct IMDSError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public var description: String { "EC2 instance metadata: \(reason)" }
}

/// EC2 instance role credentials over IMDSv2.
public struct InstanceMetadataCredentialProvider: CredentialProvider {
    public let name = "EC2 instance metadata"
    let environment: [String: String]
    let transport: any HTTPTransport
    let timeout: Duration

    public init(environment: [String: String], transport: any HTTPTransport, timeout: Duration = .seconds(1)) {
        self.environment = environment
        self.transport = transport
        self.timeout = timeout
    }

    public func credentials() async throws -> Credentials {
        guard let client = InstanceMetadataClient(environment: environment, transport: transport, timeout: timeout) else {
            throw CredentialError.notFound(name, "disabled by AWS_EC2_METADATA_DISABLED")
        }
        let base = "/latest/meta-data/iam/security-credentials/"
        do {
            let token = try await client.token()
            let roles = try await client.get(base, token: token)
            guard let role = roles.split(whereSeparator: \.isNewline).first.map({ $0.trimmingCharacters(in: .whitespaces) }), !role.isEmpty else {
                throw CredentialError.notFound(name, "no instance role attached")
            }
            let document = try await client.get(base + role, token: token)
            return try CredentialDocument.parse(Data(document.utf8), source: name)
        } catch let error as IMDSError {
            // Not being on EC2 is the common case, so this is "not found", not a failure.
            throw CredentialError.notFound(name, error.reason)
        }
    }
}
