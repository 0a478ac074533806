import CloudFormation
import CloudFormationResources
import Foundation
import Testing
import TestSupport

// Required schema properties are non-optional init parameters without a default, so leaving one
// out is a compile error, e.g. `DynamoDB.Table("T")` does not compile (KeySchema is required) and
// neither does `EC2.Subnet("S")` (VpcId). There is no runtime test for that: the build is the test.

@Suite struct GeneratedResourceTests {
    @Test func queueWithRedrivePolicy() {
        let dlq = SQS.Queue("DeadLetterQueue", messageRetentionPeriod: 1_209_600)
        let queue = SQS.Queue(
            "Queue", redrivePolicy: ["deadLetterTargetArn": Value(dlq.arn), "maxReceiveCount": 10],
            tags: [CloudFormation.Tag(key: "app", value: .stackName)], visibilityTimeout: 120)
        #expect(queue.properties.keys == ["RedrivePolicy", "Tags", "VisibilityTimeout"])
        #expect(queue.properties["VisibilityTimeout"] == .int(120))
        #expect(queue.properties["RedrivePolicy"] == .object([
            "deadLetterTargetArn": .fn(.getAtt("DeadLetterQueue", "Arn")), "maxReceiveCount": .int(10),
        ]))
        #expect(queue.properties["Tags"] == .list([.object(["Key": "app", "Value": .fn(.ref("AWS::StackName"))])]))
        #expect(queue.queueUrl.cfnValue == .fn(.getAtt("Queue", "QueueUrl")))
        #expect(SQS.Queue.resourceType == "AWS::SQS::Queue")
        #expect(queue.declaration.type == "AWS::SQS::Queue")
    }

    @Test func tableWithRequiredKeySchemaAndEnum() {
        let table = DynamoDB.Table(
            "Table",
            attributeDefinitions: [.init(attributeName: "id", attributeType: .s)],
            billingMode: "PAY_PER_REQUEST",
            keySchema: [.init(attributeName: "id", keyType: "HASH")])
        #expect(table.properties.keys == ["AttributeDefinitions", "BillingMode", "KeySchema"])
        #expect(table.properties["AttributeDefinitions"] == .list([.object(["AttributeName": "id", "AttributeType": "S"])]))
        #expect(table.properties["KeySchema"] == .list([.object(["AttributeName": "id", "KeyType": "HASH"])]))
        #expect(table.streamArn.cfnValue == .fn(.getAtt("Table", "StreamArn")))
    }

    @Test func enumPropertiesTakeCasesLiteralsAndIntrinsics() {
        typealias AttributeType = DynamoDB.Table.AttributeType
        let viaStatic: Expr<AttributeType> = .n
        let viaInit = Expr<AttributeType>(.n)
        let viaRef: Expr<AttributeType> = .ref("KeyTypeParameter")
        #expect(viaStatic == viaInit)
        #expect(viaStatic.cfnValue == .string("N"))
        #expect(viaRef.cfnValue == .fn(.ref("KeyTypeParameter")))
        #expect(Set(AttributeType.allCases.map(\.rawValue)) == ["S", "N", "B"])
        let ingress = EC2.LaunchTemplate.HttpTokens.required
        #expect(ingress.cfnValue == .string("required"))
    }

    @Test func subnetRefsAndAvailabilityZones() {
        let vpc = EC2.VPC("Vpc", cidrBlock: "10.0.0.0/16", enableDnsHostnames: true)
        let subnet = EC2.Subnet(
            "SubnetA", availabilityZone: .availabilityZone(0), cidrBlock: "10.0.0.0/24",
            mapPublicIpOnLaunch: true, vpcId: .ref(vpc))
        #expect(subnet.properties.keys == ["AvailabilityZone", "CidrBlock", "MapPublicIpOnLaunch", "VpcId"])
        #expect(subnet.properties["AvailabilityZone"] == .fn(.select(.int(0), .fn(.getAZs(.string(""))))))
        #expect(subnet.properties["VpcId"] == .fn(.ref("Vpc")))
        #expect(subnet.subnetId.cfnValue == .fn(.getAtt("SubnetA", "SubnetId")))
        #expect(vpc.properties["EnableDnsHostnames"] == .bool(true))
    }

    @Test func attributesLowerToGetAtt() {
        let lb = ElasticLoadBalancingV2.LoadBalancer("LoadBalancer", scheme: .internetFacing)
        #expect(lb.dnsName.cfnValue == .fn(.getAtt("LoadBalancer", "DNSName")))
        #expect(lb.canonicalHostedZoneID.cfnValue == .fn(.getAtt("LoadBalancer", "CanonicalHostedZoneID")))
        let template = EC2.LaunchTemplate("LaunchTemplate", launchTemplateData: .init(instanceType: "t3.micro"))
        #expect(template.latestVersionNumber.cfnValue == .fn(.getAtt("LaunchTemplate", "LatestVersionNumber")))
        #expect(template.properties["LaunchTemplateData"] == .object(["InstanceType": "t3.micro"]))
        let bucket = S3.Bucket("Bucket")
        #expect(bucket.metadataConfigurationDestination.cfnValue
            == .fn(.getAtt("Bucket", "MetadataConfiguration.Destination")))
        #expect(bucket.properties.isEmpty)
    }

    @Test func bucketWithNestedEncryptionStructs() {
        let bucket = S3.Bucket(
            "Bucket",
            bucketEncryption: .init(serverSideEncryptionConfiguration: [
                .init(serverSideEncryptionByDefault: .init(sseAlgorithm: .aes256)),
            ]),
            publicAccessBlockConfiguration: .init(blockPublicAcls: true, restrictPublicBuckets: true))
        #expect(bucket.properties.keys == ["BucketEncryption", "PublicAccessBlockConfiguration"])
        #expect(bucket.properties["BucketEncryption"] == .object([
            "ServerSideEncryptionConfiguration": .list([
                .object(["ServerSideEncryptionByDefault": .object(["SSEAlgorithm": "AES256"])]),
            ]),
        ]))
        #expect(bucket.properties["PublicAccessBlockConfiguration"] == .object([
            "BlockPublicAcls": true, "RestrictPublicBuckets": true,
        ]))
    }

    /// A struct-typed property set to an intrinsic: an override by path, not a struct with placeholder fields.
    @Test func structPropertiesTakeIntrinsicsByOverride() {
        let encryption = S3.Bucket.BucketEncryption(serverSideEncryptionConfiguration: [
            .init(serverSideEncryptionByDefault: .init(sseAlgorithm: .aes256)),
        ])
        let bucket = S3.Bucket("Bucket", bucketEncryption: encryption)
            .overriding("BucketEncryption", with: Value.fn(.if("Encrypt", encryption.cfnValue, .fn(.ref("AWS::NoValue")))))
        guard case .fn(.if(let name, let whenTrue, let whenFalse)) = bucket.declaration.properties["BucketEncryption"] else {
            Issue.record("expected !If, got \(String(describing: bucket.declaration.properties["BucketEncryption"]))")
            return
        }
        #expect(name == "Encrypt")
        #expect(whenTrue == encryption.cfnValue)
        #expect(whenFalse == .fn(.ref("AWS::NoValue")))
    }

    @Test func imageryStackShapes() {
        let role = IAM.Role(
            "InstanceRole",
            assumeRolePolicyDocument: [
                "Version": "2012-10-17",
                "Statement": [["Effect": "Allow", "Principal": ["Service": "ec2.amazonaws.com"], "Action": "sts:AssumeRole"]],
            ],
            managedPolicyArns: ["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"],
            policies: [.init(policyDocument: ["Version": "2012-10-17", "Statement": []], policyName: "sqs")])
        let profile = IAM.InstanceProfile("InstanceProfile", roles: [.ref(role)])
        let launchTemplate = EC2.LaunchTemplate(
            "LaunchTemplate",
            launchTemplateData: .init(
                iamInstanceProfile: .init(name: .ref(profile)),
                imageId: .ref("ImageId"),
                instanceType: "t3.micro",
                metadataOptions: .init(httpTokens: .required),
                securityGroupIds: [.getAtt("InstanceSecurityGroup", "GroupId")],
                userData: .base64(.sub("#!/bin/bash -ex\necho ${AWS::StackName}"))))
        let targetGroup = ElasticLoadBalancingV2.TargetGroup(
            "TargetGroup", healthCheckPath: "/", port: 8080, protocol: .http, vpcId: .ref("Vpc"))
        let group = AutoScaling.AutoScalingGroup(
            "AutoScalingGroup",
            launchTemplate: .init(launchTemplateId: .ref(launchTemplate), version: launchTemplate.latestVersionNumber),
            maxSize: "2", minSize: "1",
            targetGroupARNs: [.ref(targetGroup)],
            vpcZoneIdentifier: [.ref("SubnetA"), .ref("SubnetB")])
        #expect(role.properties.keys == ["AssumeRolePolicyDocument", "ManagedPolicyArns", "Policies"])
        #expect(profile.properties["Roles"] == .list([.fn(.ref("InstanceRole"))]))
        #expect(targetGroup.properties.keys == ["HealthCheckPath", "Port", "Protocol", "VpcId"])
        #expect(group.properties.keys == ["LaunchTemplate", "MaxSize", "MinSize", "TargetGroupARNs", "VPCZoneIdentifier"])
        let expectedLaunchTemplate: Value = [
            "LaunchTemplateId": .fn(.ref("LaunchTemplate")),
            "Version": .fn(.getAtt("LaunchTemplate", "LatestVersionNumber")),
        ]
        #expect(group.properties["LaunchTemplate"] == expectedLaunchTemplate)
        #expect(targetGroup.properties["Protocol"] == .string("HTTP"))
        let data = launchTemplate.properties["LaunchTemplateData"]
        guard case .object(let object) = data else {
            Issue.record("LaunchTemplateData is not an object")
            return
        }
        #expect(object.keys == ["IamInstanceProfile", "ImageId", "InstanceType", "MetadataOptions", "SecurityGroupIds", "UserData"])
        #expect(object["MetadataOptions"] == .object(["HttpTokens": "required"]))
    }
}

@Suite struct GeneratorFreshnessTests {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The `cfn-codegen` executable beside this test bundle in the build products directory.
    static var generator: URL? { BuiltExecutable.url(named: "cfn-codegen") }

    /// Runs the generator into a temporary directory and compares byte for byte with the committed code.
    @Test(.enabled(if: generator != nil, "cfn-codegen is not built next to the tests; run `swift build` first"))
    func committedGeneratedCodeIsFresh() throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("cfn-codegen-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: output) }
        let process = Process()
        process.executableURL = Self.generator!
        process.arguments = [
            Self.packageRoot.appendingPathComponent("schemas").path, output.path,
        ]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)

        let committed = Self.packageRoot.appendingPathComponent("Sources/Language/CloudFormationResources/Generated")
        let fm = FileManager.default
        let expected = try fm.contentsOfDirectory(atPath: output.path).sorted()
        let actual = try fm.contentsOfDirectory(atPath: committed.path).filter { $0.hasSuffix(".swift") }.sorted()
        #expect(expected == actual, "generated file set differs; run `make generate`")
        for name in expected {
            let fresh = try Data(contentsOf: output.appendingPathComponent(name))
            let current = try? Data(contentsOf: committed.appendingPathComponent(name))
            #expect(fresh == current, "\(name) is stale; run `make generate`")
        }
    }
}
