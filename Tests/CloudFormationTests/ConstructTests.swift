import CloudFormation
import CloudFormationConstructs
import CloudFormationResources
import Testing

/// Two of the same construct in one template, a construct that stores another's resource, Sub from
/// interpolation, typed parameters and grants.
@Suite struct ConstructTests {
    /// A job service: two queues with dead-letter queues, a table and a bucket.
    struct Jobs: Construct {
        let intake: QueueWithDeadLetter
        let retries: QueueWithDeadLetter
        let bucket: PrivateBucket
        let role: InstanceRole

        init(_ scope: Scope, _ id: String) {
            let scope = scope.child(id)
            intake = QueueWithDeadLetter(scope, "Intake", visibilityTimeout: 60, maxReceiveCount: 5)
            retries = QueueWithDeadLetter(scope, "Retry", visibilityTimeout: 300, maxReceiveCount: 3)
            bucket = PrivateBucket(scope, "Results", abandonedUploadDays: 1, noncurrentVersionDays: 7)
            role = InstanceRole(scope, "Worker", grants: [
                intake.grantConsume(sid: "Intake"),
                retries.grantSend(sid: "Retries"),
                bucket.grantPut(under: "results/", sid: "Results"),
            ])
        }
    }

    @Test func theSameConstructTwiceGetsDistinctReadableIds() throws {
        let template = Template {
            Jobs(.root, "Jobs")
            Jobs(.root, "Batch")
        }
        try template.validate()
        let ids = template.resources.map(\.logicalId)
        #expect(ids == [
            "JobsIntakeDLQueue", "JobsIntakeQueue", "JobsRetryDLQueue", "JobsRetryQueue", "JobsResults", "JobsResultsPolicy",
            "JobsWorkerRole", "JobsWorkerInstanceProfile",
            "BatchIntakeDLQueue", "BatchIntakeQueue", "BatchRetryDLQueue", "BatchRetryQueue", "BatchResults", "BatchResultsPolicy",
            "BatchWorkerRole", "BatchWorkerInstanceProfile",
        ])
        // Each queue's redrive policy points at its own dead-letter queue.
        let redrive = try #require(template.resource("BatchRetryQueue")?.properties["RedrivePolicy"])
        #expect(redrive == ["deadLetterTargetArn": .fn(.getAtt("BatchRetryDLQueue", "Arn")), "maxReceiveCount": 3])
    }

    @Test func anEmptyIdAddsNothing() {
        let network = PublicNetwork(.root, "", cidr: "10.0.0.0/16", subnets: [.init("A", "10.0.1.0/24")])
        let edge = PublicNetwork(.root, "Edge", cidr: "10.1.0.0/16", subnets: [.init("A", "10.1.1.0/24")])
        #expect(network.vpc.logicalId == "VPC" && network.subnets.map(\.logicalId) == ["SubnetA"])
        #expect(edge.vpc.logicalId == "EdgeVPC" && edge.subnets.map(\.logicalId) == ["EdgeSubnetA"])
        #expect(edge.templateElements.count == network.templateElements.count)
    }

    /// A construct that keeps a resource another construct creates declares it a second time: loud, named.
    @Test func aResourceStoredTwiceFailsValidationNamingIt() {
        struct Careless: Construct {
            let queues: QueueWithDeadLetter
            let alsoTheQueue: SQS.Queue
            init() {
                queues = QueueWithDeadLetter(.root, "Work", visibilityTimeout: 30, maxReceiveCount: 2)
                alsoTheQueue = queues.queue
            }
        }
        let issues = Template { Careless() }.validationIssues().map(\.description)
        #expect(issues == [
            "Resources/WorkQueue: resource 'WorkQueue' (AWS::SQS::Queue) is declared twice: two constructs store it. "
                + "Fix: keep it in the construct that creates it; the other should keep only its reference (.ref, .arn) "
                + "or take it as an init argument without storing it.",
        ])
    }

    @Test func subFromInterpolationSpellsReferencesAndEscapesLiterals() {
        let bucket = PrivateBucket(.root, "Bucket", abandonedUploadDays: 1, noncurrentVersionDays: 1)
        #expect(Expr<String>.sub("\(bucket.bucket.arn)/upload/*").cfnValue == .fn(.sub("${Bucket.Arn}/upload/*", nil)))
        #expect(Expr<String>.sub("\(Expr<String>.stackName)-\(Expr<String>.region)").cfnValue
            == .fn(.sub("${AWS::StackName}-${AWS::Region}", nil)))
        // Text computed in Swift is literal, even when it looks like a reference.
        let computed = "${NotARef}"
        #expect(Expr<String>.sub("x-\(computed)").cfnValue == .fn(.sub("x-${!NotARef}", nil)))
        // Anything Sub cannot spell inline becomes a variable of the Sub.
        let joined = Expr<String>.join("-", ["a", Expr<String>.region])
        #expect(Expr<String>.sub("id-\(joined)").cfnValue
            == .fn(.sub("id-${Value1}", ["Value1": .fn(.join("-", ["a", .fn(.ref("AWS::Region"))]))])))
    }

    @Test func typedParametersNeedNoAnnotation() {
        let name = Parameter<String>("Name", default: "x")
        let count = Parameter<Int>("Count", type: .number, default: 1)
        let condition = Condition("HasName", .not(.equals(name.ref, "")))
        #expect(condition.expression == .fn(.not(.fn(.equals(.fn(.ref("Name")), "")))))
        let queue = SQS.Queue("Q", delaySeconds: count.ref)
        #expect(queue.properties["DelaySeconds"] == .fn(.ref("Count")))
    }

    @Test func grantsAreTheStatementsTheyName() {
        let jobs = Jobs(.root, "Jobs")
        #expect(jobs.role.statement("Intake")?.cfnValue == [
            "Sid": "Intake", "Effect": "Allow",
            "Action": ["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:ReceiveMessage"],
            "Resource": .fn(.getAtt("JobsIntakeQueue", "Arn")),
        ])
        #expect(jobs.role.statement("Results")?.cfnValue == [
            "Sid": "Results", "Effect": "Allow", "Action": "s3:PutObject",
            "Resource": .fn(.sub("${JobsResults.Arn}/results/*", nil)),
        ])
        let listing = jobs.bucket.grantList(under: "results/", sid: "List")
        #expect(listing.condition == ["StringLike": ["s3:prefix": "results/*"]])
    }

    /// One tag value fits every resource whose tags are Key/Value (a compile-time check as much as a test).
    @Test func everyKeyValueTagIsTheSharedTag() {
        let tag = CloudFormation.Tag(key: "team", value: .stackName)
        let queue = SQS.Queue("Q", tags: [tag])
        let bucket = S3.Bucket("B", tags: [tag])
        let topic = SNS.Topic("T", tags: [tag])
        for properties in [queue.properties, bucket.properties, topic.properties] {
            #expect(properties["Tags"] == [["Key": "team", "Value": .fn(.ref("AWS::StackName"))]])
        }
    }

    /// A property struct is only ever a value: an intrinsic that stands for one goes in a `ListItem`, or
    /// overrides the property by path.
    @Test func intrinsicsStandInForStructsWithoutPlaceholders() {
        let hasCertificate = Condition("HasCertificate", .not(.equals(Parameter<String>("Cert").ref, "")))
        let forward = ElasticLoadBalancingV2.Listener.Action(targetGroupArn: "tg", type: .forward)
        let redirect = ElasticLoadBalancingV2.Listener.Action(
            redirectConfig: .init(port: "443", protocol: "HTTPS", statusCode: .http301), type: .redirect)
        let listener = ElasticLoadBalancingV2.Listener(
            "Listener", defaultActions: .items(.if(hasCertificate, redirect, forward)), loadBalancerArn: "lb", port: 80)
        #expect(listener.properties["DefaultActions"] == [.fn(.if("HasCertificate", redirect.cfnValue, forward.cfnValue))])
        let optional = ElasticLoadBalancingV2.Listener(
            "Other", defaultActions: .items(ListItem(forward), .when(hasCertificate, redirect)), loadBalancerArn: "lb")
        #expect(optional.properties["DefaultActions"] == [forward.cfnValue, .fn(.if("HasCertificate", redirect.cfnValue, .fn(.ref("AWS::NoValue"))))])

        let template = EC2.LaunchTemplate("LT", launchTemplateData: .init(imageId: "ami-1"))
            .overriding("LaunchTemplateData.MetadataOptions", with: Expr<String>.if(hasCertificate, "a", .noValue))
        #expect(template.declaration.properties["LaunchTemplateData"] == [
            "ImageId": "ami-1", "MetadataOptions": .fn(.if("HasCertificate", "a", .fn(.ref("AWS::NoValue")))),
        ])
        #expect(template.declaration.options.propertyOverrides.isEmpty)
    }
}
