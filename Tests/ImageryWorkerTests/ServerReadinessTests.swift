import ImageryContract
import AWSCore
import Foundation
import ImageryTestSupport
import Testing
import TestSupport

/// The server binary's readiness at first boot, against one loopback server that speaks DynamoDB
/// (JSON 1.0), the EC2 instance metadata service (IMDSv2), Elastic Load Balancing v2 and
/// CloudFormation (query protocol, XML) the way AWS does: a role still propagating and a target
/// still registering must delay the signal, not fail the stack.
@Suite("Server readiness: retries within a budget, waits for target health", .serialized)
struct ServerReadinessTests {
    static let instanceID = "i-0123456789abcdef0"
    static let targetGroup = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/imagery-LoadB-1A2B3C/73e2d6bc24d8a067"

    static let accessDenied = """
        {"__type":"com.amazon.coral.service#AccessDeniedException","Message":"User: arn:aws:sts::123456789012:assumed-role/imagery-ServerRole-1A2B/\(instanceID) \
        is not authorized to perform: dynamodb:GetItem on resource: arn:aws:dynamodb:us-east-1:123456789012:table/imagery-Table-1A2B \
        because no identity-based policy allows the dynamodb:GetItem action"}
        """

    static func targetHealth(_ state: String, reason: String?, description: String?) -> String {
        var health = "<State>\(state)</State>"
        if let reason { health += "<Reason>\(reason)</Reason>" }
        if let description { health += "<Description>\(description)</Description>" }
        return """
            <DescribeTargetHealthResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/">
              <DescribeTargetHealthResult>
                <TargetHealthDescriptions>
                  <member>
                    <HealthCheckPort>8080</HealthCheckPort>
                    <TargetHealth>\(health)</TargetHealth>
                    <Target><Port>8080</Port><Id>\(instanceID)</Id></Target>
                  </member>
                </TargetHealthDescriptions>
              </DescribeTargetHealthResult>
              <ResponseMetadata><RequestId>c534f810-f389-11e5-9192-3fff33344cfa</RequestId></ResponseMetadata>
            </DescribeTargetHealthResponse>
            """
    }

    static let signalled = """
        <SignalResourceResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">
          <ResponseMetadata><RequestId>4af14eec-350e-11e4-b260-EXAMPLE</RequestId></ResponseMetadata>
        </SignalResourceResponse>
        """

    static func aws() throws -> LoopbackServer {
        let server = try LoopbackServer()
        server.script("PUT", "/latest/api/token", [.respond(status: 200, body: "token-abc")])
        server.script("GET", "/latest/meta-data/instance-id", [.respond(status: 200, body: instanceID)])
        server.script("POST", "/", action: "SignalResource", [.respond(status: 200, headers: [("Content-Type", "text/xml")], body: signalled)])
        return server
    }

    static func environment(_ server: LoopbackServer) throws -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        for key in environment.keys where key.hasPrefix("AWS_") || key.hasPrefix("IMAGERY_") { environment.removeValue(forKey: key) }
        environment.merge([
            "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_REGION": "us-east-1", "AWS_MAX_ATTEMPTS": "1",
            "AWS_ENDPOINT_URL": server.baseURL, "AWS_EC2_METADATA_SERVICE_ENDPOINT": server.baseURL,
            ImageryContract.Environment.queueURL: "https://sqs.us-east-1.amazonaws.com/123456789012/imagery-SQSQueue-1A2B", ImageryContract.Environment.bucket: "imagery-bucket-1a2b",
            ImageryContract.Environment.table: "imagery-Table-1A2B", ImageryContract.Environment.stackName: "imagery", ImageryContract.Environment.signalResource: "ServerAutoScalingGroup",
            ImageryContract.Environment.targetGroupARN: targetGroup, ImageryContract.Environment.host: "127.0.0.1", ImageryContract.Environment.port: String(try closedLoopbackPort()),
            ImageryContract.Environment.sweepIntervalSeconds: "0",
        ]) { $1 }
        return environment
    }

    static func form(_ request: LoopbackServer.Recorded) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in String(decoding: request.body, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
            }
            if parts.count == 2 { fields[parts[0]] = parts[1] }
        }
        return fields
    }

    static func calls(_ server: LoopbackServer, _ operation: String) -> [LoopbackServer.Recorded] {
        server.requests(path: "/").filter { LoopbackServer.operation($0) == operation }
    }

    @Test("AccessDenied from DynamoDB twice (role propagating), target initial then healthy: one SUCCESS, sent only once healthy")
    func retriesThenWaitsForHealth() async throws {
        let server = try Self.aws()
        defer { server.stop() }
        let json = [("Content-Type", "application/x-amz-json-1.0")]
        server.script("POST", "/", action: "GetItem", [
            .respond(status: 400, headers: json, body: Self.accessDenied), .respond(status: 400, headers: json, body: Self.accessDenied),
            .respond(status: 200, headers: json, body: "{}"),
        ])
        server.script("POST", "/", action: "DescribeTargetHealth", [
            .respond(status: 200, headers: [("Content-Type", "text/xml")],
                     body: Self.targetHealth("initial", reason: "Elb.RegistrationInProgress", description: "Target registration is in progress")),
            .respond(status: 200, headers: [("Content-Type", "text/xml")], body: Self.targetHealth("healthy", reason: nil, description: nil)),
        ])
        let child = try WorkerProcess(executable: try serverExecutable(), arguments: [], environment: try Self.environment(server))
        try await eventually(timeout: .seconds(40), "a SignalResource call") { !Self.calls(server, "SignalResource").isEmpty }
        try await Task.sleep(for: .seconds(1))
        child.signal(SIGTERM)
        _ = await child.waitForExit(timeout: .seconds(20))
        let log = child.log

        let signals = Self.calls(server, "SignalResource").map(Self.form)
        #expect(signals.map { $0["Status"] } == ["SUCCESS"], "\(log)")
        #expect(signals.first?["UniqueId"] == Self.instanceID)
        #expect(Self.calls(server, "GetItem").count == 3, "\(log)")
        let health = Self.calls(server, "DescribeTargetHealth").map(Self.form)
        #expect(health.count == 2, "\(log)")
        #expect(health.first?["TargetGroupArn"] == Self.targetGroup)
        #expect(health.first?["Targets.member.1.Id"] == Self.instanceID)
        #expect(health.first?["Version"] == "2015-12-01")
        // The signal came after the last health check, never before.
        let order = server.requests(path: "/").compactMap { LoopbackServer.operation($0) }
        #expect(order.lastIndex(of: "DescribeTargetHealth").map { $0 < (order.firstIndex(of: "SignalResource") ?? -1) } == true, "\(order)")
        #expect(log.contains("waiting for table imagery-Table-1A2B reachable"), "\(log)")
        #expect(log.contains("Elb.RegistrationInProgress"), "\(log)")
    }
}

/// The worker at first boot: AccessDenied on ReceiveMessage while its role propagates must not fail the stack.
@Suite("Worker readiness: transient failures within a budget", .serialized)
struct WorkerReadinessTests {
    static let accessDenied = """
        {"__type":"com.amazon.coral.service#AccessDeniedException","Message":"User: arn:aws:sts::123456789012:assumed-role/imagery-WorkerRole-1A2B/\
        i-0123456789abcdef0 is not authorized to perform: sqs:receivemessage on resource: arn:aws:sqs:us-east-1:123456789012:imagery-SQSQueue-1A2B \
        because no identity-based policy allows the sqs:receivemessage action"}
        """

    @Test("AccessDenied on ReceiveMessage three times, then the queue answers: one SUCCESS, no FAILURE")
    func propagatingRoleThenSuccess() async throws {
        let server = try ServerReadinessTests.aws()
        defer { server.stop() }
        let json = [("Content-Type", "application/x-amz-json-1.0"), ("x-amzn-query-error", "AccessDenied;Sender")]
        server.script("POST", "/", action: "ReceiveMessage", [
            .respond(status: 400, headers: json, body: Self.accessDenied), .respond(status: 400, headers: json, body: Self.accessDenied),
            .respond(status: 400, headers: json, body: Self.accessDenied), .respond(status: 400, headers: json, body: Self.accessDenied),
            .respond(status: 200, headers: [("Content-Type", "application/x-amz-json-1.0")], body: "{}"),
        ])
        var environment = try ServerReadinessTests.environment(server)
        environment[ImageryContract.Environment.signalResource] = "WorkerAutoScalingGroup"
        environment[ImageryContract.Environment.waitTimeSeconds] = "0"
        environment[ImageryContract.Environment.backoffMilliseconds] = "50"
        let child = try WorkerProcess(executable: try workerExecutable(), arguments: ["run"], environment: environment)
        try await eventually(timeout: .seconds(30), "a SignalResource call") { !ServerReadinessTests.calls(server, "SignalResource").isEmpty }
        try await Task.sleep(for: .seconds(1))
        child.signal(SIGTERM)
        _ = await child.waitForExit(timeout: .seconds(20))
        let signals = ServerReadinessTests.calls(server, "SignalResource").map(ServerReadinessTests.form)
        #expect(signals.map { $0["Status"] } == ["SUCCESS"], "\(child.log)")
        #expect(ServerReadinessTests.calls(server, "ReceiveMessage").count >= 5, "\(child.log)")
    }
}
