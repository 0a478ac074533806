import AWSCore
import Deployer
import Foundation
import TestSupport

/// A clock whose sleeps advance time instantly, so a 60-minute wait takes no real time.
final class VirtualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date
    private(set) var slept: Duration = .zero

    init(start: Date = Date(timeIntervalSince1970: 1_714_557_600)) { current = start }  // 2024-05-01T10:00:00Z

    var clock: DeployClock {
        DeployClock(
            now: { [self] in lock.withLock { current } },
            sleep: { [self] duration in
                try Task.checkCancellation()
                lock.withLock {
                    current = current.addingTimeInterval(Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
                    slept += duration
                }
            })
    }
}

/// Collects what the deployer prints.
final class Transcript: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    private var answers: [Bool?]

    init(answers: [Bool?] = []) { self.answers = answers }

    var text: String { lock.withLock { lines.joined(separator: "\n") } }
    var all: [String] { lock.withLock { lines } }

    func console(terminal: Bool = false) -> Console {
        Console(
            line: { [self] line in lock.withLock { lines.append(line) } },
            raw: { [self] text in lock.withLock { lines.append(text) } },
            confirm: { [self] question in
                lock.withLock {
                    lines.append("? \(question)")
                    return answers.isEmpty ? nil : answers.removeFirst()
                }
            },
            isTerminal: terminal, width: 100)
    }
}

/// Records bucket emptying without S3 (the loopback scenarios are about CloudFormation).
final class RecordingEmptier: BucketEmptying, @unchecked Sendable {
    private let lock = NSLock()
    private(set) var buckets: [String] = []
    func emptyBucket(bucket: String) async throws -> Int {
        lock.withLock { buckets.append(bucket) }
        return 3
    }
}

/// A client for a loopback server (or moto) with test keys; retries sleep no real time.
/// The short timeout matters only for dropped connections, which libcurl sometimes reports only when it expires.
func testClient(_ endpoint: String, maxAttempts: Int = 3, timeout: Duration = .seconds(3)) -> AWSClient {
    AWSClient(
        credentialProvider: StaticCredentialProvider(Credentials(accessKeyID: "test", secretAccessKey: "test")),
        region: "us-east-1", endpoints: EndpointResolver(explicitURL: endpoint),
        transport: CurlTransport(timeout: timeout),
        retry: RetryPolicy(maxAttempts: maxAttempts, sleep: { _ in }))
}

func deployer(_ client: AWSClient, clock: VirtualClock, transcript: Transcript, progress: ProgressMode = .events,
              buckets: (any BucketEmptying)? = nil, terminal: Bool = false) -> Deployer {
    Deployer(client: client, buckets: buckets ?? S3Client(client: client), clock: clock.clock, console: transcript.console(terminal: terminal),
             progress: progress, changeSetName: { "infra-test" })
}

// MARK: AWS-shaped responses (CloudFormation API reference examples)

enum CFN {
    static let stackID = "arn:aws:cloudformation:us-east-1:123456789012:stack/imagery/aaf549a0-a413-11df-adb3-5081b3858e83"
    static let newStackID = "arn:aws:cloudformation:us-east-1:123456789012:stack/imagery/bbf549a0-a413-11df-adb3-5081b3858e84"
    static let changeSetID = "arn:aws:cloudformation:us-east-1:123456789012:changeSet/infra-test/1a2345b6-0000-00a0-a123-00abc0abc000"
    static let ns = "xmlns=\"http://cloudformation.amazonaws.com/doc/2010-05-15/\""
    static let metadata = "<ResponseMetadata><RequestId>b9b4b068-3a41-11e5-94eb-example</RequestId></ResponseMetadata>"

    static func ok(_ body: String) -> LoopbackServer.Action {
        .respond(status: 200, headers: [("Content-Type", "text/xml")], body: body)
    }

    static func error(_ code: String, _ message: String, status: Int = 400) -> LoopbackServer.Action {
        .respond(status: status, headers: [("Content-Type", "text/xml")], body: """
            <ErrorResponse \(ns)><Error><Type>Sender</Type><Code>\(code)</Code><Message>\(message)</Message></Error><RequestId>e1f2a3b4-example</RequestId></ErrorResponse>
            """)
    }

    static let missing = error("ValidationError", "Stack with id imagery does not exist")
    static let throttled = error("Throttling", "Rate exceeded")
    static let unavailable = LoopbackServer.Action.respond(status: 503, body: "Service Unavailable")

    static func stack(_ status: String, id: String = stackID, reason: String? = nil, outputs: [String: String] = [:], parameters: [String: String] = [:]) -> LoopbackServer.Action {
        let outs = outputs.sorted { $0.key < $1.key }.map { "<member><OutputKey>\($0.key)</OutputKey><OutputValue>\($0.value)</OutputValue></member>" }.joined()
        let params = parameters.sorted { $0.key < $1.key }.map { "<member><ParameterKey>\($0.key)</ParameterKey><ParameterValue>\($0.value)</ParameterValue></member>" }.joined()
        return ok("""
            <DescribeStacksResponse \(ns)><DescribeStacksResult><Stacks><member><StackName>imagery</StackName><StackId>\(id)</StackId>\
            <CreationTime>2024-05-01T09:00:00Z</CreationTime><StackStatus>\(status)</StackStatus>\(reason.map { "<StackStatusReason>\($0)</StackStatusReason>" } ?? "")\
            <DisableRollback>false</DisableRollback><Parameters>\(params)</Parameters><Outputs>\(outs)</Outputs></member></Stacks></DescribeStacksResult>\(metadata)</DescribeStacksResponse>
            """)
    }

    /// One event: (seconds after 10:00:00, logical id, type, status, reason).
    struct Event {
        var id: String
        var second: Int
        var logical: String
        var type: String
        var status: String
        var reason: String?
    }

    static func stackEvent(_ id: String, _ second: Int, _ status: String, _ reason: String? = nil) -> Event {
        Event(id: id, second: second, logical: "imagery", type: "AWS::CloudFormation::Stack", status: status, reason: reason)
    }

    static func event(_ id: String, _ second: Int, _ logical: String, _ type: String, _ status: String, _ reason: String? = nil) -> Event {
        Event(id: id, second: second, logical: logical, type: type, status: status, reason: reason)
    }

    /// DescribeStackEvents with the given events, given oldest first, sent newest first as the API does.
    static func events(_ events: [Event]) -> LoopbackServer.Action {
        let members = events.reversed().map { e in
            let time = String(format: "2024-05-01T10:%02d:%02d.%03dZ", e.second / 60, e.second % 60, 0)
            let physical = e.type == "AWS::CloudFormation::Stack" ? stackID : "imagery-\(e.logical)-1ABC"
            return "<member><StackId>\(stackID)</StackId><EventId>\(e.id)</EventId><StackName>imagery</StackName><LogicalResourceId>\(e.logical)</LogicalResourceId>"
                + "<PhysicalResourceId>\(physical)</PhysicalResourceId><ResourceType>\(e.type)</ResourceType><Timestamp>\(time)</Timestamp>"
                + "<ResourceStatus>\(e.status)</ResourceStatus>\(e.reason.map { "<ResourceStatusReason>\($0)</ResourceStatusReason>" } ?? "")</member>"
        }.joined()
        return ok("<DescribeStackEventsResponse \(ns)><DescribeStackEventsResult><StackEvents>\(members)</StackEvents></DescribeStackEventsResult>\(metadata)</DescribeStackEventsResponse>")
    }

    /// DescribeStackResources: (logical id, type, status, reason).
    static func resources(_ items: [(String, String, String, String?)]) -> LoopbackServer.Action {
        let members = items.map { item in
            "<member><StackId>\(stackID)</StackId><StackName>imagery</StackName><LogicalResourceId>\(item.0)</LogicalResourceId>"
                + "<PhysicalResourceId>imagery-\(item.0.lowercased())-1abc</PhysicalResourceId><ResourceType>\(item.1)</ResourceType>"
                + "<Timestamp>2024-05-01T10:00:00Z</Timestamp><ResourceStatus>\(item.2)</ResourceStatus>"
                + "\(item.3.map { "<ResourceStatusReason>\($0)</ResourceStatusReason>" } ?? "")</member>"
        }.joined()
        return ok("<DescribeStackResourcesResponse \(ns)><DescribeStackResourcesResult><StackResources>\(members)</StackResources></DescribeStackResourcesResult>\(metadata)</DescribeStackResourcesResponse>")
    }

    static let createStack = ok("<CreateStackResponse \(ns)><CreateStackResult><StackId>\(newStackID)</StackId></CreateStackResult>\(metadata)</CreateStackResponse>")
    static let deleteStack = ok("<DeleteStackResponse \(ns)>\(metadata)</DeleteStackResponse>")
    static let validate = ok("""
        <ValidateTemplateResponse \(ns)><ValidateTemplateResult><Description>test</Description><Parameters/><Capabilities/></ValidateTemplateResult>\(metadata)</ValidateTemplateResponse>
        """)
    static let identity = ok("""
        <GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/Alice</Arn>\
        <UserId>AKIAI44QH8DHBEXAMPLE</UserId><Account>123456789012</Account></GetCallerIdentityResult>\(metadata)</GetCallerIdentityResponse>
        """)
    static let createChangeSet = ok("<CreateChangeSetResponse \(ns)><CreateChangeSetResult><Id>\(changeSetID)</Id><StackId>\(stackID)</StackId></CreateChangeSetResult>\(metadata)</CreateChangeSetResponse>")
    static let deleteChangeSet = ok("<DeleteChangeSetResponse \(ns)><DeleteChangeSetResult/>\(metadata)</DeleteChangeSetResponse>")
    static let executeChangeSet = ok("<ExecuteChangeSetResponse \(ns)><ExecuteChangeSetResult/>\(metadata)</ExecuteChangeSetResponse>")

    /// DescribeChangeSet: status, reason, changes as (action, logical id, type, replacement).
    static func changeSet(_ status: String, reason: String? = nil, changes: [(String, String, String, String?)] = []) -> LoopbackServer.Action {
        let members = changes.map { c in
            "<member><ResourceChange><Action>\(c.0)</Action><LogicalResourceId>\(c.1)</LogicalResourceId><ResourceType>\(c.2)</ResourceType>"
                + "\(c.3.map { "<Replacement>\($0)</Replacement>" } ?? "")<Scope><member>Properties</member></Scope></ResourceChange><Type>Resource</Type></member>"
        }.joined()
        return ok("""
            <DescribeChangeSetResponse \(ns)><DescribeChangeSetResult><ChangeSetName>infra-test</ChangeSetName><ChangeSetId>\(changeSetID)</ChangeSetId>\
            <StackId>\(stackID)</StackId><StackName>imagery</StackName><Status>\(status)</Status>\(reason.map { "<StatusReason>\($0)</StatusReason>" } ?? "")\
            <ExecutionStatus>\(status == "FAILED" ? "UNAVAILABLE" : "AVAILABLE")</ExecutionStatus><Changes>\(members)</Changes></DescribeChangeSetResult>\(metadata)</DescribeChangeSetResponse>
            """)
    }
}

extension LoopbackServer {
    /// Scripts one CloudFormation or STS operation (all are POST /).
    func on(_ action: String, _ responses: [LoopbackServer.Action]) {
        script("POST", "/", action: action, responses)
    }

    /// How many requests named this operation.
    func calls(_ action: String) -> Int {
        requests().filter { LoopbackServer.operation($0) == action }.count
    }
}

/// A small template for loopback deploys.
func request(parameters: [String: String] = [:], yes: Bool = false) -> DeployRequest {
    DeployRequest(
        stackName: "imagery", templateName: "imagery-local", templateBody: "Resources: {}\n", resourceCount: 3,
        declaredParameters: [], parameters: parameters, capabilities: [], assumeYes: yes)
}
