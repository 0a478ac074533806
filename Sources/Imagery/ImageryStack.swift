import CloudFormation
import CloudFormationResources

/// The Imagery system of *AWS in Action* chapter 16, described as data.
public enum ImageryStack {
    /// Logical ids that other parts of the project (deploy, UserData, IAM) rely on.
    public enum IDs {
        public static let queue = "SQSQueue"
        public static let deadLetterQueue = "SQSDLQueue"
        public static let bucket = "Bucket"
        public static let table = "Table"
        public static let serverGroup = "ServerAutoScalingGroup"
        public static let workerGroup = "WorkerAutoScalingGroup"
    }

    /// Seconds a received message stays invisible. The worker's worst case (a 100-megapixel image,
    /// download + sepia + upload on a t3.micro) is well under a minute, and the worker extends the
    /// timeout while a job runs; two minutes leaves room without delaying retries for long.
    public static let visibilityTimeoutSeconds = 120
    /// Receives before a message moves to the dead-letter queue (as in the book).
    public static let maxReceiveCount = 10

    /// The full stack: network, data plane, load-balanced servers, workers, alarm and scaling.
    public static func template() -> Template {
        let imageId = Parameter(
            "ImageId", type: .ec2ImageId,
            description: "AMI with imagery-server and imagery-worker baked in (make ami; infra deploy fills it from packer/manifest.json).")
        let instanceType = Parameter(
            "InstanceType", description: "EC2 instance type for servers and workers.", default: "t3.micro",
            allowedPattern: "^[a-z][a-z0-9-]*\\.[a-z0-9]+$", constraintDescription: "an EC2 instance type such as t3.micro")
        let serverSize = FleetSize("Server", what: "server", defaultMin: 1, defaultMax: 2)
        let workerSize = FleetSize("Worker", what: "worker", defaultMin: 1, defaultMax: 2)
        let certificate = Parameter(
            "CertificateArn", description: "ACM certificate ARN for HTTPS on the load balancer, covering DomainName (required with it); empty for HTTP only.", default: "",
            allowedPattern: "^(arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[A-Za-z0-9-]+)?$",
            constraintDescription: "an ACM certificate ARN or empty")
        let alarmEmail = Parameter(
            "AlarmEmail", description: "E-mail address notified when the dead-letter queue holds messages; empty for none.",
            default: "", allowedPattern: "^([^@\\s]+@[^@\\s]+)?$", constraintDescription: "an e-mail address or empty")
        let hasCertificate = Condition("HasCertificate", .not(.equals(certificate.ref() as Expr<String>, "")))
        let hasAlarmEmail = Condition("HasAlarmEmail", .not(.equals(alarmEmail.ref() as Expr<String>, "")))

        let network = PublicNetwork(cidr: "172.31.0.0/16", subnets: [.init("A", "172.31.38.0/24"), .init("B", "172.31.37.0/24")])
        let data = DataPlane()
        let roles = ImageryRoles(data: data)
        let environment = { (signal: String, extra: [(String, String)]) -> [(String, String)] in
            data.environment + [
                ("AWS_REGION", "${AWS::Region}"),
                ("IMAGERY_STACK_NAME", "${AWS::StackName}"),
                ("IMAGERY_SIGNAL_RESOURCE", signal),
            ] + extra
        }
        let web = LoadBalancedFleet(
            network: network, settings: .init(), certificate: certificate, hasCertificate: hasCertificate,
            size: serverSize
        ) { securityGroup in
            InstanceSpec(
                role: "server", imageId: imageId, instanceType: instanceType, profile: roles.server.profile,
                securityGroup: securityGroup, signalResource: IDs.serverGroup,
                environment: environment(IDs.serverGroup, [
                    ("IMAGERY_PORT", "8080"),
                    // Readiness waits until this target group reports the instance healthy (Ref is its ARN).
                    ("IMAGERY_TARGET_GROUP_ARN", "${LoadBalancerTargetGroup}"),
                ]))
        }
        let workers = WorkerFleet(
            network: network, queue: data.queue.queue, backlogPerInstance: 10, size: workerSize
        ) { securityGroup in
            InstanceSpec(
                role: "worker", imageId: imageId, instanceType: instanceType, profile: roles.worker.profile,
                securityGroup: securityGroup, signalResource: IDs.workerGroup,
                environment: environment(IDs.workerGroup, []))
        }
        let domain = EndpointDomain(certificate: certificate, loadBalancer: web.loadBalancer)
        let alarm = DeadLetterAlarm(deadLetterQueue: data.queue.deadLetterQueue, email: alarmEmail, hasEmail: hasAlarmEmail)

        return Template(description: "Imagery (AWS in Action, chapter 16): upload an image, a worker applies a sepia filter, view the result.") {
            imageId
            instanceType
            serverSize
            workerSize
            certificate
            alarmEmail
            serverSize.constraints
            workerSize.constraints
            hasCertificate
            hasAlarmEmail
            network
            data
            roles
            web
            domain
            workers
            alarm
            Output(
                "EndpointURL", value: domain.endpointURL(hasCertificate: hasCertificate),
                description: "The Imagery web application (https://DomainName with a certificate).")
            Output(
                "LoadBalancerDNSName", value: web.loadBalancer.dnsName,
                description: "Point DomainName here (alias or CNAME) when HostedZoneId is not given.")
            data.outputs
        }
    }

    /// Only the data plane, for running the server and worker as local processes against moto.
    public static func localTemplate() -> Template {
        let data = DataPlane()
        return Template(description: "Imagery data plane only (bucket, table, queue + DLQ) for local runs of the server and worker.") {
            data
            data.outputs
        }
    }
}

/// The stateful part of Imagery: bucket, table, queue and dead-letter queue, with their outputs.
public struct DataPlane: TemplateComponent {
    public let bucket: PrivateBucket
    public let table: DynamoDB.Table
    public let queue: QueueWithDeadLetter

    public init() {
        bucket = PrivateBucket(ImageryStack.IDs.bucket, abandonedUploadDays: 1, noncurrentVersionDays: 7)
        table = imageTable(ImageryStack.IDs.table)
        queue = QueueWithDeadLetter(
            ImageryStack.IDs.queue, deadLetterName: ImageryStack.IDs.deadLetterQueue,
            visibilityTimeout: ImageryStack.visibilityTimeoutSeconds, maxReceiveCount: ImageryStack.maxReceiveCount)
    }

    /// What the server and worker read from /etc/imagery/env (Sub syntax).
    public var environment: [(String, String)] {
        [
            ("IMAGERY_QUEUE_URL", "${\(ImageryStack.IDs.queue)}"),
            ("IMAGERY_BUCKET", "${\(ImageryStack.IDs.bucket)}"),
            ("IMAGERY_TABLE", "${\(ImageryStack.IDs.table)}"),
        ]
    }

    /// Outputs a local run of the server and worker needs (`infra outputs --format env`).
    public var outputs: [any TemplateComponent] {
        [
            Output("QueueUrl", value: queue.queue.ref, description: "URL of the work queue."),
            Output("DeadLetterQueueUrl", value: queue.deadLetterQueue.ref, description: "URL of the dead-letter queue."),
            Output("BucketName", value: bucket.bucket.ref, description: "Bucket for uploaded and processed images."),
            Output("TableName", value: table.ref, description: "DynamoDB table of image states."),
        ]
    }

    public var templateElements: [TemplateElement] {
        bucket.templateElements + table.templateElements + queue.templateElements
    }
}

/// The two instance roles, each allowed exactly what its process does and nothing more.
public struct ImageryRoles: TemplateComponent {
    public let server: InstanceRole
    public let worker: InstanceRole

    public init(data: DataPlane) {
        let objects = { (prefix: String) in Expr<String>.sub("${\(ImageryStack.IDs.bucket).Arn}/\(prefix)/*") }
        // S3 answers a read of a missing key with 404 only to callers allowed s3:ListBucket; others get
        // 403, the same as a denied read. Listing is allowed only under the prefix each process reads,
        // so that the binaries can also tell the two apart with a listing of the one key.
        let listing = { (sid: String, prefix: String) in
            PolicyStatement(
                sid: sid, actions: ["s3:ListBucket"], resources: [data.bucket.bucket.arn],
                condition: ["StringLike": ["s3:prefix": .string("\(prefix)/*")]])
        }
        let common = [
            PolicyStatement(
                sid: "SignalReadiness", actions: ["cloudformation:SignalResource"], resources: [Expr<String>.stackId]),
            // Session Manager instead of SSH: these actions do not support resource-level scoping.
            PolicyStatement(
                sid: "SessionManager",
                actions: [
                    "ec2messages:AcknowledgeMessage", "ec2messages:DeleteMessage", "ec2messages:FailMessage",
                    "ec2messages:GetEndpoint", "ec2messages:GetMessages", "ec2messages:SendReply",
                    "ssm:UpdateInstanceInformation", "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
                    "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel",
                ],
                resources: ["*"]),
        ]
        server = InstanceRole("Server", statements: [
            PolicyStatement(sid: "ImageTable", actions: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
                            resources: [data.table.arn]),
            // The sweeper that re-sends lost messages reads only the sparse index of waiting uploads.
            PolicyStatement(
                sid: "PendingUploads", actions: ["dynamodb:Query"],
                resources: [Expr<String>.sub("${\(ImageryStack.IDs.table).Arn}/index/\(PendingUploadsIndex.name)")]),
            PolicyStatement(sid: "WorkQueue", actions: ["sqs:SendMessage"], resources: [data.queue.queue.arn]),
            PolicyStatement(sid: "Uploads", actions: ["s3:PutObject"], resources: [objects("upload")]),
            PolicyStatement(sid: "ProcessedImages", actions: ["s3:GetObject"], resources: [objects("processed")]),
            listing("ListProcessedImages", "processed"),
            // Readiness waits until the load balancer sees this instance healthy. The Describe* actions of
            // Elastic Load Balancing support no resource-level permissions or resource condition keys
            // (Service Authorization Reference), so "*" is the narrowest grant; the call reveals health only.
            PolicyStatement(sid: "TargetHealth", actions: ["elasticloadbalancing:DescribeTargetHealth"], resources: ["*"]),
        ] + common)
        worker = InstanceRole("Worker", statements: [
            PolicyStatement(sid: "ImageTable", actions: ["dynamodb:GetItem", "dynamodb:UpdateItem"], resources: [data.table.arn]),
            PolicyStatement(
                sid: "WorkQueue", actions: ["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:ReceiveMessage"],
                resources: [data.queue.queue.arn]),
            PolicyStatement(sid: "Uploads", actions: ["s3:GetObject"], resources: [objects("upload")]),
            listing("ListUploads", "upload"),
            PolicyStatement(sid: "ProcessedImages", actions: ["s3:PutObject"], resources: [objects("processed")]),
        ] + common)
    }

    public var templateElements: [TemplateElement] { server.templateElements + worker.templateElements }
}

/// A CloudWatch alarm on any message in the dead-letter queue, notifying an SNS topic.
public struct DeadLetterAlarm: TemplateComponent {
    public let topic: SNS.Topic
    public let subscription: SNS.Subscription
    public let alarm: CloudWatch.Alarm

    public init(deadLetterQueue: SQS.Queue, email: Parameter, hasEmail: Condition) {
        topic = SNS.Topic("AlarmTopic", displayName: "Imagery alarms")
        subscription = SNS.Subscription(
            "AlarmTopicEmailSubscription", endpoint: email.ref(), protocol: "email", topicArn: topic.ref
        ).condition(hasEmail)
        alarm = CloudWatch.Alarm(
            "DeadLetterQueueAlarm",
            alarmActions: [topic.ref],
            alarmDescription: "Messages are failing repeatedly and landed in the dead-letter queue.",
            comparisonOperator: .greaterThanThreshold,
            dimensions: [.init(name: "QueueName", value: .getAtt(deadLetterQueue.logicalId, "QueueName"))],
            evaluationPeriods: 1, metricName: "ApproximateNumberOfMessagesVisible", namespace: "AWS/SQS",
            okActions: [topic.ref], period: 60, statistic: .maximum, threshold: 0, treatMissingData: .notBreaching)
    }

    public var templateElements: [TemplateElement] {
        topic.templateElements + subscription.templateElements + alarm.templateElements
    }
}
