@testable import AWSClient
import Foundation
import Testing

/// The path of `moto_server` on PATH, or nil.
func motoServerPath() -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
    for dir in path.split(separator: ":") {
        let candidate = "\(dir)/moto_server"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
}

/// Runs moto on a free loopback port for the duration of one test.
final class MotoServer: @unchecked Sendable {
    let process = Process()
    let port: UInt16

    init(executable: String) async throws {
        let probe = try LoopbackServer()
        port = probe.port
        probe.stop()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-H", "127.0.0.1", "-p", String(port)]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let transport = URLSessionTransport(timeout: .seconds(2))
        let url = try #require(URL(string: "http://127.0.0.1:\(port)/moto-api/"))
        for _ in 0..<100 {
            if let response = try? await transport.send(HTTPRequest(method: "GET", url: url)), response.status < 500 { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        stop()
        throw TransportError(kind: .timedOut, method: "GET", url: url, detail: "moto did not start within 20s")
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// moto's server ignores SIGTERM; SIGINT stops it like Ctrl-C, SIGKILL if it lingers.
    func stop() {
        guard process.isRunning else { return }
        process.interrupt()
        for _ in 0..<50 where process.isRunning {
            Thread.sleep(forTimeInterval: 0.1)
        }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
        }
    }

    deinit { stop() }
}

let template = """
    {"AWSTemplateFormatVersion": "2010-09-09", "Description": "scratch test",
     "Parameters": {"QueueName": {"Type": "String"}},
     "Resources": {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Ref": "QueueName"}}}},
     "Outputs": {"QueueArn": {"Value": {"Fn::GetAtt": ["Queue", "Arn"]}}}}
    """

@Suite("CloudFormation and STS")
struct CloudFormationTests {
    @Test("DescribeStackEvents follows NextToken and stops at a known event")
    func eventPaging() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        func page(_ ids: [String], next: String?) -> LoopbackServer.Action {
            let members = ids.map {
                "<member><EventId>\($0)</EventId><StackName>web</StackName><LogicalResourceId>Queue</LogicalResourceId><ResourceType>AWS::SQS::Queue</ResourceType><ResourceStatus>CREATE_FAILED</ResourceStatus><ResourceStatusReason>Resource handler returned message: \"boom\"</ResourceStatusReason><Timestamp>2024-05-01T10:00:00.123Z</Timestamp></member>"
            }.joined()
            return .respond(status: 200, body: "<DescribeStackEventsResponse><DescribeStackEventsResult><StackEvents>\(members)</StackEvents>\(next.map { "<NextToken>\($0)</NextToken>" } ?? "")</DescribeStackEventsResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DescribeStackEventsResponse>")
        }
        server.script("POST", "/", [page(["e5", "e4"], next: "t1"), page(["e3", "e2"], next: "t2"), page(["e1"], next: nil)])
        let client = AWSClient(
            credentialProvider: StaticCredentialProvider(Credentials(accessKeyID: "AK", secretAccessKey: "SK")), region: "us-east-1",
            endpoints: EndpointResolver(environment: ["AWS_ENDPOINT_URL_CLOUDFORMATION": server.baseURL]),
            transport: URLSessionTransport(timeout: .seconds(5)), retry: .none)
        let events = try await CloudFormationClient(client: client).describeStackEvents(name: "web")
        #expect(events.map(\.eventID) == ["e5", "e4", "e3", "e2", "e1"])
        #expect(events.first?.resourceStatusReason == "Resource handler returned message: \"boom\"")
        #expect(events.first?.timestamp != nil)
        let bodies = server.requests().map { String(decoding: $0.body, as: UTF8.self) }
        #expect(bodies == [
            "Action=DescribeStackEvents&Version=2010-05-15&StackName=web",
            "Action=DescribeStackEvents&Version=2010-05-15&StackName=web&NextToken=t1",
            "Action=DescribeStackEvents&Version=2010-05-15&StackName=web&NextToken=t2",
        ])
    }

    @Test(
        "against moto: STS GetCallerIdentity, ValidateTemplate, CreateStack, DescribeStacks, GetTemplate, DeleteStack",
        .enabled(if: motoServerPath() != nil, "moto_server is not on PATH; install with pip install 'moto[server]'"))
    func moto() async throws {
                let moto = try await MotoServer(executable: try #require(motoServerPath()))
        defer { moto.stop() }
        let client = AWSClient(
            credentialProvider: StaticCredentialProvider(Credentials(accessKeyID: "testing", secretAccessKey: "testing")),
            region: "us-east-1", endpoints: EndpointResolver(explicitURL: moto.baseURL),
            transport: URLSessionTransport(timeout: .seconds(30)))
        let identity = try await STSClient(client: client).getCallerIdentity()
        #expect(identity.account.count == 12)
        #expect(identity.arn.hasPrefix("arn:aws:"))

        let cfn = CloudFormationClient(client: client)
        let validation = try await cfn.validateTemplate(body: template)
        // moto answers ValidateTemplate loosely (no Parameters list); real AWS lists QueueName.
        #expect(validation.parameters.isEmpty || validation.parameters == ["QueueName"])
        #expect(validation.description == "scratch test")

        let stackID = try await cfn.createStack(.init(stackName: "scratch", templateBody: template, parameters: [.init(key: "QueueName", value: "scratch-q")]))
        #expect(stackID.hasPrefix("arn:aws:cloudformation:us-east-1:"))
        let stacks = try await cfn.describeStacks(name: "scratch")
        #expect(stacks.count == 1)
        #expect(stacks.first?.status == "CREATE_COMPLETE")
        #expect(stacks.first?.outputs.first?.key == "QueueArn")
        #expect(stacks.first?.parameters["QueueName"] == "scratch-q")
        #expect(try await cfn.getTemplate(name: "scratch").contains("AWS::SQS::Queue"))
        #expect(try await cfn.describeStackResources(name: "scratch").first?.resourceType == "AWS::SQS::Queue")
        try await cfn.deleteStack(name: "scratch")

        let error = await #expect(throws: AWSError.self) { _ = try await cfn.describeStacks(name: "does-not-exist") }
        #expect(error?.code == "ValidationError")
        #expect(error?.status == 400)
        #expect(error?.description.hasPrefix("CloudFormation DescribeStacks failed: ValidationError (HTTP 400)") == true)
    }
}
