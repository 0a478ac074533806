import Foundation
import Testing
import TestSupport

/// `infra status --wait` watching an update that fails, against a loopback server that answers as
/// CloudFormation does (moto cannot fail an update part-way).
@Suite("infra status --wait")
struct StatusWaitTests {
    static let ns = "xmlns=\"http://cloudformation.amazonaws.com/doc/2010-05-15/\""
    static let metadata = "<ResponseMetadata><RequestId>c0ffee00-0000-4000-8000-example</RequestId></ResponseMetadata>"
    static let stackID = "arn:aws:cloudformation:us-east-1:123456789012:stack/imagery/aaf549a0-a413-11df-adb3-5081b3858e83"

    static func ok(_ body: String) -> LoopbackServer.Action {
        .respond(status: 200, headers: [("Content-Type", "text/xml")], body: body)
    }

    static func stack(_ status: String, reason: String? = nil) -> LoopbackServer.Action {
        ok("""
            <DescribeStacksResponse \(ns)><DescribeStacksResult><Stacks><member><StackName>imagery</StackName><StackId>\(stackID)</StackId>\
            <CreationTime>2024-05-01T09:00:00Z</CreationTime><StackStatus>\(status)</StackStatus>\
            \(reason.map { "<StackStatusReason>\($0)</StackStatusReason>" } ?? "")<Outputs/></member></Stacks>\
            </DescribeStacksResult>\(metadata)</DescribeStacksResponse>
            """)
    }

    /// Events given oldest first as (id, second, logical id, type, status, reason); sent newest first.
    static func events(_ items: [(String, Int, String, String, String, String?)]) -> LoopbackServer.Action {
        let members = items.reversed().map { item in
            "<member><StackId>\(stackID)</StackId><EventId>\(item.0)</EventId><StackName>imagery</StackName>"
                + "<LogicalResourceId>\(item.2)</LogicalResourceId><PhysicalResourceId>imagery-\(item.2)</PhysicalResourceId>"
                + "<ResourceType>\(item.3)</ResourceType><Timestamp>2024-05-01T10:00:\(String(format: "%02d", item.1)).000Z</Timestamp>"
                + "<ResourceStatus>\(item.4)</ResourceStatus>\(item.5.map { "<ResourceStatusReason>\($0)</ResourceStatusReason>" } ?? "")</member>"
        }.joined()
        return ok("<DescribeStackEventsResponse \(ns)><DescribeStackEventsResult><StackEvents>\(members)</StackEvents>"
                  + "</DescribeStackEventsResult>\(metadata)</DescribeStackEventsResponse>")
    }

    static let resources = ok("""
        <DescribeStackResourcesResponse \(ns)><DescribeStackResourcesResult><StackResources>\
        <member><StackId>\(stackID)</StackId><StackName>imagery</StackName><LogicalResourceId>Queue</LogicalResourceId>\
        <PhysicalResourceId>imagery-Queue</PhysicalResourceId><ResourceType>AWS::SQS::Queue</ResourceType>\
        <Timestamp>2024-05-01T10:00:00Z</Timestamp><ResourceStatus>UPDATE_COMPLETE</ResourceStatus></member>\
        </StackResources></DescribeStackResourcesResult>\(metadata)</DescribeStackResourcesResponse>
        """)

    @Test("an update that rolls back: events as it goes, the root cause first, exit 1")
    func failingUpdate() throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let stack = "AWS::CloudFormation::Stack", queue = "AWS::SQS::Queue", table = "AWS::DynamoDB::Table"
        let running: [(String, Int, String, String, String, String?)] = [
            ("e1", 1, "imagery", stack, "UPDATE_IN_PROGRESS", "User Initiated"),
            ("e2", 2, "Queue", queue, "UPDATE_IN_PROGRESS", nil),
        ]
        let failed = running + [
            ("e3", 3, "Table", table, "UPDATE_FAILED", "Attribute name \"Id\" is already in use"),
            ("e4", 4, "Queue", queue, "UPDATE_FAILED", "Resource update cancelled"),
            ("e5", 5, "imagery", stack, "UPDATE_ROLLBACK_IN_PROGRESS", "The following resource(s) failed to update: [Table]."),
            ("e6", 6, "Queue", queue, "UPDATE_COMPLETE", nil),
            ("e7", 7, "imagery", stack, "UPDATE_ROLLBACK_COMPLETE", nil),
        ]
        server.script("POST", "/", action: "DescribeStacks", [
            Self.stack("UPDATE_IN_PROGRESS"), Self.stack("UPDATE_IN_PROGRESS"), Self.stack("UPDATE_ROLLBACK_COMPLETE"),
        ])
        server.script("POST", "/", action: "DescribeStackResources", [Self.resources])
        server.script("POST", "/", action: "DescribeStackEvents", [Self.events(running), Self.events(failed)])

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("infra-status-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = try StackCommandTests().run(
            ["status", "--wait", "--stack-name", "imagery", "--progress", "events", "--endpoint-url", server.baseURL],
            environment: ["AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": "us-east-1"], in: dir)

        #expect(result.status == 1, "\(result.stdout)\n\(result.stderr)")
        // Events appear in order, each once, as plain lines.
        let lines = result.stdout.split(separator: "\n").map(String.init)
        let order = ["UPDATE_IN_PROGRESS", "UPDATE_FAILED", "UPDATE_ROLLBACK_IN_PROGRESS", "UPDATE_ROLLBACK_COMPLETE"]
        let positions = order.map { status in lines.firstIndex { $0.contains(" \(status) ") || $0.hasSuffix(" \(status)") } }
        #expect(positions.allSatisfy { $0 != nil }, "\(result.stdout)")
        #expect(positions.compactMap { $0 } == positions.compactMap { $0 }.sorted(), "\(result.stdout)")
        #expect(lines.filter { $0.contains("Attribute name") }.count == 1, "\(result.stdout)")
        // The root cause is the table's failure, not the cancelled queue update, and it comes before the final status.
        let error = result.stderr
        let cause = try #require(error.range(of: "root cause: Table (AWS::DynamoDB::Table) UPDATE_FAILED: Attribute name \"Id\" is already in use"), "\(error)")
        let final = try #require(error.range(of: "UPDATE_ROLLBACK_COMPLETE"), "\(error)")
        #expect(cause.lowerBound < final.lowerBound, "\(error)")
        #expect(!error.contains("Resource update cancelled"), "\(error)")
        // It only read: no operation that changes a stack was sent.
        let operations = Set(server.requests().compactMap(LoopbackServer.operation))
        #expect(operations.isSubset(of: ["DescribeStacks", "DescribeStackEvents", "DescribeStackResources"]), "\(operations)")
    }
}
