import InfraKit
import AWSCore
import Deployer
import Foundation
import ImageryInfrastructure
import Testing
import TestSupport

/// One moto for the suite; its stdin lifeline ends it with the test process.
final class SuiteMoto: Sendable {
    let result: Result<MotoServer, any Error> = Result { try MotoServer() }
    var endpoint: String {
        get throws { try result.get().endpoint.absoluteString }
    }
}

/// Raw calls the typed clients do not offer, for checking what a stack created.
struct ServiceProbe {
    let client: AWSClient

    static let ec2 = AWSService(name: "EC2", serviceID: "EC2", endpointPrefix: "ec2", signingName: "ec2", wireProtocol: .query(version: "2016-11-15"))
    static let elb = AWSService(name: "ELBv2", serviceID: "Elastic Load Balancing v2", endpointPrefix: "elasticloadbalancing",
                                signingName: "elasticloadbalancing", wireProtocol: .query(version: "2015-12-01"))
    static let autoScaling = AWSService(name: "AutoScaling", serviceID: "Auto Scaling", endpointPrefix: "autoscaling", signingName: "autoscaling",
                                        wireProtocol: .query(version: "2011-01-01"))
    static let iam = AWSService(name: "IAM", serviceID: "IAM", endpointPrefix: "iam", signingName: "iam", wireProtocol: .query(version: "2010-05-08"))
    static let sns = AWSService(name: "SNS", serviceID: "SNS", endpointPrefix: "sns", signingName: "sns", wireProtocol: .query(version: "2010-03-31"))

    func query(_ service: AWSService, _ action: String, _ parameters: [(String, String)]) async throws -> XMLNode {
        var p = QueryParameters()
        for (key, value) in parameters { p.add(key, value) }
        return try await client.query(service: service, action: action, parameters: p)
    }

    /// An AMI moto knows, found the way a user would: DescribeImages.
    func anyImageID() async throws -> String {
        let result = try await query(Self.ec2, "DescribeImages", [("Owner.1", "amazon")])
        return try #require(result.descendant("imageId")?.text)
    }

    func tableStatus(_ name: String) async throws -> String? {
        struct Input: Encodable, Sendable { let TableName: String }
        let data = try await client.jsonData(service: .dynamoDB, operation: "DescribeTable", input: Input(TableName: name))
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        return (object?["Table"] as? [String: Any])?["TableStatus"] as? String
    }

    func bucketExists(_ name: String) async -> Bool {
        (try? await client.restXML(operation: "HeadBucket", method: "HEAD", bucket: name)) != nil
    }

    /// Checks one stack resource in its own service; returns `nil` for types this probe does not cover.
    func exists(_ resource: CloudFormationClient.StackResource) async throws -> Bool? {
        let id = resource.physicalResourceID ?? ""
        switch resource.resourceType {
        case "AWS::S3::Bucket": return await bucketExists(id)
        case "AWS::DynamoDB::Table": return try await tableStatus(id) == "ACTIVE"
        case "AWS::SQS::Queue": return try await SQSClient(client: client).getQueueAttributes(queueURL: id)["QueueArn"] != nil
        case "AWS::EC2::VPC": return try await query(Self.ec2, "DescribeVpcs", [("VpcId.1", id)]).descendant("vpcId")?.text == id
        case "AWS::EC2::Subnet": return try await query(Self.ec2, "DescribeSubnets", [("SubnetId.1", id)]).descendant("subnetId")?.text == id
        case "AWS::EC2::SecurityGroup": return try await query(Self.ec2, "DescribeSecurityGroups", [("GroupId.1", id)]).descendant("groupId")?.text == id
        case "AWS::EC2::LaunchTemplate":
            return try await query(Self.ec2, "DescribeLaunchTemplates", [("LaunchTemplateId.1", id)]).descendant("launchTemplateId")?.text == id
        case "AWS::ElasticLoadBalancingV2::LoadBalancer":
            return try await query(Self.elb, "DescribeLoadBalancers", [("LoadBalancerArns.member.1", id)]).descendant("LoadBalancerArn")?.text == id
        case "AWS::ElasticLoadBalancingV2::TargetGroup":
            return try await query(Self.elb, "DescribeTargetGroups", [("TargetGroupArns.member.1", id)]).descendant("TargetGroupArn")?.text == id
        case "AWS::AutoScaling::AutoScalingGroup":
            return try await query(Self.autoScaling, "DescribeAutoScalingGroups", [("AutoScalingGroupNames.member.1", id)])
                .descendant("AutoScalingGroupName")?.text == id
        case "AWS::IAM::Role": return try await query(Self.iam, "GetRole", [("RoleName", id)]).descendant("RoleName")?.text == id
        case "AWS::IAM::InstanceProfile":
            return try await query(Self.iam, "GetInstanceProfile", [("InstanceProfileName", id)]).descendant("InstanceProfileName")?.text == id
        case "AWS::SNS::Topic": return try await query(Self.sns, "GetTopicAttributes", [("TopicArn", id)]).descendant("Attributes") != nil
        default: return nil
        }
    }
}

@Suite("Deployer against moto")
struct MotoDeployTests {
    static let moto = SuiteMoto()

    func setUp() throws -> (AWSClient, Transcript, Deployer) {
        let client = testClient(try Self.moto.endpoint, timeout: .seconds(60))
        let transcript = Transcript()
        return (client, transcript, deployer(client, clock: VirtualClock(), transcript: transcript))
    }

    func request(_ name: String, stack: String, parameters: [String: String] = [:], body: String? = nil) throws -> DeployRequest {
        let synthesized = try ImageryApp.app.synthesize(name)
        return DeployRequest(
            stackName: stack, templateName: name, templateBody: body ?? synthesized.yaml, resourceCount: synthesized.template.resources.count,
            declaredParameters: synthesized.template.parameters.map(\.logicalId), parameters: parameters,
            capabilities: name == "imagery" ? ["CAPABILITY_IAM"] : [], assumeYes: true)
    }

    @Test("imagery-local: create, every resource exists in its service, no-op redeploy, update, destroy empties the bucket, destroy again")
    func localLifecycle() async throws {
        let (client, transcript, deployer) = try setUp()
        let stack = "local-\(UUID().uuidString.prefix(8).lowercased())"
        let created = try await deployer.deploy(try request("imagery-local", stack: stack))
        #expect(created.action == .created)
        #expect(created.status == "CREATE_COMPLETE")
        let outputs = Dictionary(created.outputs.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
        #expect(Set(outputs.keys) == ["QueueUrl", "DeadLetterQueueUrl", "BucketName", "TableName"])

        // Every resource moto supports exists in its service (BucketPolicy is a type moto skips).
        let probe = ServiceProbe(client: client)
        let sqs = SQSClient(client: client)
        let queue = try await sqs.getQueueAttributes(queueURL: try #require(outputs["QueueUrl"]))
        #expect(queue["VisibilityTimeout"] == "120")
        #expect(queue["ReceiveMessageWaitTimeSeconds"] == "20")
        let dlq = try await sqs.getQueueAttributes(queueURL: try #require(outputs["DeadLetterQueueUrl"]))
        #expect(queue["RedrivePolicy"]?.contains(try #require(dlq["QueueArn"])) == true)
        #expect(try await probe.tableStatus(try #require(outputs["TableName"])) == "ACTIVE")
        let bucket = try #require(outputs["BucketName"])
        #expect(await probe.bucketExists(bucket))

        // Same template again: no changes, outputs still returned.
        let again = try await deployer.deploy(try request("imagery-local", stack: stack))
        #expect(again.action == .noChanges)
        #expect(again.outputs == created.outputs)
        #expect(transcript.text.contains("No changes: stack \(stack) is up to date"))

        // A changed VisibilityTimeout (an update moto applies) goes through a change set.
        let yaml = try ImageryApp.app.synthesize("imagery-local").yaml
        let changed = yaml.replacingOccurrences(of: "VisibilityTimeout: 120", with: "VisibilityTimeout: 60")
        let updated = try await deployer.deploy(try request("imagery-local", stack: stack, body: changed))
        #expect(updated.action == .updated)
        #expect(updated.status == "UPDATE_COMPLETE")
        #expect(transcript.text.contains("~ SQSQueue"))
        #expect(try await sqs.getQueueAttributes(queueURL: try #require(outputs["QueueUrl"]))["VisibilityTimeout"] == "60")

        // Destroy empties the bucket first (moto would otherwise leave it behind), then removes everything.
        let s3 = S3Client(client: client)
        for index in 0..<3 {
            _ = try await s3.putObject(bucket: bucket, key: "upload/\(index).png", data: Data("image \(index)".utf8), contentType: "image/png")
        }
        let destroyed = try await deployer.destroy(stackName: stack, assumeYes: true)
        #expect(destroyed == .deleted(emptiedBuckets: [bucket: 3]))
        #expect(await !probe.bucketExists(bucket))
        await #expect(throws: AWSError.self) { _ = try await sqs.getQueueAttributes(queueURL: try #require(outputs["QueueUrl"])) }
        await #expect(throws: AWSError.self) { _ = try await probe.tableStatus(try #require(outputs["TableName"])) }
        #expect(try await deployer.destroy(stackName: stack, assumeYes: true) == .nothingToDestroy)
    }

    @Test("destroy of a versioned bucket: more versions and delete markers than one ListObjectVersions page, all removed, stack gone")
    func destroyEmptiesEveryVersion() async throws {
        let (client, transcript, deployer) = try setUp()
        let stack = "versions-\(UUID().uuidString.prefix(8).lowercased())"
        let created = try await deployer.deploy(try request("imagery-local", stack: stack))
        let bucket = try #require(created.outputs.first { $0.key == "BucketName" }?.value)
        // The template enables versioning; moto's CloudFormation ignores VersioningConfiguration, so turn it
        // on the way S3 would have it after a real deploy.
        let enable = Data(#"<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Enabled</Status></VersioningConfiguration>"#.utf8)
        _ = try await client.restXML(operation: "PutBucketVersioning", method: "PUT", bucket: bucket, query: [QueryItem("versioning", "")], body: enable)
        let s3 = S3Client(client: client)
        // 502 keys written twice (1,004 versions) and 3 of them deleted (3 delete markers): 1,007 entries, two pages.
        let keys = (0..<502).map { "processed/\(String(format: "%04d", $0)).png" }
        for round in 1...2 {
            for key in keys { _ = try await s3.putObject(bucket: bucket, key: key, data: Data("v\(round)".utf8), contentType: "image/png") }
        }
        for key in keys.prefix(3) {
            _ = try await client.restXML(operation: "DeleteObject", method: "DELETE", bucket: bucket, key: key)
        }
        let first = try await s3.listObjectVersions(bucket: bucket)
        #expect(first.isTruncated)
        let destroyed = try await deployer.destroy(stackName: stack, assumeYes: true)
        #expect(destroyed == .deleted(emptiedBuckets: [bucket: 1_007]))
        #expect(transcript.text.contains("Emptied bucket \(bucket): 1007 object version(s) and delete marker(s) removed"))
        #expect(await !ServiceProbe(client: client).bucketExists(bucket))
    }

    @Test("imagery (full): create with an AMI from DescribeImages; every resource moto supports exists in its service")
    func fullStack() async throws {
        let (client, _, deployer) = try setUp()
        let probe = ServiceProbe(client: client)
        let stack = "full-\(UUID().uuidString.prefix(8).lowercased())"
        let ami = try await probe.anyImageID()
        let report = try await deployer.deploy(try request("imagery", stack: stack, parameters: ["ImageId": ami]))
        #expect(report.action == .created)
        #expect(Set(report.outputs.map(\.key)).isSuperset(of: ["EndpointURL", "QueueUrl", "BucketName", "TableName", "DeadLetterQueueUrl"]))
        let resources = try await CloudFormationClient(client: client).describeStackResources(name: stack)
        var checked: [String] = []
        for resource in resources where !resource.logicalResourceID.isEmpty {
            guard let exists = try await probe.exists(resource) else { continue }
            #expect(exists, "\(resource.logicalResourceID) \(resource.resourceType) \(resource.physicalResourceID ?? "-")")
            checked.append(resource.resourceType)
        }
        #expect(Set(checked) == [
            "AWS::S3::Bucket", "AWS::DynamoDB::Table", "AWS::SQS::Queue", "AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::SecurityGroup",
            "AWS::EC2::LaunchTemplate", "AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::ElasticLoadBalancingV2::TargetGroup",
            "AWS::AutoScaling::AutoScalingGroup", "AWS::IAM::Role", "AWS::IAM::InstanceProfile", "AWS::SNS::Topic",
        ])

        // A changed parameter is applied as an update; the AMI keeps its previous value.
        let updated = try await deployer.deploy(try request("imagery", stack: stack, parameters: ["InstanceType": "t3.small"]))
        #expect(updated.action == .updated)
        let parameters = try await CloudFormationClient(client: client).describeStacks(name: stack).first?.parameters
        #expect(parameters?["InstanceType"] == "t3.small")
        #expect(parameters?["ImageId"] == ami)
    }
}
