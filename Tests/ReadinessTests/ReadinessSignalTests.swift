import ImageryContract
import AWSCore
import Foundation
import Readiness
import Testing
import TestSupport

/// Collects log lines from the signal under test.
final class LogLines: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []
    func append(_ line: String) { lock.withLock { storage.append(line) } }
    var lines: [String] { lock.withLock { storage } }
}

@Suite(.serialized) struct ReadinessSignalTests {
    /// One loopback server plays both the instance-metadata service and CloudFormation.
    func makeServer(signalStatus: Int = 200) throws -> LoopbackServer {
        let server = try LoopbackServer()
        server.script("PUT", "/latest/api/token", [.respond(status: 200, body: "token-123")])
        server.script("GET", "/latest/meta-data/instance-id", [.respond(status: 200, body: "i-0abc123def4567890")])
        let ok = """
            <SignalResourceResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">
              <ResponseMetadata><RequestId>4af14eec-350e-11e4-b260-EXAMPLE</RequestId></ResponseMetadata>
            </SignalResourceResponse>
            """
        let error = """
            <ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">
              <Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack imagery does not exist</Message></Error>
              <RequestId>5bf14eec-350e-11e4-b260-EXAMPLE</RequestId>
            </ErrorResponse>
            """
        server.script("POST", "/", [.respond(status: signalStatus, headers: [("Content-Type", "text/xml")], body: signalStatus == 200 ? ok : error)])
        return server
    }

    func signal(_ server: LoopbackServer, environment extra: [String: String] = [:], log: LogLines) -> ReadinessSignal {
        var environment = [
            ImageryContract.Environment.stackName: "imagery", ImageryContract.Environment.signalResource: "ServerAutoScalingGroup",
            "AWS_EC2_METADATA_SERVICE_ENDPOINT": server.baseURL,
        ]
        environment.merge(extra) { $1 }
        let client = AWSClient(
            credentialProvider: StaticCredentialProvider(Credentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "secret")),
            // Standard retries: libcurl may hand us a pooled connection to an earlier test's server on a reused port.
            region: "eu-west-1", endpoints: EndpointResolver(explicitURL: server.baseURL),
            transport: CurlTransport(timeout: .seconds(5)), retry: .standard)
        return ReadinessSignal(client: client, environment: environment, transport: CurlTransport(timeout: .seconds(2)),
                               log: { log.append($0) })
    }

    func form(_ body: Data) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in String(decoding: body, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
            if parts.count == 2 { fields[parts[0]] = parts[1] }
        }
        return fields
    }

    @Test func successSendsExactlyOneCorrectSignal() async throws {
        let server = try makeServer()
        defer { server.stop() }
        let log = LogLines()
        let outcome = await signal(server, log: log).send(.success)
        #expect(outcome == .sent(instanceID: "i-0abc123def4567890"))
        let calls = server.requests(path: "/").filter { $0.method == "POST" }
        #expect(calls.count == 1)
        let fields = form(try #require(calls.first).body)
        #expect(fields["Action"] == "SignalResource")
        #expect(fields["StackName"] == "imagery")
        #expect(fields["LogicalResourceId"] == "ServerAutoScalingGroup")
        #expect(fields["UniqueId"] == "i-0abc123def4567890")
        #expect(fields["Status"] == "SUCCESS")
        // IMDSv2: the token from the PUT is presented on the metadata GET.
        let metadataReads = server.requests(path: "/latest/meta-data/instance-id")
        #expect(metadataReads.count == 1, "\(server.requests().map { "\($0.method) \($0.path) \($0.headers)" })")
        #expect(metadataReads.allSatisfy { $0.headers["x-aws-ec2-metadata-token"] == "token-123" }, "\(metadataReads.map(\.headers))")
        #expect(log.lines == ["signalled SUCCESS to imagery/ServerAutoScalingGroup for i-0abc123def4567890"])
    }

    @Test func failureIsSignalledWithTheReasonLogged() async throws {
        let server = try makeServer()
        defer { server.stop() }
        let log = LogLines()
        let outcome = await signal(server, log: log).send(.failure(reason: "table imagery-Table-X unreachable"))
        #expect(outcome == .sent(instanceID: "i-0abc123def4567890"))
        #expect(form(try #require(server.requests(path: "/").first).body)["Status"] == "FAILURE")
        #expect(log.lines.first == "startup failed: table imagery-Table-X unreachable")
    }

    @Test func outsideEC2TheSignalIsSkippedWithOneLogLine() async throws {
        let server = try makeServer()
        defer { server.stop() }
        let log = LogLines()
        let outcome = await signal(server, environment: ["AWS_EC2_METADATA_DISABLED": "true"], log: log).send(.success)
        #expect(outcome == .skipped("instance metadata disabled"))
        #expect(server.requests().isEmpty)
        #expect(log.lines == ["readiness signal skipped: instance metadata disabled (not on EC2)"])
    }

    @Test func unreachableMetadataIsSkippedNotFatal() async throws {
        let server = try makeServer()
        let closed = server.baseURL
        server.stop()
        let log = LogLines()
        let other = try makeServer()
        defer { other.stop() }
        let outcome = await signal(other, environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": closed], log: log).send(.success)
        guard case .skipped = outcome else {
            Issue.record("expected skipped, got \(outcome)")
            return
        }
        #expect(other.requests(path: "/").isEmpty)
        #expect(log.lines.count == 1)
    }

    @Test func notLaunchedByTheStackIsSkipped() async throws {
        let server = try makeServer()
        defer { server.stop() }
        let log = LogLines()
        let outcome = await signal(server, environment: [ImageryContract.Environment.stackName: ""], log: log).send(.success)
        guard case .skipped = outcome else {
            Issue.record("expected skipped, got \(outcome)")
            return
        }
        #expect(server.requests().isEmpty)
    }

    @Test func aCloudFormationErrorIsReportedNotThrown() async throws {
        let server = try makeServer(signalStatus: 400)
        defer { server.stop() }
        let log = LogLines()
        let outcome = await signal(server, log: log).send(.success)
        guard case .failed(let text) = outcome else {
            Issue.record("expected failed, got \(outcome)")
            return
        }
        #expect(text.contains("ValidationError"))
        #expect(log.lines.last?.contains("readiness signal to imagery/ServerAutoScalingGroup failed") == true)
    }

    /// What UserData's ERR trap sends: FAILURE for the given stack and resource, signed with the instance
    /// profile's credentials from IMDSv2 (a boot script has no others), in the given region.
    @Test func bootFailureSignsWithInstanceProfileCredentialsAndSendsFailure() async throws {
        let server = try makeServer()
        defer { server.stop() }
        server.script("GET", "/latest/meta-data/iam/security-credentials/", [.respond(status: 200, body: "imagery-worker-role")])
        let document = """
            {"Code": "Success", "Type": "AWS-HMAC", "AccessKeyId": "ASIAIMDSEXAMPLE", "SecretAccessKey": "imds-secret",
             "Token": "imds-session-token", "Expiration": "2099-01-01T00:00:00Z", "LastUpdated": "2026-01-01T00:00:00Z"}
            """
        server.script("GET", "/latest/meta-data/iam/security-credentials/imagery-worker-role", [.respond(status: 200, body: document)])
        let log = LogLines()
        let signal = ReadinessSignal.bootFailure(
            stackName: "imagery", logicalResourceID: "WorkerAutoScalingGroup", region: "eu-central-1",
            environment: [
                "AWS_EC2_METADATA_SERVICE_ENDPOINT": server.baseURL, "AWS_ENDPOINT_URL_CLOUDFORMATION": server.baseURL,
                "AWS_CONFIG_FILE": "/nonexistent/config", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/credentials",
            ],
            transport: CurlTransport(timeout: .seconds(5)), log: { log.append($0) })
        let outcome = await signal.send(.failure(reason: "UserData failed at line 5"))
        #expect(outcome == .sent(instanceID: "i-0abc123def4567890"))
        let calls = server.requests(path: "/").filter { $0.method == "POST" }
        #expect(calls.count == 1)
        let call = try #require(calls.first)
        let fields = form(call.body)
        #expect(fields["Action"] == "SignalResource")
        #expect(fields["StackName"] == "imagery")
        #expect(fields["LogicalResourceId"] == "WorkerAutoScalingGroup")
        #expect(fields["UniqueId"] == "i-0abc123def4567890")
        #expect(fields["Status"] == "FAILURE")
        let authorization = call.headers["authorization"] ?? ""
        #expect(authorization.contains("Credential=ASIAIMDSEXAMPLE/"), "\(authorization)")
        #expect(authorization.contains("/eu-central-1/cloudformation/aws4_request"), "\(authorization)")
        #expect(call.headers["x-amz-security-token"] == "imds-session-token")
        #expect(log.lines == [
            "startup failed: UserData failed at line 5",
            "signalled FAILURE to imagery/WorkerAutoScalingGroup for i-0abc123def4567890",
        ])
    }
}
