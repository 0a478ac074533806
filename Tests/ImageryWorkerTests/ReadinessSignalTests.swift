import ImageryContract
import AWSCore
import Foundation
import ImageryCore
import ImageryTestSupport
import Testing
import TestSupport

/// The real binaries against moto (data plane) and a loopback server that plays the EC2 instance
/// metadata service and CloudFormation (moto has no SignalResource).
@Suite("Readiness signals from the binaries", .serialized)
struct ReadinessSignalTests {
    static func signalServer() throws -> LoopbackServer {
        let server = try LoopbackServer()
        server.script("PUT", "/latest/api/token", [.respond(status: 200, body: "token-abc")])
        server.script("GET", "/latest/meta-data/instance-id", [.respond(status: 200, body: "i-0123456789abcdef0")])
        server.script("POST", "/", [.respond(status: 200, headers: [("Content-Type", "text/xml")], body: """
            <SignalResourceResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">
              <ResponseMetadata><RequestId>4af14eec-350e-11e4-b260-EXAMPLE</RequestId></ResponseMetadata>
            </SignalResourceResponse>
            """)])
        return server
    }

    static func environment(_ stack: ImageryLocalStack, signals: LoopbackServer, resource: String) -> [String: String] {
        var environment = stack.childEnvironment
        environment[ImageryContract.Environment.stackName] = stack.name
        environment[ImageryContract.Environment.signalResource] = resource
        environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = signals.baseURL
        environment.removeValue(forKey: "AWS_EC2_METADATA_DISABLED")
        environment["AWS_ENDPOINT_URL_CLOUDFORMATION"] = signals.baseURL
        return environment
    }

    /// The form fields of every SignalResource call the loopback server received.
    static func signals(_ server: LoopbackServer) -> [[String: String]] {
        server.requests(path: "/").filter { $0.method == "POST" }.map { request in
            var fields: [String: String] = [:]
            for pair in String(decoding: request.body, as: UTF8.self).split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
                if parts.count == 2 { fields[parts[0]] = parts[1] }
            }
            return fields
        }
    }

    /// Runs a binary until it has sent one signal (or `timeout`), stops it, and returns what was sent.
    static func run(
        _ executable: URL?, arguments: [String], environment: [String: String], signals: LoopbackServer
    ) async throws -> (sent: [[String: String]], log: String) {
        let child = try WorkerProcess(executable: executable, arguments: arguments, environment: environment)
        try await eventually(timeout: .seconds(30), "a SignalResource call") { !Self.signals(signals).isEmpty }
        // Give a second signal the chance to show up, which would be a bug.
        try await Task.sleep(for: .seconds(1))
        child.signal(SIGTERM)
        _ = await child.waitForExit(timeout: .seconds(20))
        return (Self.signals(signals), child.log)
    }

    @Test func serverSignalsSuccessOnceItListensAndReachesDynamoDB() async throws {
        let stack = try await ImageryLocalStack.deploy(on: try SharedMoto.get())
        let signals = try Self.signalServer()
        defer { signals.stop() }
        var environment = Self.environment(stack, signals: signals, resource: "ServerAutoScalingGroup")
        environment[ImageryContract.Environment.port] = String(try closedLoopbackPort())
        environment[ImageryContract.Environment.host] = "127.0.0.1"
        let (sent, log) = try await Self.run(serverExecutable(), arguments: [], environment: environment, signals: signals)
        #expect(sent == [[
            "Action": "SignalResource", "Version": "2010-05-15", "StackName": stack.name,
            "LogicalResourceId": "ServerAutoScalingGroup", "UniqueId": "i-0123456789abcdef0", "Status": "SUCCESS",
        ]], "\(log)")
    }

    @Test func serverSignalsFailureWhenTheTableIsUnreachable() async throws {
        let stack = try await ImageryLocalStack.deploy(on: try SharedMoto.get())
        let signals = try Self.signalServer()
        defer { signals.stop() }
        var environment = Self.environment(stack, signals: signals, resource: "ServerAutoScalingGroup")
        environment[ImageryContract.Environment.port] = String(try closedLoopbackPort())
        environment[ImageryContract.Environment.host] = "127.0.0.1"
        environment[ImageryContract.Environment.table] = "no-such-table"
        let (sent, log) = try await Self.run(serverExecutable(), arguments: [], environment: environment, signals: signals)
        #expect(sent.map { $0["Status"] } == ["FAILURE"], "\(log)")
        #expect(log.contains("startup failed: table no-such-table is unreachable"), "\(log)")
    }

    @Test func workerSignalsSuccessOnceItReachesItsQueue() async throws {
        let stack = try await ImageryLocalStack.deploy(on: try SharedMoto.get())
        let signals = try Self.signalServer()
        defer { signals.stop() }
        let environment = Self.environment(stack, signals: signals, resource: "WorkerAutoScalingGroup")
        let (sent, log) = try await Self.run(nil, arguments: ["run"], environment: environment, signals: signals)
        #expect(sent == [[
            "Action": "SignalResource", "Version": "2010-05-15", "StackName": stack.name,
            "LogicalResourceId": "WorkerAutoScalingGroup", "UniqueId": "i-0123456789abcdef0", "Status": "SUCCESS",
        ]], "\(log)")
    }

    @Test func workerSignalsFailureWhenTheQueueIsUnreachable() async throws {
        let stack = try await ImageryLocalStack.deploy(on: try SharedMoto.get())
        let signals = try Self.signalServer()
        defer { signals.stop() }
        var environment = Self.environment(stack, signals: signals, resource: "WorkerAutoScalingGroup")
        environment[ImageryContract.Environment.queueURL] = stack.configuration.queueURL + "-missing"
        let (sent, log) = try await Self.run(nil, arguments: ["run"], environment: environment, signals: signals)
        #expect(sent.map { $0["Status"] } == ["FAILURE"], "\(log)")
        #expect(log.contains("is unreachable"), "\(log)")
    }
}
