@testable import AWSCore
import Foundation
import Testing
import TestSupport

let noSTS: RoleAssumer = { parameters, _ in
    throw CredentialError.failed("test", "unexpected AssumeRole \(parameters.roleARN)")
}

/// A transport that answers nothing: any attempt to reach metadata fails fast.
struct RefusingTransport: HTTPTransport {
    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        throw TransportError(kind: .timedOut, method: request.method, url: request.url, detail: "test")
    }
}

@Suite("Credentials")
struct CredentialTests {
    @Test("environment provider reads keys and token")
    func environment() async throws {
        let provider = EnvironmentCredentialProvider(environment: [
            "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "SECRET", "AWS_SESSION_TOKEN": "TOKEN",
        ])
        let creds = try await provider.credentials()
        #expect(creds.accessKeyID == "AKID")
        #expect(creds.secretAccessKey == "SECRET")
        #expect(creds.sessionToken == "TOKEN")
        await #expect(throws: CredentialError.notFound("environment", "AWS_ACCESS_KEY_ID not set")) {
            try await EnvironmentCredentialProvider(environment: [:]).credentials()
        }
    }

    @Test("INI parser: profiles, comments, sub-properties")
    func iniParser() {
        let ini = INIFile.parse("""
            # comment
            [default]
            aws_access_key_id = AKDEFAULT
            aws_secret_access_key=SKDEFAULT ; trailing comment
            [profile dev]
            region = eu-west-1
            s3 =
              addressing_style = path
            ; another
            [broken
            key = ignored
            """)
        #expect(ini.sections["default"]?["aws_access_key_id"] == "AKDEFAULT")
        #expect(ini.sections["default"]?["aws_secret_access_key"] == "SKDEFAULT")
        #expect(ini.sections["profile dev"]?["region"] == "eu-west-1")
        #expect(ini.sections["profile dev"]?["s3.addressing_style"] == "path")
        #expect(ini.sections["broken"] == nil)
    }

    @Test("profile selection and credentials-file precedence over config file")
    func profileSelection() async throws {
        let config = SharedConfig(
            credentialsContents: """
                [default]
                aws_access_key_id = AKDEFAULT
                aws_secret_access_key = SKDEFAULT
                [dev]
                aws_access_key_id = AKDEVCREDS
                aws_secret_access_key = SKDEVCREDS
                """,
            configContents: """
                [profile dev]
                aws_access_key_id = AKDEVCONFIG
                aws_secret_access_key = SKDEVCONFIG
                region = eu-central-1
                [profile other]
                aws_access_key_id = AKOTHER
                aws_secret_access_key = SKOTHER
                """)
        let env = ["AWS_PROFILE": "dev"]
        let name = SharedConfig.profileName(environment: env)
        #expect(name == "dev")
        let dev = try await ProfileCredentialProvider(profile: name, config: config, assumeRole: noSTS).credentials()
        #expect(dev.accessKeyID == "AKDEVCREDS")
        #expect(config.profile("dev")?["region"] == "eu-central-1")
        let other = try await ProfileCredentialProvider(profile: "other", config: config, assumeRole: noSTS).credentials()
        #expect(other.accessKeyID == "AKOTHER")
        #expect(SharedConfig.profileName(environment: [:]) == "default")
        #expect(SharedConfig.profileName(environment: env, explicit: "cli") == "cli")
    }

    @Test("AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE name the files read")
    func filePaths() {
        let seen = LockedBox<[String]>([])
        let config = SharedConfig.load(
            environment: ["HOME": "/home/u", "AWS_CONFIG_FILE": "/etc/aws/config"],
            readFile: { path in
                seen.mutate { $0.append(path) }
                return path == "/etc/aws/config" ? "[default]\nregion = us-west-2\n" : nil
            })
        #expect(seen.value == ["/home/u/.aws/credentials", "/etc/aws/config"])
        #expect(config.profile("default")?["region"] == "us-west-2")
    }

    @Test("chain order: environment beats profile; profile used when env empty")
    func chainPrecedence() async throws {
        let config = SharedConfig(credentialsContents: "[default]\naws_access_key_id = AKFILE\naws_secret_access_key = SKFILE\n", configContents: nil)
        let withEnv = DefaultCredentials.chain(
            environment: ["AWS_ACCESS_KEY_ID": "AKENV", "AWS_SECRET_ACCESS_KEY": "SKENV", "AWS_EC2_METADATA_DISABLED": "true"],
            config: config, transport: RefusingTransport())
        #expect(try await withEnv.credentials().accessKeyID == "AKENV")
        let withoutEnv = DefaultCredentials.chain(
            environment: ["AWS_EC2_METADATA_DISABLED": "true"], config: config, transport: RefusingTransport())
        #expect(try await withoutEnv.credentials().accessKeyID == "AKFILE")
        let explicit = DefaultCredentials.chain(
            environment: ["AWS_ACCESS_KEY_ID": "AKENV", "AWS_SECRET_ACCESS_KEY": "SKENV", "AWS_EC2_METADATA_DISABLED": "true"],
            profile: "default", config: config, transport: RefusingTransport())
        #expect(try await explicit.credentials().accessKeyID == "AKFILE")
    }

    @Test("nothing found: one error listing every source and how to fix it")
    func nothingFound() async throws {
        let chain = DefaultCredentials.chain(
            environment: ["HOME": "/nonexistent"], config: SharedConfig(credentialsContents: nil, configContents: nil),
            transport: RefusingTransport())
        do {
            _ = try await chain.credentials()
            Issue.record("expected an error")
        } catch let error as NoCredentialsError {
            let text = "\(error)"
            #expect(text.hasPrefix("no AWS credentials found; tried: environment (AWS_ACCESS_KEY_ID not set), shared config profile 'default' (~/.aws/credentials, ~/.aws/config) (no profile 'default'), container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI not set), EC2 instance metadata (timed out after 1s)."))
            #expect(text.contains("Set AWS_ACCESS_KEY_ID"))
            #expect(error.attempts.count == 4)
        }
    }

    @Test("an explicitly selected missing profile stops the chain")
    func missingExplicitProfile() async throws {
        let chain = DefaultCredentials.chain(
            environment: ["AWS_PROFILE": "nope", "AWS_EC2_METADATA_DISABLED": "true"],
            config: SharedConfig(credentialsContents: "[default]\naws_access_key_id=A\naws_secret_access_key=B\n", configContents: nil),
            transport: RefusingTransport())
        let error = await #expect(throws: NoCredentialsError.self) { try await chain.credentials() }
        #expect(error?.attempts.last?.kind == .failed)
        #expect("\(error.map { "\($0)" } ?? "")".contains("profile 'nope' does not exist"))
    }

    @Test("credential_process runs a script and parses Version 1 JSON with Expiration")
    func credentialProcess() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("credproc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = dir.appendingPathComponent("creds.sh")
        try """
            #!/bin/sh
            cat <<'JSON'
            {"Version": 1, "AccessKeyId": "AKPROC", "SecretAccessKey": "SKPROC", "SessionToken": "TKPROC", "Expiration": "2030-01-02T03:04:05Z"}
            JSON
            """.write(to: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        let failing = dir.appendingPathComponent("fail.sh")
        try "#!/bin/sh\necho 'token expired, run login' >&2\nexit 3\n".write(to: failing, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: failing.path)

        let config = SharedConfig(
            credentialsContents: nil,
            configContents: "[profile proc]\ncredential_process = \(script.path)\n[profile bad]\ncredential_process = \(failing.path)\n")
        let creds = try await ProfileCredentialProvider(profile: "proc", config: config, assumeRole: noSTS).credentials()
        #expect(creds.accessKeyID == "AKPROC")
        #expect(creds.sessionToken == "TKPROC")
        #expect(creds.expiration == ISO8601DateFormatter().date(from: "2030-01-02T03:04:05Z"))
        do {
            _ = try await ProfileCredentialProvider(profile: "bad", config: config, assumeRole: noSTS).credentials()
            Issue.record("expected failure")
        } catch let error as CredentialError {
            #expect(error.kind == .failed)
            #expect(error.reason.contains("exited with status 3: token expired, run login"))
        }
    }

    @Test("role_arn + source_profile assumes the role with the source profile's keys")
    func assumeRoleProfile() async throws {
        let config = SharedConfig(
            credentialsContents: "[base]\naws_access_key_id = AKBASE\naws_secret_access_key = SKBASE\n",
            configContents: """
                [profile deploy]
                role_arn = arn:aws:iam::123456789012:role/deploy
                source_profile = base
                role_session_name = ci
                external_id = ext-1
                region = eu-west-1
                [profile loop1]
                role_arn = arn:aws:iam::1:role/a
                source_profile = loop2
                [profile loop2]
                role_arn = arn:aws:iam::1:role/b
                source_profile = loop1
                """)
        let seen = LockedBox<[String]>([])
        let assumer: RoleAssumer = { parameters, source in
            seen.mutate { $0.append("\(parameters.roleARN) \(parameters.sessionName) \(parameters.externalID ?? "-") \(parameters.region ?? "-") via \(source.accessKeyID)") }
            return Credentials(accessKeyID: "ASIAROLE", secretAccessKey: "SKROLE", sessionToken: "TKROLE", expiration: Date(timeIntervalSinceNow: 3600))
        }
        let creds = try await ProfileCredentialProvider(profile: "deploy", config: config, assumeRole: assumer).credentials()
        #expect(creds.accessKeyID == "ASIAROLE")
        #expect(seen.value == ["arn:aws:iam::123456789012:role/deploy ci ext-1 eu-west-1 via AKBASE"])
        let error = await #expect(throws: CredentialError.self) {
            try await ProfileCredentialProvider(profile: "loop1", config: config, assumeRole: assumer).credentials()
        }
        #expect(error?.reason.contains("loop") == true)
    }

    @Test("interpolating credentials never shows the secret or token")
    func redaction() {
        let creds = Credentials(accessKeyID: "AKIDVISIBLE", secretAccessKey: "TOPSECRETKEY", sessionToken: "SESSIONTOKENVALUE", expiration: Date(timeIntervalSince1970: 0))
        let text = "\(creds) \(String(reflecting: creds)) \([creds])"
        #expect(!text.contains("TOPSECRETKEY"))
        #expect(!text.contains("SESSIONTOKENVALUE"))
        #expect(text.contains("AKIDVISIBLE"))
    }
}

/// A tiny lock-protected box for collecting values from `@Sendable` closures in tests.
final class LockedBox<T>: @unchecked Sendable {
    private var stored: T
    private let lock = NSLock()
    init(_ value: T) { stored = value }
    var value: T { lock.withLock { stored } }
    func mutate(_ body: (inout T) -> Void) { lock.withLock { body(&stored) } }
}
