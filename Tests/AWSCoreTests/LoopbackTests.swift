@testable import AWSCore
import Foundation
import Testing
import TestSupport

let credentialJSON = """
    {"Code": "Success", "Type": "AWS-HMAC", "AccessKeyId": "ASIAIMDS", "SecretAccessKey": "SKIMDS", "Token": "TKIMDS", "Expiration": "2030-01-01T00:00:00Z"}
    """

/// Counts calls and returns credentials that expire at a configurable time.
actor CountingProvider: CredentialProvider {
    nonisolated let name = "counting"
    var calls = 0
    let lifetime: TimeInterval
    let now: @Sendable () -> Date
    init(lifetime: TimeInterval, now: @escaping @Sendable () -> Date) {
        self.lifetime = lifetime
        self.now = now
    }
    func credentials() async throws -> Credentials {
        calls += 1
        let n = calls
        try await Task.sleep(for: .milliseconds(50))
        return Credentials(accessKeyID: "AK\(n)", secretAccessKey: "SK", sessionToken: "T", expiration: now().addingTimeInterval(lifetime))
    }
}

@Suite("Loopback: metadata credentials, caching, retries", .serialized)
struct LoopbackTests {
    let transport = CurlTransport(timeout: .seconds(5))

    @Test("IMDSv2: token PUT with TTL, role name, credentials JSON; region")
    func imds() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        server.script("PUT", "/latest/api/token", [.respond(status: 200, body: "TOKEN123")])
        server.script("GET", "/latest/meta-data/iam/security-credentials/", [.respond(status: 200, body: "imagery-role\n")])
        server.script("GET", "/latest/meta-data/iam/security-credentials/imagery-role", [.respond(status: 200, body: credentialJSON)])
        server.script("GET", "/latest/meta-data/placement/region", [.respond(status: 200, body: "eu-north-1")])
        let env = ["AWS_EC2_METADATA_SERVICE_ENDPOINT": server.baseURL]
        // A generous timeout: the suite runs many servers at once on 2 cores.
        let creds = try await InstanceMetadataCredentialProvider(environment: env, transport: transport, timeout: .seconds(5)).credentials()
        #expect(creds.accessKeyID == "ASIAIMDS")
        #expect(creds.sessionToken == "TKIMDS")
        #expect(creds.expiration == ISO8601DateFormatter().date(from: "2030-01-01T00:00:00Z"))
        let tokenRequest = try #require(server.requests(path: "/latest/api/token").first)
        #expect(tokenRequest.headers["x-aws-ec2-metadata-token-ttl-seconds"] == "21600")
        let roleRequest = try #require(server.requests(path: "/latest/meta-data/iam/security-credentials/imagery-role").first)
        #expect(roleRequest.headers["x-aws-ec2-metadata-token"] == "TOKEN123")

        let imds = try #require(InstanceMetadataClient(environment: env, transport: transport, timeout: .seconds(5)))
        let region = try await RegionResolver.resolve(explicit: nil, environment: [:], profile: nil, imds: imds)
        #expect(region == ResolvedRegion(region: "eu-north-1", source: "EC2 instance metadata"))
        #expect(InstanceMetadataClient(environment: ["AWS_EC2_METADATA_DISABLED": "true"], transport: transport) == nil)
    }

    @Test("IMDS that never answers times out and reads as 'not found'")
    func imdsTimeout() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        server.script("PUT", "/latest/api/token", [.delay(seconds: 2, status: 200, body: "late")])
        let provider = InstanceMetadataCredentialProvider(
            environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": server.baseURL], transport: transport, timeout: .seconds(1))
        let error = await #expect(throws: CredentialError.self) { try await provider.credentials() }
        #expect(error?.kind == .notFound)
        #expect(error?.reason.contains("timed out") == true)
    }

    @Test("ECS container credentials via FULL_URI with authorization token")
    func ecs() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        server.script("GET", "/v2/credentials/abc", [.respond(status: 200, body: """
            {"AccessKeyId": "ASIAECS", "SecretAccessKey": "SKECS", "Token": "TKECS", "Expiration": "2030-06-01T00:00:00.000Z", "RoleArn": "arn:aws:iam::1:role/task"}
            """)])
        let env = [
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": "\(server.baseURL)/v2/credentials/abc",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN": "Bearer secret-token",
        ]
        let creds = try await ContainerCredentialProvider(environment: env, transport: transport).credentials()
        #expect(creds.accessKeyID == "ASIAECS")
        #expect(creds.expiration != nil)
        #expect(server.requests().first?.headers["authorization"] == "Bearer secret-token")
        let relative = ContainerCredentialProvider(environment: ["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/x"], transport: transport)
        #expect(try relative.endpoint()?.absoluteString == "http://169.254.170.2/v2/credentials/x")
        let remote = ContainerCredentialProvider(environment: ["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://example.com/creds"], transport: transport)
        #expect(throws: CredentialError.self) { try remote.endpoint() }
    }

    @Test("cache refreshes before expiry; concurrent callers share one fetch")
    func caching() async throws {
        let clock = LockedBox(Date(timeIntervalSince1970: 1_000_000))
        let now: @Sendable () -> Date = { clock.value }
        let base = CountingProvider(lifetime: 900, now: now)
        let cache = CachingCredentialProvider(base, refreshMargin: .seconds(300), now: now)
        let ids = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<20 { group.addTask { try await cache.credentials().accessKeyID } }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(Set(ids) == ["AK1"])
        #expect(await base.calls == 1)
        clock.mutate { $0.addTimeInterval(500) }  // 400 s left: still outside the 300 s margin
        #expect(try await cache.credentials().accessKeyID == "AK1")
        clock.mutate { $0.addTimeInterval(200) }  // 200 s left: refresh
        #expect(try await cache.credentials().accessKeyID == "AK2")
        #expect(await base.calls == 2)
    }

    func client(_ server: LoopbackServer, maxAttempts: Int = 3, sleeps: LockedBox<[Duration]>) -> AWSClient {
        AWSClient(
            credentialProvider: StaticCredentialProvider(Credentials(accessKeyID: "AKID", secretAccessKey: "SK")),
            region: "us-east-1",
            endpoints: EndpointResolver(environment: ["AWS_ENDPOINT_URL": server.baseURL]),
            transport: transport,
            retry: RetryPolicy(maxAttempts: maxAttempts, random: { 0.5 }, sleep: { d in sleeps.mutate { $0.append(d) } }))
    }

    @Test("throttling, then success: retried with backoff")
    func throttlingRetried() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let throttled = "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>r1</RequestId></ErrorResponse>"
        server.script("POST", "/", [
            .respond(status: 400, body: throttled),
            .respond(status: 200, body: "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/a</Arn><UserId>AID</UserId><Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>"),
        ])
        let sleeps = LockedBox<[Duration]>([])
        let identity = try await STSClient(client: client(server, sleeps: sleeps)).getCallerIdentity()
        #expect(identity.account == "123456789012")
        #expect(server.count("/") == 2)
        #expect(sleeps.value == [.milliseconds(500)])
        let auths = server.requests().compactMap { $0.headers["authorization"] }
        #expect(auths.count == 2)
        #expect(server.requests().first?.headers["host"] == "127.0.0.1:\(server.port)")
    }

    @Test("400 validation error is not retried")
    func validationNotRetried() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        server.script("POST", "/", [.respond(status: 400, body: "<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack with id x does not exist</Message></Error><RequestId>req-9</RequestId></ErrorResponse>")])
        let sleeps = LockedBox<[Duration]>([])
        let error = await #expect(throws: AWSError.self) {
            _ = try await client(server, sleeps: sleeps).query(service: .cloudFormation, action: "DescribeStacks")
        }
        #expect(error?.code == "ValidationError")
        #expect(error?.description == "CloudFormation DescribeStacks failed: ValidationError (HTTP 400): Stack with id x does not exist [request id req-9]")
        #expect(server.count("/") == 1)
        #expect(sleeps.value.isEmpty)
    }

    @Test("503 retried up to max attempts, with growing backoff")
    func unavailableRetriedToMax() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        server.script("POST", "/", [.respond(status: 503, body: "")])
        let sleeps = LockedBox<[Duration]>([])
        let error = await #expect(throws: AWSError.self) {
            _ = try await client(server, maxAttempts: 4, sleeps: sleeps).query(service: .sts, action: "GetCallerIdentity")
        }
        #expect(error?.status == 503)
        #expect(error?.kind == .transient)
        #expect(server.count("/") == 4)
        #expect(sleeps.value == [.milliseconds(500), .seconds(1), .seconds(2)])
    }

    @Test("dropped connection is retried")
    func droppedConnectionRetried() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        server.script("POST", "/", [.close, .respond(status: 200, body: "<R><GetCallerIdentityResult><Account>1</Account></GetCallerIdentityResult></R>")])
        let sleeps = LockedBox<[Duration]>([])
        let identity = try await STSClient(client: client(server, sleeps: sleeps)).getCallerIdentity()
        #expect(identity.account == "1")
        #expect(server.count("/") == 2)
        #expect(sleeps.value.count == 1)
    }

    @Test("connection refused maps to a typed transport error")
    func connectionRefused() async throws {
        let server = try LoopbackServer()
        let port = server.port
        server.stop()
        let request = HTTPRequest(method: "GET", url: try #require(URL(string: "http://127.0.0.1:\(port)/x?X-Amz-Signature=abc")))
        let error = await #expect(throws: TransportError.self) { try await transport.send(request) }
        #expect(error?.kind == .connectionFailed)
        #expect(error?.description.contains("X-Amz-Signature") == false)
    }

    @Test("file upload and download stream through the transport")
    func fileStreaming() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        server.script("PUT", "/bucket/key%20one", [.respond(status: 200)])
        server.script("GET", "/bucket/key%20one", [.respond(status: 200, body: "downloaded-bytes")])
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("stream-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = dir.appendingPathComponent("in.bin")
        try Data("upload-body".utf8).write(to: source)
        let sleeps = LockedBox<[Duration]>([])
        let s3 = client(server, sleeps: sleeps)
        _ = try await s3.restXML(operation: "PutObject", method: "PUT", bucket: "bucket", key: "key one", bodyFile: source)
        let put = try #require(server.requests(path: "/bucket/key%20one").first)
        #expect(put.body == Data("upload-body".utf8))
        #expect(put.headers["x-amz-content-sha256"] == "UNSIGNED-PAYLOAD")
        let destination = dir.appendingPathComponent("out.bin")
        _ = try await s3.restXML(operation: "GetObject", method: "GET", bucket: "bucket", key: "key one", downloadTo: destination)
        #expect(try Data(contentsOf: destination) == Data("downloaded-bytes".utf8))
    }
}
