import CloudFormation
import CloudFormationConstructs
import CloudFormationResources
import ImageryContract

/// What every instance of a fleet needs: image, type, role and its service's configuration.
public struct InstanceSpec: Sendable {
    /// `server` or `worker`: names the systemd unit and the tags.
    public let role: String
    public let imageId: Parameter<String>
    public let instanceType: Parameter<String>
    public let profile: IAM.InstanceProfile
    /// `KEY=value` lines for /etc/imagery/env, values in Sub syntax (`"\(queue.ref)"`).
    public let environment: [(String, SubTemplate)]

    public init(
        role: String, imageId: Parameter<String>, instanceType: Parameter<String>, profile: IAM.InstanceProfile,
        environment: [(String, SubTemplate)]
    ) {
        self.role = role
        self.imageId = imageId
        self.instanceType = instanceType
        self.profile = profile
        self.environment = environment
    }
}

/// Where a fleet's instances run, handed to the closure that describes them.
public struct FleetPlacement: Sendable {
    /// The logical id of the Auto Scaling group the instances signal when they are ready.
    public let autoScalingGroupId: String
    /// The load balancer's target group, for a fleet behind one.
    public let targetGroup: ElasticLoadBalancingV2.TargetGroup?
}

/// What UserData's ERR trap runs to send FAILURE (see `ReadinessSignal.bootFailure`).
public let bootFailureCommand = "/opt/imagery/bin/imagery-worker signal-failure"

/// The boot script: write the service's configuration, then hand over to systemd.
///
/// Any failing command sends FAILURE at once (the ERR trap), so a broken boot rolls the stack back
/// without waiting out the signal timeout. The unit itself (baked into the image) waits until the
/// process answers its health check and then calls SignalResource, so CloudFormation hears "ready"
/// only when the service really is.
public func userDataScript(for spec: InstanceSpec, signalResource: String) -> String {
    // A loop rather than `joined(separator:)`, whose generic path costs a conformance lookup on a cold process.
    var environment = ""
    for (index, (key, value)) in spec.environment.enumerated() {
        if index > 0 { environment += "\n" }
        environment += key + "=" + value.text
    }
    // cfn-signal is not on Debian's AMIs; the worker binary (on every instance) signs the request itself.
    return """
        #!/bin/bash
        set -euo pipefail
        trap '\(bootFailureCommand) --stack ${AWS::StackName} --resource \(signalResource) --region ${AWS::Region} --reason "UserData failed at line $LINENO"' ERR
        install -d -m 0755 /etc/imagery
        cat > /etc/imagery/env <<'ENV'
        \(environment)
        ENV
        chmod 0644 /etc/imagery/env
        systemctl daemon-reload
        systemctl enable --now imagery-\(spec.role).service

        """
}

/// A launch template with IMDSv2 required, an encrypted gp3 root volume and the service's UserData.
public func launchTemplate(
    _ name: String, spec: InstanceSpec, securityGroup: EC2.SecurityGroup, signalResource: String, publicIp: Bool
) -> EC2.LaunchTemplate {
    EC2.LaunchTemplate(
        name,
        launchTemplateData: .init(
            blockDeviceMappings: [
                .init(
                    deviceName: "/dev/xvda",
                    ebs: .init(deleteOnTermination: true, encrypted: true, volumeSize: 8, volumeType: .gp3)),
            ],
            iamInstanceProfile: .init(arn: spec.profile.arn),
            imageId: spec.imageId.ref,
            instanceType: spec.instanceType.ref,
            metadataOptions: .init(httpEndpoint: .enabled, httpPutResponseHopLimit: 1, httpTokens: .required),
            monitoring: .init(enabled: false),
            networkInterfaces: [
                .init(associatePublicIpAddress: .init(publicIp), deleteOnTermination: true, deviceIndex: 0,
                      groups: [securityGroup.ref]),
            ],
            tagSpecifications: [
                .init(resourceType: "instance", tags: [.init(key: "Name", value: .sub("\(Expr<String>.stackName)-\(spec.role)"))]),
                .init(resourceType: "volume", tags: [.init(key: "Name", value: .sub("\(Expr<String>.stackName)-\(spec.role)"))]),
            ],
            userData: .base64(.sub(SubTemplate(userDataScript(for: spec, signalResource: signalResource))))
        )
    )
}

/// The processes a rolling update suspends, as the CDK does: otherwise target tracking (alarm
/// notifications), scheduled actions, AZ rebalancing and health-check replacements can resize or
/// replace instances in the middle of the update and make it fail or roll back.
public let rollingUpdateSuspendedProcesses: [String] = [
    "HealthCheck", "ReplaceUnhealthy", "AZRebalance", "AlarmNotification", "ScheduledActions",
]

/// The CreationPolicy and UpdatePolicy that make CloudFormation wait for instances to say they are ready.
func signalPolicies(_ group: AutoScaling.AutoScalingGroup, size: FleetSize) -> AutoScaling.AutoScalingGroup {
    group
        .creationPolicy(CreationPolicy(resourceSignal: .init(count: .ref(size.minSize), timeout: "PT10M")))
        .updatePolicy(UpdatePolicy(autoScalingRollingUpdate: .init(
            maxBatchSize: 1, minInstancesInService: Expr(raw: size.minInstancesInService), pauseTime: "PT10M",
            suspendProcesses: rollingUpdateSuspendedProcesses, waitOnResourceSignals: true)))
}

/// An internet-facing ALB in front of an Auto Scaling group of servers, scaled on requests per target.
///
/// `id` names the instances' resources (`Server` gives `ServerSecurityGroup`, `ServerLaunchTemplate`,
/// `ServerAutoScalingGroup`, `ServerScalingPolicy`), `loadBalancerId` the load balancer's
/// (`LoadBalancer`, `LoadBalancerSecurityGroup`, `LoadBalancerTargetGroup`, `LoadBalancerListener`, ...).
public struct LoadBalancedFleet: Construct {
    public let loadBalancerSecurityGroup: EC2.SecurityGroup
    public let httpsIngress: EC2.SecurityGroupIngress
    public let serverSecurityGroup: EC2.SecurityGroup
    public let loadBalancer: ElasticLoadBalancingV2.LoadBalancer
    public let targetGroup: ElasticLoadBalancingV2.TargetGroup
    public let httpListener: ElasticLoadBalancingV2.Listener
    public let httpsListener: ElasticLoadBalancingV2.Listener
    public let launchTemplate: EC2.LaunchTemplate
    public let autoScalingGroup: AutoScaling.AutoScalingGroup
    public let scalingPolicy: AutoScaling.ScalingPolicy

    public struct Settings: Sendable {
        public var port = 8080
        public var healthCheckPath = "/health"
        public var requestsPerTarget = 1000.0
        public init() {}
    }

    public init(
        _ scope: Scope, _ id: String, loadBalancerId: String, network: PublicNetwork, settings: Settings,
        certificate: Parameter<String>, hasCertificate: Condition, size: FleetSize, instance: (FleetPlacement) -> InstanceSpec
    ) {
        let lb = scope.child(loadBalancerId), fleet = scope.child(id)
        loadBalancerSecurityGroup = EC2.SecurityGroup(
            lb.id("SecurityGroup"), groupDescription: .sub("\(Expr<String>.stackName) load balancer: HTTP(S) from anywhere"),
            securityGroupIngress: [
                .init(cidrIp: "0.0.0.0/0", description: "HTTP from anywhere", fromPort: 80, ipProtocol: "tcp", toPort: 80),
            ],
            vpcId: network.vpc.ref)
        httpsIngress = EC2.SecurityGroupIngress(
            lb.id("HttpsIngress"), cidrIp: "0.0.0.0/0", description: "HTTPS from anywhere", fromPort: 443,
            groupId: loadBalancerSecurityGroup.groupId, ipProtocol: "tcp", toPort: 443
        ).condition(hasCertificate)
        serverSecurityGroup = EC2.SecurityGroup(
            fleet.id("SecurityGroup"), groupDescription: .sub("\(Expr<String>.stackName) server: traffic from the load balancer only"),
            securityGroupIngress: [
                .init(description: "service port from the load balancer", fromPort: .init(settings.port), ipProtocol: "tcp",
                      sourceSecurityGroupId: loadBalancerSecurityGroup.groupId, toPort: .init(settings.port)),
            ],
            vpcId: network.vpc.ref)
        loadBalancer = ElasticLoadBalancingV2.LoadBalancer(
            lb.ownId,
            loadBalancerAttributes: [.init(key: "routing.http.drop_invalid_header_fields.enabled", value: "true")],
            scheme: .internetFacing, securityGroups: [loadBalancerSecurityGroup.groupId],
            subnets: .list(network.subnetIds), type: .application
        ).dependsOn(network.gatewayAttachment)
        targetGroup = ElasticLoadBalancingV2.TargetGroup(
            lb.id("TargetGroup"),
            healthCheckIntervalSeconds: 10, healthCheckPath: .init(settings.healthCheckPath),
            healthCheckPort: .init(String(settings.port)), healthCheckProtocol: .http, healthCheckTimeoutSeconds: 5,
            healthyThresholdCount: 2, matcher: .init(httpCode: "200"), port: .init(settings.port), protocol: .http,
            targetGroupAttributes: [.init(key: "deregistration_delay.timeout_seconds", value: "30")],
            unhealthyThresholdCount: 2, vpcId: network.vpc.ref)
        let forward = ElasticLoadBalancingV2.Listener.Action(targetGroupArn: targetGroup.ref, type: .forward)
        let redirect = ElasticLoadBalancingV2.Listener.Action(
            redirectConfig: .init(port: "443", protocol: "HTTPS", statusCode: .http301), type: .redirect)
        httpListener = ElasticLoadBalancingV2.Listener(
            lb.id("Listener"),
            defaultActions: .items(.if(hasCertificate, redirect, forward)),
            loadBalancerArn: loadBalancer.ref, port: 80, protocol: .http)
        httpsListener = ElasticLoadBalancingV2.Listener(
            lb.id("HttpsListener"),
            certificates: [.init(certificateArn: certificate.ref)],
            defaultActions: [forward], loadBalancerArn: loadBalancer.ref, port: 443, protocol: .https,
            sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06"
        ).condition(hasCertificate)
        let groupId = fleet.id("AutoScalingGroup")
        let spec = instance(FleetPlacement(autoScalingGroupId: groupId, targetGroup: targetGroup))
        launchTemplate = ImageryInfrastructure.launchTemplate(
            fleet.id("LaunchTemplate"), spec: spec, securityGroup: serverSecurityGroup, signalResource: groupId, publicIp: true)
        autoScalingGroup = signalPolicies(
            AutoScaling.AutoScalingGroup(
                groupId,
                healthCheckGracePeriod: 120, healthCheckType: "ELB",
                launchTemplate: .init(launchTemplateId: launchTemplate.ref, version: launchTemplate.latestVersionNumber),
                maxSize: .ref(size.maxSize), minSize: .ref(size.minSize),
                tags: [.init(key: "Name", propagateAtLaunch: true, value: .sub("\(Expr<String>.stackName)-\(spec.role)"))],
                targetGroupARNs: [targetGroup.ref], vpcZoneIdentifier: .list(network.subnetIds)
            // Instances get public IPs: without this, a stack delete can remove the gateway attachment
            // first and fail on "has some mapped public address(es)" (the DependsOn docs name this case).
            ).dependsOn(network.gatewayAttachment),
            size: size)
        scalingPolicy = AutoScaling.ScalingPolicy(
            fleet.id("ScalingPolicy"), autoScalingGroupName: autoScalingGroup.ref, policyType: .targetTrackingScaling,
            targetTrackingConfiguration: .init(
                predefinedMetricSpecification: .init(
                    predefinedMetricType: .albRequestCountPerTarget,
                    resourceLabel: .join("/", [loadBalancer.loadBalancerFullName, targetGroup.targetGroupFullName])),
                targetValue: .init(settings.requestsPerTarget))
        // ResourceLabel names the target group, which ALBRequestCountPerTarget accepts only once a
        // listener attaches it to the load balancer; the CDK adds this dependency too. With a
        // certificate the HTTPS listener is the one that forwards, but it is conditional and DependsOn
        // takes no Fn::If (nor a conditional resource): a Ref under Fn::If in Metadata makes the same
        // dependency only when the listener exists.
        ).dependsOn(httpListener)
        .metadata([
            "HttpsListener": Expr<String>.if(hasCertificate, httpsListener.ref, .noValue).cfnValue,
        ])
    }
}

/// An Auto Scaling group of queue workers, scaled on the queue backlog per instance.
///
/// `Worker` gives `WorkerSecurityGroup`, `WorkerLaunchTemplate`, `WorkerAutoScalingGroup`, `WorkerScalingPolicy`.
public struct WorkerFleet: Construct {
    public let securityGroup: EC2.SecurityGroup
    public let launchTemplate: EC2.LaunchTemplate
    public let autoScalingGroup: AutoScaling.AutoScalingGroup
    public let scalingPolicy: AutoScaling.ScalingPolicy

    public init(
        _ scope: Scope, _ id: String, network: PublicNetwork, queue: SQS.Queue, backlogPerInstance: Double, size: FleetSize,
        instance: (FleetPlacement) -> InstanceSpec
    ) {
        let fleet = scope.child(id)
        securityGroup = EC2.SecurityGroup(
            fleet.id("SecurityGroup"), groupDescription: .sub("\(Expr<String>.stackName) worker: no inbound traffic"),
            vpcId: network.vpc.ref)
        let groupId = fleet.id("AutoScalingGroup")
        let spec = instance(FleetPlacement(autoScalingGroupId: groupId, targetGroup: nil))
        // The worker has no inbound traffic, but it needs a public IP for outbound calls to SQS, S3,
        // DynamoDB and SSM: the network has no NAT gateway (as in the book, to avoid its hourly cost).
        launchTemplate = ImageryInfrastructure.launchTemplate(
            fleet.id("LaunchTemplate"), spec: spec, securityGroup: securityGroup, signalResource: groupId, publicIp: true)
        autoScalingGroup = signalPolicies(
            AutoScaling.AutoScalingGroup(
                groupId,
                healthCheckGracePeriod: 120, healthCheckType: "EC2",
                launchTemplate: .init(launchTemplateId: launchTemplate.ref, version: launchTemplate.latestVersionNumber),
                maxSize: .ref(size.maxSize), metricsCollection: [.init(granularity: "1Minute", metrics: ["GroupInServiceInstances"])],
                minSize: .ref(size.minSize),
                tags: [.init(key: "Name", propagateAtLaunch: true, value: .sub("\(Expr<String>.stackName)-\(spec.role)"))],
                vpcZoneIdentifier: .list(network.subnetIds)
            ).dependsOn(network.gatewayAttachment),  // public IPs: see the server group
            size: size)
        let queueName = queue.name
        scalingPolicy = AutoScaling.ScalingPolicy(
            fleet.id("ScalingPolicy"), autoScalingGroupName: autoScalingGroup.ref, policyType: .targetTrackingScaling,
            targetTrackingConfiguration: .init(
                customizedMetricSpecification: .init(metrics: [
                    .init(
                        id: "backlog",
                        metricStat: .init(
                            metric: .init(
                                dimensions: [.init(name: "QueueName", value: queueName)],
                                metricName: "ApproximateNumberOfMessagesVisible", namespace: "AWS/SQS"),
                            stat: "Sum"),
                        returnData: false),
                    .init(
                        id: "instances",
                        metricStat: .init(
                            metric: .init(
                                dimensions: [.init(name: "AutoScalingGroupName", value: autoScalingGroup.ref)],
                                metricName: "GroupInServiceInstances", namespace: "AWS/AutoScaling"),
                            stat: "Average"),
                        returnData: false),
                    .init(
                        expression: "backlog / IF(instances > 0, instances, 1)", id: "backlogPerInstance",
                        label: "Messages waiting per worker", returnData: true),
                ]),
                targetValue: .init(backlogPerInstance)))
    }
}
