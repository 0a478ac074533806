@testable import AWSCore
import Foundation
import Testing
import TestSupport

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
            transport: CurlTransport(timeout: .seconds(5)), retry: .none)
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

    @Test("against moto: STS GetCallerIdentity, ValidateTemplate, CreateStack, DescribeStacks, GetTemplate, DeleteStack")
    func moto() async throws {
        let moto = try MotoServer()
        defer { moto.stop() }
        let client = AWSClient(
            credentialProvider: StaticCredentialProvider(Credentials(accessKeyID: "testing", secretAccessKey: "testing")),
            region: "us-east-1", endpoints: EndpointResolver(explicitURL: moto.endpoint.absoluteString),
            transport: CurlTransport(timeout: .seconds(30)))
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
