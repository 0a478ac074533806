import CloudFormation
import CloudFormationResources

/// What every instance of a fleet needs: image, type, role, network placement and its service.
public struct InstanceSpec: Sendable {
    /// `server` or `worker`: names the systemd unit and the tags.
    public let role: String
    public let imageId: Parameter
    public let instanceType: Parameter
    public let profile: IAM.InstanceProfile
    public let securityGroup: EC2.SecurityGroup
    /// The logical id of the Auto Scaling group, which the instance signals when it is ready.
    public let signalResource: String
    /// `KEY=value` lines for /etc/imagery/env; values may use `${...}` Sub references.
    public let environment: [(String, String)]

    public init(
        role: String, imageId: Parameter, instanceType: Parameter, profile: IAM.InstanceProfile,
        securityGroup: EC2.SecurityGroup, signalResource: String, environment: [(String, String)]
    ) {
        self.role = role
        self.imageId = imageId
        self.instanceType = instanceType
        self.profile = profile
        self.securityGroup = securityGroup
        self.signalResource = signalResource
        self.environment = environment
    }
}

/// What UserData's ERR trap runs to send FAILURE (see `ReadinessSignal.bootFailure`).
public let bootFailureCommand = "/opt/imagery/bin/imagery-worker signal-failure"

/// The boot script: write the service's configuration, then hand over to systemd.
///
/// Any failing command sends FAILURE at once (the ERR trap), so a broken boot rolls the stack back
/// without waiting out the signal timeout. The unit itself (baked into the image) waits until the
/// process answers its health check and then calls SignalResource, so CloudFormation hears "ready"
/// only when the service really is.
public func userDataScript(for spec: InstanceSpec) -> String {
    // A loop rather than `joined(separator:)`, whose generic path costs a conformance lookup on a cold process.
    var environment = ""
    for (index, (key, value)) in spec.environment.enumerated() {
        if index > 0 { environment += "\n" }
        environment += key + "=" + value
    }
    // cfn-signal is not on Debian's AMIs; the worker binary (on every instance) signs the request itself.
    return """
        #!/bin/bash
        set -euo pipefail
        trap '\(bootFailureCommand) --stack ${AWS::StackName} --resource \(spec.signalResource) --region ${AWS::Region} --reason "UserData failed at line $LINENO"' ERR
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
public func launchTemplate(_ name: String, spec: InstanceSpec, publicIp: Bool) -> EC2.LaunchTemplate {
    EC2.LaunchTemplate(
        name,
        launchTemplateData: .init(
            blockDeviceMappings: [
                .init(
                    deviceName: "/dev/xvda",
                    ebs: .init(deleteOnTermination: true, encrypted: true, volumeSize: 8, volumeType: .gp3)),
            ],
            iamInstanceProfile: .init(arn: spec.profile.arn),
            imageId: spec.imageId.ref(),
            instanceType: spec.instanceType.ref(),
            metadataOptions: .init(httpEndpoint: .enabled, httpPutResponseHopLimit: 1, httpTokens: .required),
            monitoring: .init(enabled: false),
            networkInterfaces: [
                .init(associatePublicIpAddress: .init(publicIp), deleteOnTermination: true, deviceIndex: 0,
                      groups: [spec.securityGroup.ref]),
            ],
            tagSpecifications: [
                .init(resourceType: "instance", tags: [.init(key: "Name", value: .sub("${AWS::StackName}-\(spec.role)"))]),
                .init(resourceType: "volume", tags: [.init(key: "Name", value: .sub("${AWS::StackName}-\(spec.role)"))]),
            ],
            userData: .base64(.sub(userDataScript(for: spec)))
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
func signalPolicies<R: Resource>(_ group: R, size: FleetSize) -> R {
    group
        .creationPolicy(["ResourceSignal": ["Count": .fn(.ref(size.minSize.logicalId)), "Timeout": "PT10M"]])
        .updatePolicy([
            "AutoScalingRollingUpdate": [
                "MaxBatchSize": 1, "MinInstancesInService": size.minInstancesInService, "PauseTime": "PT10M",
                "SuspendProcesses": .list(rollingUpdateSuspendedProcesses.map(Value.string)),
                "WaitOnResourceSignals": true,
            ],
        ])
}

/// An internet-facing ALB in front of an Auto Scaling group of servers, scaled on requests per target.
public struct LoadBalancedFleet: TemplateComponent {
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
        network: PublicNetwork, settings: Settings, certificate: Parameter, hasCertificate: Condition,
        size: FleetSize, instance: (EC2.SecurityGroup) -> InstanceSpec
    ) {
        loadBalancerSecurityGroup = EC2.SecurityGroup(
            "LoadBalancerSecurityGroup", groupDescription: .sub("${AWS::StackName} load balancer: HTTP(S) from anywhere"),
            securityGroupIngress: [
                .init(cidrIp: "0.0.0.0/0", description: "HTTP from anywhere", fromPort: 80, ipProtocol: "tcp", toPort: 80),
            ],
            vpcId: network.vpc.ref)
        httpsIngress = EC2.SecurityGroupIngress(
            "LoadBalancerHttpsIngress", cidrIp: "0.0.0.0/0", description: "HTTPS from anywhere", fromPort: 443,
            groupId: loadBalancerSecurityGroup.groupId, ipProtocol: "tcp", toPort: 443
        ).condition(hasCertificate)
        serverSecurityGroup = EC2.SecurityGroup(
            "ServerSecurityGroup", groupDescription: .sub("${AWS::StackName} server: traffic from the load balancer only"),
            securityGroupIngress: [
                .init(description: "service port from the load balancer", fromPort: .init(settings.port), ipProtocol: "tcp",
                      sourceSecurityGroupId: loadBalancerSecurityGroup.groupId, toPort: .init(settings.port)),
            ],
            vpcId: network.vpc.ref)
        loadBalancer = ElasticLoadBalancingV2.LoadBalancer(
            "LoadBalancer",
            loadBalancerAttributes: [.init(key: "routing.http.drop_invalid_header_fields.enabled", value: "true")],
            scheme: .internetFacing, securityGroups: [loadBalancerSecurityGroup.groupId],
            subnets: .list(network.subnetIds), type: .application
        ).dependsOn(network.gatewayAttachment)
        targetGroup = ElasticLoadBalancingV2.TargetGroup(
            "LoadBalancerTargetGroup",
            healthCheckIntervalSeconds: 10, healthCheckPath: .init(settings.healthCheckPath),
            healthCheckPort: .init(String(settings.port)), healthCheckProtocol: .http, healthCheckTimeoutSeconds: 5,
            healthyThresholdCount: 2, matcher: .init(httpCode: "200"), port: .init(settings.port), protocol: .http,
            targetGroupAttributes: [.init(key: "deregistration_delay.timeout_seconds", value: "30")],
            unhealthyThresholdCount: 2, vpcId: network.vpc.ref)
        let forward = ElasticLoadBalancingV2.Listener.Action(targetGroupArn: targetGroup.ref, type: .forward)
        let redirect = ElasticLoadBalancingV2.Listener.Action(
            redirectConfig: .init(port: "443", protocol: "HTTPS", statusCode: .http301), type: .redirect)
        httpListener = ElasticLoadBalancingV2.Listener(
            "LoadBalancerListener",
            defaultActions: [.intrinsic(Value.fn(.if(hasCertificate.name, redirect.cfnValue, forward.cfnValue)))],
            loadBalancerArn: loadBalancer.ref, port: 80, protocol: .http)
        httpsListener = ElasticLoadBalancingV2.Listener(
            "LoadBalancerHttpsListener",
            certificates: [.init(certificateArn: certificate.ref())],
            defaultActions: [forward], loadBalancerArn: loadBalancer.ref, port: 443, protocol: .https,
            sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06"
        ).condition(hasCertificate)
        let spec = instance(serverSecurityGroup)
        launchTemplate = Imagery.launchTemplate("ServerLaunchTemplate", spec: spec, publicIp: true)
        autoScalingGroup = signalPolicies(
            AutoScaling.AutoScalingGroup(
                "ServerAutoScalingGroup",
                healthCheckGracePeriod: 120, healthCheckType: "ELB",
                launchTemplate: .init(launchTemplateId: launchTemplate.ref, version: launchTemplate.latestVersionNumber),
                maxSize: size.maxSize.ref(), minSize: size.minSize.ref(),
                tags: [.init(key: "Name", propagateAtLaunch: true, value: .sub("${AWS::StackName}-server"))],
                targetGroupARNs: [targetGroup.ref], vpcZoneIdentifier: .list(network.subnetIds)
            // Instances get public IPs: without this, a stack delete can remove the gateway attachment
            // first and fail on "has some mapped public address(es)" (the DependsOn docs name this case).
            ).dependsOn(network.gatewayAttachment),
            size: size)
        scalingPolicy = AutoScaling.ScalingPolicy(
            "ServerScalingPolicy", autoScalingGroupName: autoScalingGroup.ref, policyType: .targetTrackingScaling,
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
            "HttpsListener": .fn(.if(hasCertificate.name, .fn(.ref(httpsListener.logicalId)), .fn(.ref(Pseudo.noValue.rawValue)))),
        ])
    }

    public var templateElements: [TemplateElement] {
        let parts: [any TemplateComponent] = [
            loadBalancerSecurityGroup, httpsIngress, serverSecurityGroup, loadBalancer, targetGroup, httpListener,
            httpsListener, launchTemplate, autoScalingGroup, scalingPolicy,
        ]
        return parts.flatMap(\.templateElements)
    }
}

/// An Auto Scaling group of queue workers, scaled on the queue backlog per instance.
public struct WorkerFleet: TemplateComponent {
    public let securityGroup: EC2.SecurityGroup
    public let launchTemplate: EC2.LaunchTemplate
    public let autoScalingGroup: AutoScaling.AutoScalingGroup
    public let scalingPolicy: AutoScaling.ScalingPolicy

    public init(
        network: PublicNetwork, queue: SQS.Queue, backlogPerInstance: Double, size: FleetSize,
        instance: (EC2.SecurityGroup) -> InstanceSpec
    ) {
        securityGroup = EC2.SecurityGroup(
            "WorkerSecurityGroup", groupDescription: .sub("${AWS::StackName} worker: no inbound traffic"),
            vpcId: network.vpc.ref)
        let spec = instance(securityGroup)
        // The worker has no inbound traffic, but it needs a public IP for outbound calls to SQS, S3,
        // DynamoDB and SSM: the network has no NAT gateway (as in the book, to avoid its hourly cost).
        launchTemplate = Imagery.launchTemplate("WorkerLaunchTemplate", spec: spec, publicIp: true)
        autoScalingGroup = signalPolicies(
            AutoScaling.AutoScalingGroup(
                "WorkerAutoScalingGroup",
                healthCheckGracePeriod: 120, healthCheckType: "EC2",
                launchTemplate: .init(launchTemplateId: launchTemplate.ref, version: launchTemplate.latestVersionNumber),
                maxSize: size.maxSize.ref(), metricsCollection: [.init(granularity: "1Minute", metrics: ["GroupInServiceInstances"])],
                minSize: size.minSize.ref(),
                tags: [.init(key: "Name", propagateAtLaunch: true, value: .sub("${AWS::StackName}-worker"))],
                vpcZoneIdentifier: .list(network.subnetIds)
            ).dependsOn(network.gatewayAttachment),  // public IPs: see the server group
            size: size)
        let queueName: Expr<String> = .getAtt(queue.logicalId, "QueueName")
        scalingPolicy = AutoScaling.ScalingPolicy(
            "WorkerScalingPolicy", autoScalingGroupName: autoScalingGroup.ref, policyType: .targetTrackingScaling,
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

    public var templateElements: [TemplateElement] {
        let parts: [any TemplateComponent] = [securityGroup, launchTemplate, autoScalingGroup, scalingPolicy]
        return parts.flatMap(\.templateElements)
    }
}
