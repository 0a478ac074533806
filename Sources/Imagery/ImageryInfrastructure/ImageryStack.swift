import CloudFormation
import CloudFormationConstructs
import CloudFormationResources
import ImageryContract

/// The Imagery system of *AWS in Action* chapter 16, described as data.
public enum ImageryStack {
    /// The full stack: network, data plane, load-balanced servers, workers, alarm and scaling.
    public static func template() -> Template {
        let root = Scope.root
        let imageId = Parameter<String>(
            "ImageId", type: .ec2ImageId,
            description: "AMI with imagery-server and imagery-worker baked in (make ami; infra deploy fills it from packer/manifest.json).")
        let instanceType = Parameter<String>(
            "InstanceType", description: "EC2 instance type for servers and workers.", default: "t3.micro",
            allowedPattern: "^[a-z][a-z0-9-]*\\.[a-z0-9]+$", constraintDescription: "an EC2 instance type such as t3.micro")
        let serverSize = FleetSize(root, "Server", what: "server", defaultMin: 1, defaultMax: 2)
        let workerSize = FleetSize(root, "Worker", what: "worker", defaultMin: 1, defaultMax: 2)
        let certificate = Parameter<String>(
            "CertificateArn", description: "ACM certificate ARN for HTTPS on the load balancer, covering DomainName (required with it); empty for HTTP only.", default: "",
            allowedPattern: "^(arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[A-Za-z0-9-]+)?$",
            constraintDescription: "an ACM certificate ARN or empty")
        let alarmEmail = Parameter<String>(
            "AlarmEmail", description: "E-mail address notified when the dead-letter queue holds messages; empty for none.",
            default: "", allowedPattern: "^([^@\\s]+@[^@\\s]+)?$", constraintDescription: "an e-mail address or empty")
        let hasCertificate = Condition("HasCertificate", .not(.equals(certificate.ref, "")))
        let hasAlarmEmail = Condition("HasAlarmEmail", .not(.equals(alarmEmail.ref, "")))

        let network = PublicNetwork(root, "", cidr: "172.31.0.0/16", subnets: [.init("A", "172.31.38.0/24"), .init("B", "172.31.37.0/24")])
        let data = DataPlane(root)
        let roles = ImageryRoles(root, data: data)
        let environment = { (placement: FleetPlacement, extra: [(String, SubTemplate)]) -> [(String, SubTemplate)] in
            data.environment + [
                ("AWS_REGION", "\(Expr<String>.region)"),
                (ImageryContract.Environment.stackName, "\(Expr<String>.stackName)"),
                (ImageryContract.Environment.signalResource, SubTemplate(placement.autoScalingGroupId)),
            ] + extra
        }
        let settings = LoadBalancedFleet.Settings()
        let web = LoadBalancedFleet(
            root, "Server", loadBalancerId: "LoadBalancer", network: network, settings: settings, certificate: certificate,
            hasCertificate: hasCertificate, size: serverSize
        ) { placement in
            InstanceSpec(
                role: "server", imageId: imageId, instanceType: instanceType, profile: roles.server.profile,
                environment: environment(placement, [
                    (ImageryContract.Environment.port, "\(settings.port)"),
                    // Readiness waits until this target group reports the instance healthy (Ref is its ARN).
                    (ImageryContract.Environment.targetGroupARN, placement.targetGroup.map { "\($0.ref)" } ?? ""),
                ]))
        }
        let workers = WorkerFleet(
            root, "Worker", network: network, queue: data.queue.queue, backlogPerInstance: 10, size: workerSize
        ) { placement in
            InstanceSpec(
                role: "worker", imageId: imageId, instanceType: instanceType, profile: roles.worker.profile,
                environment: environment(placement, []))
        }
        let domain = EndpointDomain(root, "", certificate: certificate, loadBalancer: web.loadBalancer)
        let alarmTopic = EmailTopic(root, "Alarm", displayName: "Imagery alarms", email: alarmEmail, hasEmail: hasAlarmEmail)
        let alarm = QueueNotEmptyAlarm(
            root, "DeadLetterQueue", queue: data.queue.deadLetterQueue, notify: alarmTopic.topic,
            description: "Messages are failing repeatedly and landed in the dead-letter queue.")

        return Template(description: "Imagery (AWS in Action, chapter 16): upload an image, a worker applies a sepia filter, view the result.") {
            imageId
            instanceType
            serverSize
            workerSize
            certificate
            alarmEmail
            hasCertificate
            hasAlarmEmail
            network
            data
            roles
            web
            domain
            workers
            alarmTopic
            alarm
            Output(
                "EndpointURL", value: domain.endpointURL(hasCertificate: hasCertificate, loadBalancer: web.loadBalancer),
                description: "The Imagery web application (https://DomainName with a certificate).")
            Output(
                "LoadBalancerDNSName", value: web.loadBalancer.dnsName,
                description: "Point DomainName here (alias or CNAME) when HostedZoneId is not given.")
            data.outputs
        }
    }

    /// Only the data plane, for running the server and worker as local processes against moto.
    public static func localTemplate() -> Template {
        let data = DataPlane(.root)
        return Template(description: "Imagery data plane only (bucket, table, queue + DLQ) for local runs of the server and worker.") {
            data
            data.outputs
        }
    }
}

/// The two instance roles, each allowed exactly what its process does and nothing more: every grant is
/// an arrow of the architecture diagram, e.g. "the server may put under upload/".
public struct ImageryRoles: Construct {
    public let server: InstanceRole
    public let worker: InstanceRole

    public init(_ scope: Scope, data: DataPlane) {
        let uploads = ImageryContract.Keys.uploadPrefix, processed = ImageryContract.Keys.processedPrefix
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
        server = InstanceRole(scope, "Server", grants: [
            data.table.grant(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], sid: "ImageTable"),
            // The sweeper that re-sends lost messages reads only the sparse index of waiting uploads.
            data.table.grantQuery(index: ImageryContract.PendingUploadsIndex.name, sid: "PendingUploads"),
            data.queue.grantSend(sid: "WorkQueue"),
            data.bucket.grantPut(under: uploads, sid: "Uploads"),
            data.bucket.grantRead(under: processed, sid: "ProcessedImages"),
            data.bucket.grantList(under: processed, sid: "ListProcessedImages"),
            // Readiness waits until the load balancer sees this instance healthy. The Describe* actions of
            // Elastic Load Balancing support no resource-level permissions or resource condition keys
            // (Service Authorization Reference), so "*" is the narrowest grant; the call reveals health only.
            PolicyStatement(sid: "TargetHealth", actions: ["elasticloadbalancing:DescribeTargetHealth"], resources: ["*"]),
        ] + common)
        worker = InstanceRole(scope, "Worker", grants: [
            data.table.grant(["dynamodb:GetItem", "dynamodb:UpdateItem"], sid: "ImageTable"),
            data.queue.grantConsume(sid: "WorkQueue"),
            data.bucket.grantRead(under: uploads, sid: "Uploads"),
            data.bucket.grantList(under: uploads, sid: "ListUploads"),
            data.bucket.grantPut(under: processed, sid: "ProcessedImages"),
        ] + common)
    }
}
