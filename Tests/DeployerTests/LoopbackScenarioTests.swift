import AWSCore
import Deployer
import Foundation
import Testing
import TestSupport

/// What moto cannot produce, against a loopback server that answers like CloudFormation, in scripted sequences.
@Suite("Deployer against scripted CloudFormation")
struct LoopbackScenarioTests {
    typealias E = CFN.Event

    static let createEvents: [[E]] = {
        let start = [CFN.stackEvent("e1", 0, "CREATE_IN_PROGRESS", "User Initiated")]
        let second = start + [
            CFN.event("e2", 1, "Table", "AWS::DynamoDB::Table", "CREATE_IN_PROGRESS"),
            CFN.event("e3", 1, "SQSDLQueue", "AWS::SQS::Queue", "CREATE_IN_PROGRESS"),
            CFN.event("e4", 2, "SQSDLQueue", "AWS::SQS::Queue", "CREATE_IN_PROGRESS", "Resource creation Initiated"),
        ]
        let third = second + [
            CFN.event("e5", 3, "SQSDLQueue", "AWS::SQS::Queue", "CREATE_COMPLETE"),
            CFN.event("e6", 3, "SQSQueue", "AWS::SQS::Queue", "CREATE_IN_PROGRESS"),
        ]
        let last = third + [
            CFN.event("e7", 8, "SQSQueue", "AWS::SQS::Queue", "CREATE_COMPLETE"),
            CFN.event("e8", 9, "Table", "AWS::DynamoDB::Table", "CREATE_COMPLETE"),
            CFN.stackEvent("e9", 10, "CREATE_COMPLETE"),
        ]
        return [start, second, third, last]
    }()

    @Test("a new stack: CreateStack, one plain line per event (golden), outputs from the final status")
    func createWithEventStream() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        server.on("GetCallerIdentity", [CFN.identity])
        server.on("ValidateTemplate", [CFN.validate])
        server.on("CreateStack", [CFN.createStack])
        server.on("DescribeStacks", [CFN.missing, CFN.stack("CREATE_IN_PROGRESS"), CFN.stack("CREATE_COMPLETE", outputs: ["QueueUrl": "https://q"])])
        server.on("DescribeStackEvents", Self.createEvents.map(CFN.events))
        let clock = VirtualClock()
        let transcript = Transcript()
        let report = try await deployer(testClient(server.baseURL), clock: clock, transcript: transcript).deploy(request())
        #expect(report.action == .created)
        #expect(report.outputs == [.init(key: "QueueUrl", value: "https://q")])
        #expect(server.calls("CreateStack") == 1)
        #expect(server.calls("CreateChangeSet") == 0)
        let golden = """
            Deploying template imagery-local as stack imagery to account 123456789012, region us-east-1 (endpoint \(server.baseURL) from explicit endpoint URL)
            Creating stack imagery (3 resources)
            10:00:00 [0/3]     CREATE_IN_PROGRESS     imagery                      AWS::CloudFormation::Stack
            10:00:01 [0/3]     CREATE_IN_PROGRESS     Table                        AWS::DynamoDB::Table
            10:00:01 [0/3]     CREATE_IN_PROGRESS     SQSDLQueue                   AWS::SQS::Queue
            10:00:02 [0/3]     CREATE_IN_PROGRESS     SQSDLQueue                   AWS::SQS::Queue  Resource creation Initiated
            10:00:03 [1/3]     CREATE_COMPLETE        SQSDLQueue                   AWS::SQS::Queue
            10:00:03 [1/3]     CREATE_IN_PROGRESS     SQSQueue                     AWS::SQS::Queue
            10:00:08 [2/3]     CREATE_COMPLETE        SQSQueue                     AWS::SQS::Queue
            10:00:09 [3/3]     CREATE_COMPLETE        Table                        AWS::DynamoDB::Table
            10:00:10 [3/3]     CREATE_COMPLETE        imagery                      AWS::CloudFormation::Stack
            Stack imagery: CREATE_COMPLETE
            """
        #expect(transcript.text == golden)
    }

    @Test("CREATE_FAILED → ROLLBACK_COMPLETE: the root cause comes first, not the cancellations; exit code 1")
    func createFailsAndRollsBack() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let started = [
            CFN.stackEvent("e1", 0, "CREATE_IN_PROGRESS", "User Initiated"),
            CFN.event("e2", 1, "Bucket", "AWS::S3::Bucket", "CREATE_IN_PROGRESS"),
            CFN.event("e3", 1, "Table", "AWS::DynamoDB::Table", "CREATE_IN_PROGRESS"),
        ]
        let failed = started + [
            CFN.event("e4", 4, "Table", "AWS::DynamoDB::Table", "CREATE_FAILED",
                      "Resource handler returned message: \"User is not authorized to perform: dynamodb:CreateTable\" (HandlerErrorCode: AccessDenied)"),
            CFN.event("e5", 4, "Bucket", "AWS::S3::Bucket", "CREATE_FAILED", "Resource creation cancelled"),
            CFN.stackEvent("e6", 5, "ROLLBACK_IN_PROGRESS", "The following resource(s) failed to create: [Bucket, Table]. Rollback requested by user."),
        ]
        let rolledBack = failed + [
            CFN.event("e7", 7, "Bucket", "AWS::S3::Bucket", "DELETE_COMPLETE"),
            CFN.event("e8", 7, "Table", "AWS::DynamoDB::Table", "DELETE_COMPLETE"),
            CFN.stackEvent("e9", 8, "ROLLBACK_COMPLETE"),
        ]
        server.on("GetCallerIdentity", [CFN.identity])
        server.on("ValidateTemplate", [CFN.validate])
        server.on("CreateStack", [CFN.createStack])
        server.on("DescribeStacks", [CFN.missing, CFN.stack("CREATE_IN_PROGRESS"), CFN.stack("ROLLBACK_IN_PROGRESS"), CFN.stack("ROLLBACK_COMPLETE")])
        server.on("DescribeStackEvents", [CFN.events(started), CFN.events(failed), CFN.events(rolledBack)])
        let transcript = Transcript()
        let error = await #expect(throws: DeployError.self) {
            _ = try await deployer(testClient(server.baseURL), clock: VirtualClock(), transcript: transcript).deploy(request())
        }
        let text = try #require(error).description
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.first == "root cause: Table (AWS::DynamoDB::Table) CREATE_FAILED: Resource handler returned message: "
            + "\"User is not authorized to perform: dynamodb:CreateTable\" (HandlerErrorCode: AccessDenied)")
        #expect(lines.dropFirst().first == "stack imagery ended in ROLLBACK_COMPLETE")
        #expect(text.contains("run `infra deploy` again"))
        #expect(error?.exitCode == 1)
        #expect(transcript.text.contains("ROLLBACK_COMPLETE"))
    }

    @Test("a ROLLBACK_COMPLETE stack is deleted and created again, and the user is told so")
    func rollbackCompleteIsRecreated() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let old = [CFN.stackEvent("e1", 0, "ROLLBACK_COMPLETE")]
        let deleted = old + [CFN.stackEvent("e2", 20, "DELETE_IN_PROGRESS", "User Initiated"), CFN.stackEvent("e3", 21, "DELETE_COMPLETE")]
        let created = [CFN.stackEvent("n1", 30, "CREATE_IN_PROGRESS", "User Initiated"), CFN.stackEvent("n2", 31, "CREATE_COMPLETE")]
        server.on("GetCallerIdentity", [CFN.identity])
        server.on("ValidateTemplate", [CFN.validate])
        server.on("DeleteStack", [CFN.deleteStack])
        server.on("CreateStack", [CFN.createStack])
        server.on("DescribeStackResources", [CFN.resources([])])
        server.on("DescribeStacks", [
            CFN.stack("ROLLBACK_COMPLETE"), CFN.stack("DELETE_COMPLETE"),
            CFN.stack("CREATE_COMPLETE", id: CFN.newStackID, outputs: ["BucketName": "b"]),
        ])
        server.on("DescribeStackEvents", [CFN.events(old), CFN.events(deleted), CFN.events(deleted), CFN.events(created)])
        let transcript = Transcript()
        let report = try await deployer(testClient(server.baseURL), clock: VirtualClock(), transcript: transcript).deploy(request())
        #expect(report.action == .recreated)
        #expect(report.stackID == CFN.newStackID)
        #expect(server.calls("DeleteStack") == 1)
        #expect(server.calls("CreateStack") == 1)
        #expect(transcript.text.contains("stack imagery is in ROLLBACK_COMPLETE: its creation failed and CloudFormation cannot update it, so it is deleted and created again"))
        // The delete goes by stack id, so a stack re-created under the same name is never hit by mistake.
        let deleteBody = server.requests().first { LoopbackServer.operation($0) == "DeleteStack" }.map { String(decoding: $0.body, as: UTF8.self) }
        #expect(deleteBody?.contains("StackName=arn%3Aaws%3Acloudformation") == true)
    }

    @Test("DELETE_FAILED: root cause and the resources left behind")
    func deleteFailed() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let before = [CFN.stackEvent("e0", 0, "CREATE_COMPLETE")]
        let failing = before + [
            CFN.stackEvent("d1", 10, "DELETE_IN_PROGRESS", "User Initiated"),
            CFN.event("d2", 11, "SQSQueue", "AWS::SQS::Queue", "DELETE_COMPLETE"),
            CFN.event("d3", 12, "Bucket", "AWS::S3::Bucket", "DELETE_FAILED",
                      "Resource handler returned message: \"The bucket you tried to delete is not empty (Service: S3, Status Code: 409)\""),
            CFN.stackEvent("d4", 13, "DELETE_FAILED", "The following resource(s) failed to delete: [Bucket]. "),
        ]
        server.on("GetCallerIdentity", [CFN.identity])
        server.on("DeleteStack", [CFN.deleteStack])
        server.on("DescribeStacks", [CFN.stack("CREATE_COMPLETE"), CFN.stack("DELETE_IN_PROGRESS"), CFN.stack("DELETE_FAILED")])
        server.on("DescribeStackResources", [
            CFN.resources([("Bucket", "AWS::S3::Bucket", "CREATE_COMPLETE", nil), ("SQSQueue", "AWS::SQS::Queue", "CREATE_COMPLETE", nil)]),
            CFN.resources([("Bucket", "AWS::S3::Bucket", "DELETE_FAILED", "The bucket you tried to delete is not empty"),
                           ("SQSQueue", "AWS::SQS::Queue", "DELETE_COMPLETE", nil)]),
        ])
        server.on("DescribeStackEvents", [CFN.events(before), CFN.events(failing)])
        let emptier = RecordingEmptier()
        let transcript = Transcript()
        let error = await #expect(throws: DeployError.self) {
            _ = try await deployer(testClient(server.baseURL), clock: VirtualClock(), transcript: transcript, buckets: emptier)
                .destroy(stackName: "imagery", assumeYes: true)
        }
        let text = try #require(error).description
        #expect(text.hasPrefix("root cause: Bucket (AWS::S3::Bucket) DELETE_FAILED: Resource handler returned message: \"The bucket you tried"))
        #expect(text.contains("stack imagery ended in DELETE_FAILED"))
        #expect(text.contains("resources left behind:\n  Bucket (AWS::S3::Bucket) imagery-bucket-1abc DELETE_FAILED: The bucket you tried to delete is not empty"))
        #expect(!text.contains("SQSQueue (AWS::SQS::Queue) imagery"))
        #expect(text.contains("run `infra destroy --stack-name imagery` again"))
        // A bucket that is "not empty" again is emptied and the delete retried, but only so often.
        #expect(emptier.buckets == Array(repeating: "imagery-bucket-1abc", count: Deployer.maxDeleteAttempts))
        #expect(server.calls("DeleteStack") == Deployer.maxDeleteAttempts)
        #expect(transcript.text.contains("Emptied bucket imagery-bucket-1abc: 3 object version(s)"))
        #expect(transcript.text.contains("emptying it again and retrying the delete (attempt 3 of 3)"))
    }

    @Test("DELETE_FAILED on a bucket written to after it was emptied: emptied again, delete retried, stack deleted")
    func destroyConvergesWhenABucketFillsUpAgain() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let before = [CFN.stackEvent("e0", 0, "CREATE_COMPLETE")]
        let failing = before + [
            CFN.stackEvent("d1", 10, "DELETE_IN_PROGRESS", "User Initiated"),
            CFN.event("d2", 11, "SQSQueue", "AWS::SQS::Queue", "DELETE_COMPLETE"),
            CFN.event("d3", 12, "Bucket", "AWS::S3::Bucket", "DELETE_FAILED",
                      "Resource handler returned message: \"The bucket you tried to delete is not empty (Service: S3, Status Code: 409)\""),
            CFN.stackEvent("d4", 13, "DELETE_FAILED", "The following resource(s) failed to delete: [Bucket]. "),
        ]
        server.on("GetCallerIdentity", [CFN.identity])
        server.on("DeleteStack", [CFN.deleteStack])
        server.on("DescribeStacks", [
            CFN.stack("CREATE_COMPLETE"), CFN.stack("DELETE_IN_PROGRESS"), CFN.stack("DELETE_FAILED"),
            CFN.stack("DELETE_IN_PROGRESS"), CFN.stack("DELETE_COMPLETE"),
        ])
        server.on("DescribeStackResources", [
            CFN.resources([("Bucket", "AWS::S3::Bucket", "CREATE_COMPLETE", nil), ("SQSQueue", "AWS::SQS::Queue", "CREATE_COMPLETE", nil)]),
            CFN.resources([("Bucket", "AWS::S3::Bucket", "DELETE_FAILED", nil), ("SQSQueue", "AWS::SQS::Queue", "DELETE_COMPLETE", nil)]),
        ])
        server.on("DescribeStackEvents", [CFN.events(before), CFN.events(failing)])
        let emptier = RecordingEmptier()
        let transcript = Transcript()
        let report = try await deployer(testClient(server.baseURL), clock: VirtualClock(), transcript: transcript, buckets: emptier)
            .destroy(stackName: "imagery", assumeYes: true)
        #expect(report == .deleted(emptiedBuckets: ["imagery-bucket-1abc": 6]))
        #expect(emptier.buckets == ["imagery-bucket-1abc", "imagery-bucket-1abc"])
        #expect(server.calls("DeleteStack") == 2)
        // Both deletes go by stack id.
        let deletes = server.requests().filter { LoopbackServer.operation($0) == "DeleteStack" }.map { String(decoding: $0.body, as: UTF8.self) }
        #expect(deletes.allSatisfy { $0.contains("StackName=arn%3Aaws%3Acloudformation") })
        #expect(transcript.text.contains("Stack imagery is DELETE_FAILED: bucket imagery-bucket-1abc was written to after it was emptied "
            + "(instances still running?); emptying it again and retrying the delete (attempt 2 of 3)"))
        #expect(transcript.all.last == "Stack imagery is deleted")
    }

    @Test("DELETE_FAILED for another reason is not retried")
    func destroyDoesNotRetryOtherFailures() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let before = [CFN.stackEvent("e0", 0, "CREATE_COMPLETE")]
        let failing = before + [
            CFN.stackEvent("d1", 10, "DELETE_IN_PROGRESS", "User Initiated"),
            CFN.event("d2", 12, "ServerSecurityGroup", "AWS::EC2::SecurityGroup", "DELETE_FAILED",
                      "resource sg-0123 has a dependent object (Service: Ec2, Status Code: 400)"),
            CFN.stackEvent("d3", 13, "DELETE_FAILED", "The following resource(s) failed to delete: [ServerSecurityGroup]. "),
        ]
        server.on("GetCallerIdentity", [CFN.identity])
        server.on("DeleteStack", [CFN.deleteStack])
        server.on("DescribeStacks", [CFN.stack("CREATE_COMPLETE"), CFN.stack("DELETE_IN_PROGRESS"), CFN.stack("DELETE_FAILED")])
        server.on("DescribeStackResources", [
            CFN.resources([("Bucket", "AWS::S3::Bucket", "CREATE_COMPLETE", nil),
                           ("ServerSecurityGroup", "AWS::EC2::SecurityGroup", "CREATE_COMPLETE", nil)]),
            CFN.resources([("ServerSecurityGroup", "AWS::EC2::SecurityGroup", "DELETE_FAILED", "resource sg-0123 has a dependent object")]),
        ])
        server.on("DescribeStackEvents", [CFN.events(before), CFN.events(failing)])
        let emptier = RecordingEmptier()
        let error = await #expect(throws: DeployError.self) {
            _ = try await deployer(testClient(server.baseURL), clock: VirtualClock(), transcript: Transcript(), buckets: emptier)
                .destroy(stackName: "imagery", assumeYes: true)
        }
        #expect(error?.description.contains("root cause: ServerSecurityGroup (AWS::EC2::SecurityGroup) DELETE_FAILED") == true)
        #expect(server.calls("DeleteStack") == 1)
        #expect(emptier.buckets == ["imagery-bucket-1abc"])
    }

    @Test("throttling and 5xx while waiting are retried and backed off; the wait still ends in success")
    func throttlingAndServerErrors() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        server.on("GetCallerIdentity", [CFN.identity])
        server.on("ValidateTemplate", [CFN.validate])
        server.on("CreateStack", [CFN.createStack])
        // Three throttles exhaust one call's three attempts, so the waiter itself must back off once.
        server.on("DescribeStacks", [CFN.missing, CFN.throttled, CFN.throttled, CFN.throttled, CFN.unavailable, CFN.stack("CREATE_IN_PROGRESS"),
                                     CFN.stack("CREATE_COMPLETE")])
        server.on("DescribeStackEvents", [CFN.throttled, CFN.unavailable, CFN.events(Self.createEvents[0]), CFN.events(Self.createEvents[3])])
        let clock = VirtualClock()
        let report = try await deployer(testClient(server.baseURL), clock: clock, transcript: Transcript()).deploy(request())
        #expect(report.action == .created)
        #expect(server.calls("DescribeStacks") == 7)
        #expect(server.calls("CreateStack") == 1)
    }

    @Test("a connection dropped mid-wait is retried; nothing is sent twice that changes the stack")
    func droppedConnection() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        server.on("GetCallerIdentity", [CFN.identity])
        server.on("ValidateTemplate", [CFN.validate])
        server.on("CreateStack", [CFN.createStack])
        server.on("DescribeStacks", [CFN.missing, .close, CFN.stack("CREATE_IN_PROGRESS"), .close, .close, .close, CFN.stack("CREATE_COMPLETE")])
        server.on("DescribeStackEvents", [.close, CFN.events(Self.createEvents[1]), CFN.events(Self.createEvents[3])])
        let transcript = Transcript()
        let report = try await deployer(testClient(server.baseURL, timeout: .seconds(1)), clock: VirtualClock(), transcript: transcript).deploy(request())
        #expect(report.action == .created)
        #expect(server.calls("CreateStack") == 1)
        // Every event is shown exactly once despite the retries.
        #expect(transcript.all.filter { $0.contains("CREATE_COMPLETE        Table") }.count == 1)
    }

    @Test("an empty change set is success: no changes, outputs kept, nothing executed, the change set deleted")
    func emptyChangeSet() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        server.on("GetCallerIdentity", [CFN.identity])
        server.on("ValidateTemplate", [CFN.validate])
        server.on("DescribeStacks", [CFN.stack("UPDATE_COMPLETE", outputs: ["TableName": "t"])])
        server.on("CreateChangeSet", [CFN.createChangeSet])
        server.on("DescribeChangeSet", [CFN.changeSet("CREATE_PENDING"), CFN.changeSet("FAILED",
            reason: "The submitted information didn't contain changes. Submit different information to create a change set.")])
        server.on("DeleteChangeSet", [CFN.deleteChangeSet])
        let transcript = Transcript()
        let report = try await deployer(testClient(server.baseURL), clock: VirtualClock(), transcript: transcript).deploy(request())
        #expect(report.action == .noChanges)
        #expect(report.outputs == [.init(key: "TableName", value: "t")])
        #expect(server.calls("ExecuteChangeSet") == 0)
        #expect(server.calls("DeleteChangeSet") == 1)
        #expect(transcript.text.contains("No changes: stack imagery is up to date (UPDATE_COMPLETE)"))
        let body = server.requests().first { LoopbackServer.operation($0) == "CreateChangeSet" }.map { String(decoding: $0.body, as: UTF8.self) } ?? ""
        #expect(body.contains("ChangeSetType=UPDATE"))
    }

    @Test("a replacement without a terminal and without --yes is refused; the change set is deleted, nothing executed")
    func replacementNeedsConfirmation() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        server.on("GetCallerIdentity", [CFN.identity])
        server.on("ValidateTemplate", [CFN.validate])
        server.on("DescribeStacks", [CFN.stack("CREATE_COMPLETE", parameters: ["InstanceType": "t3.micro"])])
        server.on("CreateChangeSet", [CFN.createChangeSet])
        server.on("DescribeChangeSet", [CFN.changeSet("CREATE_COMPLETE", changes: [
            ("Modify", "Table", "AWS::DynamoDB::Table", "True"), ("Add", "Alarm", "AWS::CloudWatch::Alarm", nil),
            ("Modify", "ServerRole", "AWS::IAM::Role", "False"),
        ])])
        server.on("DeleteChangeSet", [CFN.deleteChangeSet])
        let transcript = Transcript()
        var deploy = request()
        deploy.declaredParameters = ["InstanceType", "ImageId"]
        let error = await #expect(throws: DeployError.self) {
            _ = try await deployer(testClient(server.baseURL), clock: VirtualClock(), transcript: transcript).deploy(deploy)
        }
        #expect(error?.description == "updating stack imagery needs confirmation and there is no terminal to ask on; re-run with --yes to go ahead")
        #expect(server.calls("ExecuteChangeSet") == 0)
        #expect(server.calls("DeleteChangeSet") == 1)
        #expect(transcript.text.contains("""
            Changes to stack imagery:
              + Alarm                        AWS::CloudWatch::Alarm
              ~ Table                        AWS::DynamoDB::Table  (REPLACED)
              ~ ServerRole                   AWS::IAM::Role
            1 to add, 2 to change (1 replaced), 0 to remove
            Needs confirmation:
              ! Table (AWS::DynamoDB::Table) is replaced: a new physical resource, the old one is deleted
              ! ServerRole (AWS::IAM::Role) changes: it may broaden access
            """))
        // Parameters not given keep their previous values; ones the stack never had are left out.
        let body = server.requests().first { LoopbackServer.operation($0) == "CreateChangeSet" }.map { String(decoding: $0.body, as: UTF8.self) } ?? ""
        #expect(body.contains("Parameters.member.1.ParameterKey=InstanceType&Parameters.member.1.UsePreviousValue=true"))
        #expect(!body.contains("ImageId"))
    }

    @Test("an update in progress is waited for first; a timeout leaves the stack alone and says how to resume")
    func inProgressThenTimeout() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        server.on("GetCallerIdentity", [CFN.identity])
        server.on("ValidateTemplate", [CFN.validate])
        server.on("DescribeStacks", [CFN.stack("UPDATE_IN_PROGRESS")])
        server.on("DescribeStackEvents", [CFN.events([CFN.stackEvent("u1", 0, "UPDATE_IN_PROGRESS", "User Initiated")])])
        var d = deployer(testClient(server.baseURL), clock: VirtualClock(), transcript: Transcript())
        d.waitOptions.timeout = .seconds(600)
        let error = await #expect(throws: DeployError.self) { _ = try await d.deploy(request()) }
        #expect(error?.description == "stopped waiting after 10:00; stack imagery is still UPDATE_IN_PROGRESS and was not cancelled. "
            + "Follow it with `infra status --wait --stack-name imagery`")
        #expect(server.calls("CancelUpdateStack") == 0)
        #expect(server.calls("CreateChangeSet") == 0)
        // About every 5 s for status, every 2 s for events, over 600 virtual seconds.
        #expect((115...125).contains(server.calls("DescribeStacks")))
        #expect((295...305).contains(server.calls("DescribeStackEvents")))
    }

    @Test("cancelling the wait (Ctrl-C) leaves the stack alone and prints how to resume")
    func interrupted() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        server.on("DescribeStacks", [CFN.stack("UPDATE_IN_PROGRESS")])
        server.on("DescribeStackResources", [CFN.resources([])])
        server.on("DescribeStackEvents", [CFN.events([CFN.stackEvent("u1", 0, "UPDATE_IN_PROGRESS")])])
        let d = deployer(testClient(server.baseURL), clock: VirtualClock(), transcript: Transcript())
        let task = Task { try await d.status(stackName: "imagery", wait: true) }
        while server.calls("DescribeStackEvents") < 3 { try await Task.sleep(for: .milliseconds(10)) }
        task.cancel()
        let result = await task.result
        #expect(throws: DeployError.self) { try result.get() }
        if case .failure(let error as DeployError) = result {
            #expect(error.exitCode == 130)
            #expect(error.description.contains("Resume watching with `infra status --wait --stack-name imagery`"))
        }
    }
}
