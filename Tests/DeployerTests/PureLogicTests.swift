import AWSCore
import Deployer
import Foundation
import ImageryInfrastructure
import InfraKit
import Testing

@Suite("Deployer decisions and rendering, without a network")
struct PureLogicTests {
    func stack(_ status: String) -> CloudFormationClient.Stack {
        CloudFormationClient.Stack(stackID: "id", stackName: "imagery", status: status)
    }

    @Test("which action for which stack status")
    func plans() {
        #expect(DeployPlan.decide(stackName: "imagery", current: nil) == .create)
        #expect(DeployPlan.decide(stackName: "imagery", current: stack("DELETE_COMPLETE")) == .create)
        for status in ["CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_COMPLETE"] {
            #expect(DeployPlan.decide(stackName: "imagery", current: stack(status)) == .update, "\(status)")
        }
        for status in ["ROLLBACK_COMPLETE", "REVIEW_IN_PROGRESS"] {
            guard case .recreate = DeployPlan.decide(stackName: "imagery", current: stack(status)) else {
                Issue.record("\(status) should be re-created")
                continue
            }
        }
        for status in ["CREATE_IN_PROGRESS", "UPDATE_IN_PROGRESS", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "ROLLBACK_IN_PROGRESS", "DELETE_IN_PROGRESS"] {
            #expect(DeployPlan.decide(stackName: "imagery", current: stack(status)) == .waitFirst(status: status))
        }
        guard case .blocked(let text) = DeployPlan.decide(stackName: "imagery", current: stack("UPDATE_ROLLBACK_FAILED")) else {
            Issue.record("UPDATE_ROLLBACK_FAILED should be blocked")
            return
        }
        #expect(text.contains("aws cloudformation continue-update-rollback --stack-name imagery"))
        guard case .blocked(let deleteFailed) = DeployPlan.decide(stackName: "imagery", current: stack("DELETE_FAILED")) else {
            Issue.record("DELETE_FAILED should be blocked")
            return
        }
        #expect(deleteFailed.contains("infra destroy --stack-name imagery"))
    }

    @Test("the root cause is the earliest real failure, not a cancellation or the stack-level summary")
    func rootCause() {
        let events: [CloudFormationClient.StackEvent] = [
            .init(id: "1", stack: "imagery", logicalID: "imagery", type: "AWS::CloudFormation::Stack", status: "CREATE_IN_PROGRESS"),
            .init(id: "2", stack: "imagery", logicalID: "Bucket", type: "AWS::S3::Bucket", status: "CREATE_FAILED", reason: "Resource creation cancelled"),
            .init(id: "3", stack: "imagery", logicalID: "Role", type: "AWS::IAM::Role", status: "CREATE_FAILED", reason: "Requires capabilities : [CAPABILITY_IAM]"),
            .init(id: "4", stack: "imagery", logicalID: "Table", type: "AWS::DynamoDB::Table", status: "CREATE_FAILED", reason: "later failure"),
            .init(id: "5", stack: "imagery", logicalID: "imagery", type: "AWS::CloudFormation::Stack", status: "ROLLBACK_IN_PROGRESS"),
        ]
        #expect(RootCause.find(in: events)?.eventID == "3")
        #expect(RootCause.describe(events[2]) == "Role (AWS::IAM::Role) CREATE_FAILED: Requires capabilities : [CAPABILITY_IAM]")
        #expect(RootCause.find(in: Array(events.prefix(2))) == nil)
    }

    @Test("the live view: [done/total], elapsed time, one line per resource in progress, cut to the terminal width")
    func liveFrame() {
        let start = Date(timeIntervalSince1970: 1_714_557_600)
        var state = ProgressState(verb: "Creating", stackName: "imagery", total: 5, startedAt: start)
        state.apply(.init(id: "1", stack: "imagery", logicalID: "Table", type: "AWS::DynamoDB::Table", status: "CREATE_IN_PROGRESS", timestamp: start.addingTimeInterval(2)))
        state.apply(.init(id: "2", stack: "imagery", logicalID: "SQSQueue", type: "AWS::SQS::Queue", status: "CREATE_IN_PROGRESS", timestamp: start.addingTimeInterval(3)))
        state.apply(.init(id: "3", stack: "imagery", logicalID: "SQSQueue", type: "AWS::SQS::Queue", status: "CREATE_COMPLETE", timestamp: start.addingTimeInterval(9)))
        let frame = ProgressRenderer.liveFrame(state, now: start.addingTimeInterval(75), width: 100)
        #expect(frame == [
            "Creating imagery [1/5] 1:15",
            "  … Table                        CREATE_IN_PROGRESS     AWS::DynamoDB::Table 1:13",
        ])
        #expect(ProgressRenderer.liveFrame(state, now: start, width: 20)[1] == "  … Table          …")
        #expect(ProgressRenderer.formatElapsed(3_725) == "1:02:05")
    }

    @Test("--timeout durations")
    func durations() {
        #expect(DurationParser.parse("60m") == .seconds(3600))
        #expect(DurationParser.parse("90s") == .seconds(90))
        #expect(DurationParser.parse("1h30m") == .seconds(5400))
        for bad in ["", "60", "m", "5x", "-5m", "0s"] { #expect(DurationParser.parse(bad) == nil, "\(bad)") }
    }

    @Test("Packer manifest: the last build with the region wins")
    func manifest() throws {
        let json = """
            {"builds": [
              {"name": "imagery", "artifact_id": "us-east-1:ami-0aaa,eu-west-1:ami-0bbb"},
              {"name": "imagery", "artifact_id": "eu-west-1:ami-0ccc"},
              {"name": "imagery", "artifact_id": "us-east-1:ami-0ddd"}
            ], "last_run_uuid": "x"}
            """
        #expect(try PackerManifest.latestAMI(manifest: Data(json.utf8), region: "eu-west-1") == "ami-0ccc")
        #expect(try PackerManifest.latestAMI(manifest: Data(json.utf8), region: "us-east-1") == "ami-0ddd")
        #expect(try PackerManifest.latestAMI(manifest: Data(json.utf8), region: "ap-south-1") == nil)
    }

    @Test("outputs as JSON and as KEY=value lines for the server and worker")
    func outputFormats() {
        let outputs: [CloudFormationClient.Output] = [
            .init(key: "QueueUrl", value: "https://sqs.us-east-1.amazonaws.com/1/q"), .init(key: "BucketName", value: "b"),
            .init(key: "TableName", value: "t"), .init(key: "DeadLetterQueueUrl", value: "https://sqs.us-east-1.amazonaws.com/1/d"),
        ]
        let variables = ImageryApp.environment.map { (output: $0.output, variable: $0.variable) }
        #expect(OutputsFormat.env(outputs, region: "eu-west-1", variables: variables) == """
            IMAGERY_QUEUE_URL=https://sqs.us-east-1.amazonaws.com/1/q
            IMAGERY_BUCKET=b
            IMAGERY_TABLE=t
            IMAGERY_DLQ_URL=https://sqs.us-east-1.amazonaws.com/1/d
            AWS_REGION=eu-west-1
            BucketName=b
            DeadLetterQueueUrl=https://sqs.us-east-1.amazonaws.com/1/d
            QueueUrl=https://sqs.us-east-1.amazonaws.com/1/q
            TableName=t

            """)
        #expect(OutputsFormat.json(outputs) == """
            {
              "BucketName": "b",
              "DeadLetterQueueUrl": "https://sqs.us-east-1.amazonaws.com/1/d",
              "QueueUrl": "https://sqs.us-east-1.amazonaws.com/1/q",
              "TableName": "t"
            }

            """)
    }

    @Test("on a terminal: finished resources scroll above a live frame that is erased and redrawn")
    func liveReporter() async {
        let transcript = Transcript()
        let start = Date(timeIntervalSince1970: 1_714_557_600)
        let reporter = ProgressReporter(mode: .auto, console: transcript.console(terminal: true),
                                        state: ProgressState(verb: "Creating", stackName: "imagery", total: 2, startedAt: start))
        await reporter.record([.init(id: "1", stack: "imagery", logicalID: "Table", type: "AWS::DynamoDB::Table", status: "CREATE_IN_PROGRESS", timestamp: start)],
                              now: start.addingTimeInterval(1))
        await reporter.record([.init(id: "2", stack: "imagery", logicalID: "Table", type: "AWS::DynamoDB::Table", status: "CREATE_COMPLETE", timestamp: start)],
                              now: start.addingTimeInterval(4))
        await reporter.finish()
        #expect(transcript.all == [
            "Creating imagery [0/2] 0:01\n  … Table                        CREATE_IN_PROGRESS     AWS::DynamoDB::Table 0:01\n",
            "\u{1B}[2F\u{1B}[J",
            "✓ Table                        CREATE_COMPLETE        AWS::DynamoDB::Table",
            "Creating imagery [1/2] 0:04\n",
            "\u{1B}[1F\u{1B}[J",
        ])
    }
}
