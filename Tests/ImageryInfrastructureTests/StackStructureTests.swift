import InfraKit
import CloudFormation
import Foundation
import ImageryInfrastructure
import Testing

@Suite struct StackStructureTests {
    let full = ImageryStack.template()
    let local = ImageryStack.localTemplate()

    @Test func bothTemplatesValidateAndFitInline() throws {
        for (name, template) in [("imagery", full), ("imagery-local", local)] {
            #expect(template.validationIssues().isEmpty, "\(name)")
            let synthesized = try Synthesizer.synthesize(name: name, template: template)
            #expect(synthesized.byteCount < TemplateQuota.maxInlineBodyBytes)
        }
    }

    @Test func yamlRoundTripsToTheModel() throws {
        for template in [full, local] {
            let yaml = try TemplateYAML.render(template)
            #expect(try TemplateYAML.read(yaml) == template.renderedValue())
        }
    }

    @Test func everythingTheBookHasIsThere() throws {
        let types = Dictionary(grouping: full.resources, by: \.type).mapValues(\.count)
        let expected: [String: Int] = [
            "AWS::EC2::VPC": 1, "AWS::EC2::InternetGateway": 1, "AWS::EC2::VPCGatewayAttachment": 1,
            "AWS::EC2::Subnet": 2, "AWS::EC2::RouteTable": 1, "AWS::EC2::SubnetRouteTableAssociation": 2,
            "AWS::EC2::Route": 1, "AWS::EC2::NetworkAcl": 1, "AWS::EC2::NetworkAclEntry": 2,
            "AWS::EC2::SubnetNetworkAclAssociation": 2, "AWS::S3::Bucket": 1, "AWS::DynamoDB::Table": 1,
            "AWS::SQS::Queue": 2, "AWS::ElasticLoadBalancingV2::LoadBalancer": 1,
            "AWS::ElasticLoadBalancingV2::TargetGroup": 1, "AWS::EC2::SecurityGroup": 3, "AWS::IAM::Role": 2,
            "AWS::IAM::InstanceProfile": 2, "AWS::EC2::LaunchTemplate": 2, "AWS::AutoScaling::AutoScalingGroup": 2,
        ]
        for (type, count) in expected { #expect(types[type] == count, "\(type)") }
        #expect(full.outputs.map(\.logicalId).contains("EndpointURL"))
        let subnetA = try Support.resource(full, "SubnetA"), subnetB = try Support.resource(full, "SubnetB")
        #expect(subnetA.property("AvailabilityZone") == .fn(.select(.int(0), .fn(.getAZs(.string(""))))))
        #expect(subnetB.property("AvailabilityZone") == .fn(.select(.int(1), .fn(.getAZs(.string(""))))))
        let route = try Support.resource(full, "RouteTablePublicInternetRoute")
        #expect(route.options.dependsOn == ["VPCGatewayAttachment"])
        let queue = try Support.resource(full, "SQSQueue")
        #expect(queue.property("RedrivePolicy/maxReceiveCount") == .int(10))
        #expect(queue.property("RedrivePolicy/deadLetterTargetArn") == .fn(.getAtt("SQSDLQueue", "Arn")))
    }

    @Test func noFixedNamesSoTwoStacksFitInOneAccount() {
        let nameProperties = ["BucketName", "TableName", "QueueName", "RoleName", "LaunchTemplateName", "AutoScalingGroupName",
                              "Name", "TopicName", "AlarmName", "GroupName"]
        for resource in full.resources where resource.type != "AWS::AutoScaling::ScalingPolicy" && resource.type != "AWS::Route53::RecordSet" {
            for key in nameProperties { #expect(resource.properties[key] == nil, "\(resource.logicalId).\(key)") }
        }
    }

    @Test func amiAndInstanceTypeAreParameters() throws {
        let imageId = try #require(full.parameters.first { $0.logicalId == "ImageId" })
        #expect(imageId.type == .ec2ImageId)
        #expect(full.mappings.isEmpty)
        for id in ["ServerLaunchTemplate", "WorkerLaunchTemplate"] {
            let template = try Support.resource(full, id)
            #expect(template.property("LaunchTemplateData/ImageId") == .fn(.ref("ImageId")))
            #expect(template.property("LaunchTemplateData/InstanceType") == .fn(.ref("InstanceType")))
        }
    }

    @Test func launchTemplatesRequireIMDSv2AndEncryptRootVolumes() throws {
        for id in ["ServerLaunchTemplate", "WorkerLaunchTemplate"] {
            let template = try Support.resource(full, id)
            #expect(template.property("LaunchTemplateData/MetadataOptions/HttpTokens") == "required")
            #expect(template.property("LaunchTemplateData/BlockDeviceMappings/0/Ebs/Encrypted") == .bool(true))
            #expect(template.property("LaunchTemplateData/BlockDeviceMappings/0/Ebs/VolumeType") == "gp3")
        }
    }

    @Test func userDataWritesTheEnvironmentFileAndStartsTheUnit() throws {
        for (id, role, group) in [("ServerLaunchTemplate", "server", "ServerAutoScalingGroup"),
                                  ("WorkerLaunchTemplate", "worker", "WorkerAutoScalingGroup")] {
            let template = try Support.resource(full, id)
            guard case .fn(.base64(.fn(.sub(let script, nil)))) = template.property("LaunchTemplateData/UserData") else {
                Issue.record("\(id) UserData is not Base64(Sub)")
                continue
            }
            for line in ["IMAGERY_QUEUE_URL=${SQSQueue}", "IMAGERY_BUCKET=${Bucket}", "IMAGERY_TABLE=${Table}",
                         "AWS_REGION=${AWS::Region}", "IMAGERY_STACK_NAME=${AWS::StackName}",
                         "IMAGERY_SIGNAL_RESOURCE=\(group)", "systemctl enable --now imagery-\(role).service"] {
                #expect(script.split(separator: "\n").contains(Substring(line)), "\(id): \(line)")
            }
            #expect(script.hasPrefix("#!/bin/bash\nset -euo pipefail\n"))
            #expect(script.contains("IMAGERY_PORT=8080") == (role == "server"))
        }
    }

    /// A failing boot must say so at once: the book's UserData traps ERR with cfn-signal, which Debian's AMI lacks.
    @Test func userDataSignalsFailureFromAnErrTrapBeforeAnythingCanFail() throws {
        for (id, group) in [("ServerLaunchTemplate", "ServerAutoScalingGroup"), ("WorkerLaunchTemplate", "WorkerAutoScalingGroup")] {
            let template = try Support.resource(full, id)
            guard case .fn(.base64(.fn(.sub(let script, nil)))) = template.property("LaunchTemplateData/UserData") else {
                Issue.record("\(id) UserData is not Base64(Sub)")
                continue
            }
            let lines = script.split(separator: "\n").map(String.init)
            let trap = "trap '/opt/imagery/bin/imagery-worker signal-failure --stack ${AWS::StackName} --resource \(group) "
                + "--region ${AWS::Region} --reason \"UserData failed at line $LINENO\"' ERR"
            // Third line: after the shebang and `set -e`, before the first command that can fail.
            #expect(lines.count > 3 && lines[2] == trap, "\(id): \(lines.prefix(4))")
        }
    }

    @Test func bucketIsPrivateEncryptedTLSOnlyAndCleansUpUploads() throws {
        let bucket = try Support.resource(full, "Bucket")
        for key in ["BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"] {
            #expect(bucket.property("PublicAccessBlockConfiguration/\(key)") == .bool(true))
        }
        #expect(bucket.property("OwnershipControls/Rules/0/ObjectOwnership") == "BucketOwnerEnforced")
        #expect(bucket.property("BucketEncryption/ServerSideEncryptionConfiguration/0/ServerSideEncryptionByDefault/SSEAlgorithm") == "AES256")
        #expect(bucket.property("LifecycleConfiguration/Rules/0/AbortIncompleteMultipartUpload/DaysAfterInitiation") == .int(1))
        let policy = try Support.resource(full, "BucketPolicy")
        #expect(policy.property("PolicyDocument/Statement/0/Effect") == "Deny")
        #expect(policy.property("PolicyDocument/Statement/0/Condition/Bool/aws:SecureTransport") == "false")
    }

    @Test func queuesTableAndStatefulPolicies() throws {
        let queue = try Support.resource(full, "SQSQueue"), dlq = try Support.resource(full, "SQSDLQueue")
        #expect(queue.property("SqsManagedSseEnabled") == .bool(true) && dlq.property("SqsManagedSseEnabled") == .bool(true))
        #expect(queue.property("ReceiveMessageWaitTimeSeconds") == .int(20))
        #expect(queue.property("VisibilityTimeout") == .int(DataPlane.visibilityTimeoutSeconds))
        #expect(dlq.property("MessageRetentionPeriod") == .int(14 * 24 * 3600))
        let table = try Support.resource(full, "Table")
        #expect(table.property("BillingMode") == "PAY_PER_REQUEST")
        #expect(table.property("PointInTimeRecoverySpecification/PointInTimeRecoveryEnabled") == .bool(true))
        #expect(table.property("SSESpecification/SSEEnabled") == .bool(true))
        #expect(table.property("KeySchema") == [["AttributeName": "id", "KeyType": "HASH"]])
        for id in ["Bucket", "Table", "SQSQueue", "SQSDLQueue"] {
            let resource = try Support.resource(full, id)
            #expect(resource.options.deletionPolicy != nil && resource.options.updateReplacePolicy != nil, "\(id)")
        }
    }

    /// The exact grants of each role: (action, resource) pairs rendered as text.
    func grants(_ roleId: String) throws -> Set<String> {
        let role = try Support.resource(full, roleId)
        guard case .list(let statements)? = role.property("Policies/0/PolicyDocument/Statement") else { return [] }
        var result = Set<String>()
        for statement in statements {
            let actions: [Value] = if case .list(let items)? = statement.at("Action") { items } else { [statement.at("Action") ?? .null] }
            let resources: [Value] = if case .list(let items)? = statement.at("Resource") { items } else { [statement.at("Resource") ?? .null] }
            #expect(statement.at("Effect") == "Allow")
            for action in actions {
                for resource in resources {
                    guard case .string(let name) = action else { continue }
                    result.insert("\(name) \(try TemplateYAML.render(resource).trimmingCharacters(in: .whitespacesAndNewlines))")
                }
            }
        }
        return result
    }

    static let common: Set<String> = Set(
        ["cloudformation:SignalResource !Ref AWS::StackId"]
            + ["ec2messages:AcknowledgeMessage", "ec2messages:DeleteMessage", "ec2messages:FailMessage", "ec2messages:GetEndpoint",
               "ec2messages:GetMessages", "ec2messages:SendReply", "ssm:UpdateInstanceInformation",
               "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel",
               "ssmmessages:OpenDataChannel"].map { "\($0) '*'" })

    @Test func serverRoleIsLeastPrivilege() throws {
        #expect(try grants("ServerRole") == Self.common.union([
            "dynamodb:GetItem !GetAtt Table.Arn", "dynamodb:PutItem !GetAtt Table.Arn", "dynamodb:UpdateItem !GetAtt Table.Arn",
            "dynamodb:Query !Sub ${Table.Arn}/index/PendingUploads",
            "sqs:SendMessage !GetAtt SQSQueue.Arn",
            "s3:PutObject !Sub ${Bucket.Arn}/upload/*", "s3:GetObject !Sub ${Bucket.Arn}/processed/*",
            "s3:ListBucket !GetAtt Bucket.Arn", "elasticloadbalancing:DescribeTargetHealth '*'",
        ]))
        #expect(try listingPrefixes("ServerRole") == ["processed/*"])
    }

    @Test func workerRoleIsLeastPrivilege() throws {
        #expect(try grants("WorkerRole") == Self.common.union([
            "dynamodb:GetItem !GetAtt Table.Arn", "dynamodb:UpdateItem !GetAtt Table.Arn",
            "sqs:ReceiveMessage !GetAtt SQSQueue.Arn", "sqs:DeleteMessage !GetAtt SQSQueue.Arn",
            "sqs:ChangeMessageVisibility !GetAtt SQSQueue.Arn",
            "s3:GetObject !Sub ${Bucket.Arn}/upload/*", "s3:PutObject !Sub ${Bucket.Arn}/processed/*",
            "s3:ListBucket !GetAtt Bucket.Arn",
        ]))
        #expect(try listingPrefixes("WorkerRole") == ["upload/*"])
    }

    /// The `s3:prefix` values the role's s3:ListBucket statements are limited to; every listing must be limited.
    func listingPrefixes(_ roleId: String) throws -> [String] {
        let role = try Support.resource(full, roleId)
        guard case .list(let statements)? = role.property("Policies/0/PolicyDocument/Statement") else { return [] }
        var prefixes: [String] = []
        for statement in statements where statement.at("Action") == "s3:ListBucket" {
            guard case .string(let prefix)? = statement.at("Condition/StringLike/s3:prefix") else {
                Issue.record("\(roleId): s3:ListBucket without an s3:prefix condition")
                continue
            }
            prefixes.append(prefix)
        }
        return prefixes
    }

    @Test func networkAccessIsNarrow() throws {
        let server = try Support.resource(full, "ServerSecurityGroup")
        #expect(server.property("SecurityGroupIngress/0/SourceSecurityGroupId") == .fn(.getAtt("LoadBalancerSecurityGroup", "GroupId")))
        #expect(server.property("SecurityGroupIngress/0/FromPort") == .int(8080))
        #expect(server.property("SecurityGroupIngress/1") == nil)
        #expect(try Support.resource(full, "WorkerSecurityGroup").property("SecurityGroupIngress") == nil)
        let group = try Support.resource(full, "ServerAutoScalingGroup")
        #expect(group.property("HealthCheckType") == "ELB")
        #expect(group.property("TargetGroupARNs") == [.fn(.ref("LoadBalancerTargetGroup"))])
        #expect(group.options.creationPolicy?.at("ResourceSignal/Timeout") == "PT10M")
        #expect(group.options.updatePolicy?.at("AutoScalingRollingUpdate/WaitOnResourceSignals") == .bool(true))
    }

    @Test func httpsIsOptionalAndRedirectsWhenEnabled() throws {
        let https = try Support.resource(full, "LoadBalancerHttpsListener")
        #expect(https.options.condition == "HasCertificate")
        #expect(https.property("SslPolicy") == "ELBSecurityPolicy-TLS13-1-2-2021-06")
        let http = try Support.resource(full, "LoadBalancerListener")
        guard case .fn(.if("HasCertificate", let redirect, let forward))? = http.property("DefaultActions/0") else {
            Issue.record("HTTP listener does not switch on HasCertificate")
            return
        }
        #expect(redirect.at("Type") == "redirect" && redirect.at("RedirectConfig/Protocol") == "HTTPS")
        #expect(forward.at("Type") == "forward")
    }

    @Test func dlqAlarmAndScaling() throws {
        let alarm = try Support.resource(full, "DeadLetterQueueAlarm")
        #expect(alarm.property("Dimensions/0/Value") == .fn(.getAtt("SQSDLQueue", "QueueName")))
        #expect(alarm.property("Threshold") == .int(0))
        #expect(try Support.resource(full, "AlarmTopicEmailSubscription").options.condition == "HasAlarmEmail")
        let worker = try Support.resource(full, "WorkerScalingPolicy")
        #expect(worker.property("TargetTrackingConfiguration/CustomizedMetricSpecification/Metrics/2/Expression")
            == "backlog / IF(instances > 0, instances, 1)")
        let server = try Support.resource(full, "ServerScalingPolicy")
        #expect(server.property("TargetTrackingConfiguration/PredefinedMetricSpecification/PredefinedMetricType")
            == "ALBRequestCountPerTarget")
    }

    @Test func localTemplateIsTheDataPlaneOnly() {
        #expect(Set(local.resources.map(\.logicalId)) == ["Bucket", "BucketPolicy", "Table", "SQSQueue", "SQSDLQueue"])
        #expect(local.outputs.map(\.logicalId) == ["QueueUrl", "DeadLetterQueueUrl", "BucketName", "TableName"])
        #expect(local.parameters.isEmpty)
    }
}

@Suite struct SynthesisLimitTests {
    @Test func aTemplateOverOneMegabyteIsRefused() {
        let big = String(repeating: "x", count: 4_096)
        let template = Template {
            for index in 0..<300 {
                Parameter<String>("P\(index)", description: big)
            }
        }
        do {
            _ = try Synthesizer.synthesize(name: "huge", template: template)
            Issue.record("expected a size error")
        } catch let error as TemplateTooLargeError {
            #expect(error.bytes > TemplateQuota.maxS3BodyBytes)
            #expect(error.description.contains("over CloudFormation's limit of 1000000 bytes"))
        } catch let error as TemplateValidationError {
            // 300 parameters also break the 200-parameter quota; validation runs first and says so.
            #expect(error.description.contains("300 entries in Parameters, over the CloudFormation quota of 200"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func aLargeButValidTemplateIsRefusedBySizeAlone() {
        let big = String(repeating: "y", count: 6_000)
        let template = Template {
            for index in 0..<180 {
                Parameter<String>("P\(index)", description: big)
            }
        }
        #expect(throws: TemplateTooLargeError.self) { try Synthesizer.synthesize(name: "huge", template: template) }
    }

    @Test func unknownTemplateNameListsTheKnownOnes() {
        do {
            _ = try ImageryApp.app.synthesize("imagry")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)" == "unknown template 'imagry'; choose one of: imagery, imagery-local")
        }
    }
}
