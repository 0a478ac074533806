"""The Imagery stack (templates/imagery.yaml) written as a troposphere user would write it, for the
synth benchmark (bench/synth_bench.py): every parameter, condition, resource and output built as
troposphere objects, resource by resource, then rendered to YAML.

    python synth_troposphere.py [OUT.yaml]     (default: imagery.yaml in the current directory)

bench/synth_bench.py times this whole process against `infra synth --template imagery` and checks
that the two templates are the same CloudFormation (tags and short/long intrinsic forms aside).
"""
from __future__ import annotations

import sys

from troposphere import (
    AWS_NO_VALUE,
    AWS_STACK_ID,
    And,
    Base64,
    Condition,
    Equals,
    GetAtt,
    GetAZs,
    If,
    Join,
    Not,
    Or,
    Output,
    Parameter,
    Ref,
    Select,
    Sub,
    Tags,
    Template,
)
from troposphere import autoscaling, cloudwatch, dynamodb, ec2, iam, route53, s3, sns, sqs
from troposphere import elasticloadbalancingv2 as elbv2
from troposphere.policies import AutoScalingRollingUpdate, CreationPolicy, ResourceSignal, UpdatePolicy

DESCRIPTION = ("Imagery (AWS in Action, chapter 16): upload an image, a worker applies a sepia filter, "
               "view the result.")
SERVICE_PORT = 8080
MAX_INSTANCES = 20
SUSPENDED_DURING_ROLLING_UPDATE = ["HealthCheck", "ReplaceUnhealthy", "AZRebalance", "AlarmNotification",
                                  "ScheduledActions"]
POLICY_VERSION = "2012-10-17"
SESSION_MANAGER_ACTIONS = [
    "ec2messages:AcknowledgeMessage",
    "ec2messages:DeleteMessage",
    "ec2messages:FailMessage",
    "ec2messages:GetEndpoint",
    "ec2messages:GetMessages",
    "ec2messages:SendReply",
    "ssm:UpdateInstanceInformation",
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
]


def parameters(t: Template) -> dict[str, Parameter]:
    p = {}
    p["ImageId"] = t.add_parameter(Parameter(
        "ImageId", Type="AWS::EC2::Image::Id",
        Description="AMI with imagery-server and imagery-worker baked in (make ami; infra deploy fills it from "
                    "packer/manifest.json)."))
    p["InstanceType"] = t.add_parameter(Parameter(
        "InstanceType", Type="String", Description="EC2 instance type for servers and workers.",
        Default="t3.micro", AllowedPattern=r"^[a-z][a-z0-9-]*\.[a-z0-9]+$",
        ConstraintDescription="an EC2 instance type such as t3.micro"))
    for role, label in (("Server", "server"), ("Worker", "worker")):
        for bound, default in (("Min", 1), ("Max", 2)):
            name = f"{role}{bound}Size"
            description = (f"Minimum {label} instance count (at most {role}MaxSize)." if bound == "Min"
                           else f"Maximum {label} instance count.")
            p[name] = t.add_parameter(Parameter(
                name, Type="Number", Description=description, Default=default, MinValue=1, MaxValue=MAX_INSTANCES))
    p["CertificateArn"] = t.add_parameter(Parameter(
        "CertificateArn", Type="String",
        Description="ACM certificate ARN for HTTPS on the load balancer, covering DomainName (required with it); "
                    "empty for HTTP only.", Default="",
        AllowedPattern=r"^(arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[A-Za-z0-9-]+)?$",
        ConstraintDescription="an ACM certificate ARN or empty"))
    p["AlarmEmail"] = t.add_parameter(Parameter(
        "AlarmEmail", Type="String",
        Description="E-mail address notified when the dead-letter queue holds messages; empty for none.",
        Default="", AllowedPattern=r"^([^@\s]+@[^@\s]+)?$", ConstraintDescription="an e-mail address or empty"))
    p["DomainName"] = t.add_parameter(Parameter(
        "DomainName", Type="String",
        Description="Domain name users reach Imagery under (required with CertificateArn, which must cover it); "
                    "empty for the load balancer's own name over HTTP.",
        Default="", AllowedPattern=r"^(([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63})?$",
        ConstraintDescription="a domain name such as imagery.example.com, or empty"))
    p["HostedZoneId"] = t.add_parameter(Parameter(
        "HostedZoneId", Type="String",
        Description="Route 53 hosted zone id in which to create an alias record DomainName -> load balancer; "
                    "empty to point DNS at the LoadBalancerDNSName output yourself.",
        Default="", AllowedPattern=r"^(Z[A-Z0-9]{1,31})?$",
        ConstraintDescription="a hosted zone id such as Z0123456789ABCDEFGHIJ, or empty"))
    return p


def is_set(parameter: Parameter):
    return Not(Equals(Ref(parameter), ""))


def rules(t: Template, p: dict) -> None:
    """Parameter combinations CloudFormation refuses before it changes anything."""
    for role in ("Server", "Worker"):
        # Min <= Max for Number parameters, which rules see as strings: one (Min = m, Max in m...20) per m.
        cases = [And(Equals(Ref(p[f"{role}MinSize"]), str(low)),
                     {"Fn::Contains": [[str(high) for high in range(low, MAX_INSTANCES + 1)], Ref(p[f"{role}MaxSize"])]})
                 for low in range(1, MAX_INSTANCES + 1)]
        # Fn::Or takes 2 to 10 conditions: groups of 10.
        t.add_rule(f"{role}MinSizeNotOverMaxSize", {"Assertions": [{
            "Assert": Or(*[Or(*cases[start:start + 10]) for start in range(0, len(cases), 10)]),
            "AssertDescription": f"{role}MinSize must not be greater than {role}MaxSize (both 1 to {MAX_INSTANCES}); "
                                 f"set {role}MaxSize to at least {role}MinSize.",
        }]})
    t.add_rule("CertificateNeedsDomainName", {
        "RuleCondition": is_set(p["CertificateArn"]),
        "Assertions": [{"Assert": is_set(p["DomainName"]), "AssertDescription": (
            "CertificateArn is set but DomainName is empty: no certificate covers the load balancer's own name "
            "(*.elb.amazonaws.com), so browsers would refuse the HTTPS endpoint. Set DomainName to a name the "
            "certificate covers (and HostedZoneId to have its alias record created), or leave CertificateArn empty.")}],
    })
    t.add_rule("HostedZoneNeedsDomainName", {
        "RuleCondition": is_set(p["HostedZoneId"]),
        "Assertions": [{"Assert": is_set(p["DomainName"]), "AssertDescription": (
            "HostedZoneId is set but DomainName is empty: the alias record needs a name. Set DomainName to a name "
            "in that hosted zone, or leave HostedZoneId empty.")}],
    })


def conditions(t: Template, p: dict) -> None:
    for role in ("Server", "Worker"):
        t.add_condition(f"{role}SizeIsFixed", Equals(Ref(p[f"{role}MinSize"]), Ref(p[f"{role}MaxSize"])))
    t.add_condition("HasCertificate", is_set(p["CertificateArn"]))
    t.add_condition("HasAlarmEmail", is_set(p["AlarmEmail"]))
    t.add_condition("HasDomainName", is_set(p["DomainName"]))
    t.add_condition("HasAliasRecord", And(is_set(p["HostedZoneId"]), Condition("HasDomainName")))


def network(t: Template) -> dict:
    vpc = t.add_resource(ec2.VPC("VPC", CidrBlock="172.31.0.0/16", EnableDnsHostnames=True, EnableDnsSupport=True))
    igw = t.add_resource(ec2.InternetGateway("InternetGateway"))
    attachment = t.add_resource(ec2.VPCGatewayAttachment(
        "VPCGatewayAttachment", InternetGatewayId=Ref(igw), VpcId=Ref(vpc)))
    subnets = [
        t.add_resource(ec2.Subnet(
            f"Subnet{letter}", AvailabilityZone=Select(index, GetAZs("")), CidrBlock=cidr,
            MapPublicIpOnLaunch=False, VpcId=Ref(vpc)))
        for index, (letter, cidr) in enumerate((("A", "172.31.38.0/24"), ("B", "172.31.37.0/24")))
    ]
    route_table = t.add_resource(ec2.RouteTable("RouteTable", VpcId=Ref(vpc)))
    for letter, subnet in zip("AB", subnets):
        t.add_resource(ec2.SubnetRouteTableAssociation(
            f"RouteTableAssociation{letter}", RouteTableId=Ref(route_table), SubnetId=Ref(subnet)))
    t.add_resource(ec2.Route(
        "RouteTablePublicInternetRoute", DependsOn=attachment, DestinationCidrBlock="0.0.0.0/0",
        GatewayId=Ref(igw), RouteTableId=Ref(route_table)))
    acl = t.add_resource(ec2.NetworkAcl("NetworkAcl", VpcId=Ref(vpc)))
    for letter, subnet in zip("AB", subnets):
        t.add_resource(ec2.SubnetNetworkAclAssociation(
            f"SubnetNetworkAclAssociation{letter}", NetworkAclId=Ref(acl), SubnetId=Ref(subnet)))
    for name, egress in (("Ingress", False), ("Egress", True)):
        t.add_resource(ec2.NetworkAclEntry(
            f"NetworkAclEntry{name}", CidrBlock="0.0.0.0/0", Egress=egress, NetworkAclId=Ref(acl), Protocol=-1,
            RuleAction="allow", RuleNumber=100))
    return {"vpc": vpc, "attachment": attachment, "subnets": subnets}


def data(t: Template) -> dict:
    bucket = t.add_resource(s3.Bucket(
        "Bucket", DeletionPolicy="Delete", UpdateReplacePolicy="Retain",
        BucketEncryption=s3.BucketEncryption(ServerSideEncryptionConfiguration=[s3.ServerSideEncryptionRule(
            BucketKeyEnabled=True,
            ServerSideEncryptionByDefault=s3.ServerSideEncryptionByDefault(SSEAlgorithm="AES256"))]),
        LifecycleConfiguration=s3.LifecycleConfiguration(Rules=[
            s3.LifecycleRule(
                AbortIncompleteMultipartUpload=s3.AbortIncompleteMultipartUpload(DaysAfterInitiation=1),
                Id="abort-abandoned-multipart-uploads", Status="Enabled"),
            s3.LifecycleRule(
                ExpiredObjectDeleteMarker=True, Id="expire-noncurrent-versions",
                NoncurrentVersionExpiration=s3.NoncurrentVersionExpiration(NoncurrentDays=7), Status="Enabled"),
        ]),
        OwnershipControls=s3.OwnershipControls(Rules=[s3.OwnershipControlsRule(ObjectOwnership="BucketOwnerEnforced")]),
        PublicAccessBlockConfiguration=s3.PublicAccessBlockConfiguration(
            BlockPublicAcls=True, BlockPublicPolicy=True, IgnorePublicAcls=True, RestrictPublicBuckets=True),
        VersioningConfiguration=s3.VersioningConfiguration(Status="Enabled")))
    t.add_resource(s3.BucketPolicy(
        "BucketPolicy", Bucket=Ref(bucket),
        PolicyDocument={
            "Version": POLICY_VERSION,
            "Statement": [{
                "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                "Resource": [GetAtt(bucket, "Arn"), Sub("${Bucket.Arn}/*")],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }],
        }))
    table = t.add_resource(dynamodb.Table(
        "Table", DeletionPolicy="Delete", UpdateReplacePolicy="Retain",
        AttributeDefinitions=[dynamodb.AttributeDefinition(AttributeName="id", AttributeType="S"),
                              dynamodb.AttributeDefinition(AttributeName="pending", AttributeType="S"),
                              dynamodb.AttributeDefinition(AttributeName="pendingSince", AttributeType="N")],
        BillingMode="PAY_PER_REQUEST",
        GlobalSecondaryIndexes=[dynamodb.GlobalSecondaryIndex(
            IndexName="PendingUploads",
            KeySchema=[dynamodb.KeySchema(AttributeName="pending", KeyType="HASH"),
                       dynamodb.KeySchema(AttributeName="pendingSince", KeyType="RANGE")],
            Projection=dynamodb.Projection(ProjectionType="KEYS_ONLY"))],
        KeySchema=[dynamodb.KeySchema(AttributeName="id", KeyType="HASH")],
        PointInTimeRecoverySpecification=dynamodb.PointInTimeRecoverySpecification(PointInTimeRecoveryEnabled=True),
        SSESpecification=dynamodb.SSESpecification(SSEEnabled=True)))
    dlq = t.add_resource(sqs.Queue(
        "SQSDLQueue", DeletionPolicy="Delete", UpdateReplacePolicy="Delete", MessageRetentionPeriod=1209600,
        SqsManagedSseEnabled=True))
    queue = t.add_resource(sqs.Queue(
        "SQSQueue", DeletionPolicy="Delete", UpdateReplacePolicy="Delete", MessageRetentionPeriod=345600,
        ReceiveMessageWaitTimeSeconds=20,
        RedrivePolicy=sqs.RedrivePolicy(deadLetterTargetArn=GetAtt(dlq, "Arn"), maxReceiveCount=10),
        SqsManagedSseEnabled=True, VisibilityTimeout=120))
    return {"bucket": bucket, "table": table, "dlq": dlq, "queue": queue}


def role(t: Template, name: str, policy_name: str, statements: list[dict]) -> iam.InstanceProfile:
    """One fleet's role: its own statements, then readiness signals and Session Manager."""
    statements = statements + [
        {"Sid": "SignalReadiness", "Effect": "Allow", "Action": "cloudformation:SignalResource",
         "Resource": Ref(AWS_STACK_ID)},
        {"Sid": "SessionManager", "Effect": "Allow", "Action": SESSION_MANAGER_ACTIONS, "Resource": "*"},
    ]
    the_role = t.add_resource(iam.Role(
        f"{name}Role",
        AssumeRolePolicyDocument={
            "Version": POLICY_VERSION,
            "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                           "Action": "sts:AssumeRole"}],
        },
        Policies=[iam.Policy(PolicyName=policy_name,
                             PolicyDocument={"Version": POLICY_VERSION, "Statement": statements})]))
    return t.add_resource(iam.InstanceProfile(f"{name}InstanceProfile", Roles=[Ref(the_role)]))


def allow(sid: str, action, resource, condition: dict | None = None) -> dict:
    statement = {"Sid": sid, "Effect": "Allow", "Action": action, "Resource": resource}
    if condition:
        statement["Condition"] = condition
    return statement


def server_statements(d: dict) -> list[dict]:
    """Least privilege for the server: create and read image records, enqueue, upload, read results."""
    return [
        allow("ImageTable", ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], GetAtt(d["table"], "Arn")),
        allow("PendingUploads", "dynamodb:Query", Sub("${Table.Arn}/index/PendingUploads")),
        allow("WorkQueue", "sqs:SendMessage", GetAtt(d["queue"], "Arn")),
        allow("Uploads", "s3:PutObject", Sub("${Bucket.Arn}/upload/*")),
        allow("ProcessedImages", "s3:GetObject", Sub("${Bucket.Arn}/processed/*")),
        allow("ListProcessedImages", "s3:ListBucket", GetAtt(d["bucket"], "Arn"),
              {"StringLike": {"s3:prefix": "processed/*"}}),
        allow("TargetHealth", "elasticloadbalancing:DescribeTargetHealth", "*"),
    ]


def worker_statements(d: dict) -> list[dict]:
    """Least privilege for the worker: update records, consume the queue, read uploads, write results."""
    return [
        allow("ImageTable", ["dynamodb:GetItem", "dynamodb:UpdateItem"], GetAtt(d["table"], "Arn")),
        allow("WorkQueue", ["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:ReceiveMessage"],
              GetAtt(d["queue"], "Arn")),
        allow("Uploads", "s3:GetObject", Sub("${Bucket.Arn}/upload/*")),
        allow("ListUploads", "s3:ListBucket", GetAtt(d["bucket"], "Arn"), {"StringLike": {"s3:prefix": "upload/*"}}),
        allow("ProcessedImages", "s3:PutObject", Sub("${Bucket.Arn}/processed/*")),
    ]


def load_balancer(t: Template, p: dict, n: dict) -> dict:
    lb_sg = t.add_resource(ec2.SecurityGroup(
        "LoadBalancerSecurityGroup", GroupDescription=Sub("${AWS::StackName} load balancer: HTTP(S) from anywhere"),
        SecurityGroupIngress=[ec2.SecurityGroupRule(
            CidrIp="0.0.0.0/0", Description="HTTP from anywhere", FromPort=80, IpProtocol="tcp", ToPort=80)],
        VpcId=Ref(n["vpc"])))
    t.add_resource(ec2.SecurityGroupIngress(
        "LoadBalancerHttpsIngress", Condition="HasCertificate", CidrIp="0.0.0.0/0", Description="HTTPS from anywhere",
        FromPort=443, GroupId=GetAtt(lb_sg, "GroupId"), IpProtocol="tcp", ToPort=443))
    server_sg = t.add_resource(ec2.SecurityGroup(
        "ServerSecurityGroup", GroupDescription=Sub("${AWS::StackName} server: traffic from the load balancer only"),
        SecurityGroupIngress=[ec2.SecurityGroupRule(
            Description="service port from the load balancer", FromPort=SERVICE_PORT, IpProtocol="tcp",
            SourceSecurityGroupId=GetAtt(lb_sg, "GroupId"), ToPort=SERVICE_PORT)],
        VpcId=Ref(n["vpc"])))
    lb = t.add_resource(elbv2.LoadBalancer(
        "LoadBalancer", DependsOn=n["attachment"],
        LoadBalancerAttributes=[elbv2.LoadBalancerAttributes(
            Key="routing.http.drop_invalid_header_fields.enabled", Value="true")],
        Scheme="internet-facing", SecurityGroups=[GetAtt(lb_sg, "GroupId")],
        Subnets=[Ref(s) for s in n["subnets"]], Type="application"))
    target_group = t.add_resource(elbv2.TargetGroup(
        "LoadBalancerTargetGroup", HealthCheckIntervalSeconds=10, HealthCheckPath="/health",
        HealthCheckPort=str(SERVICE_PORT), HealthCheckProtocol="HTTP", HealthCheckTimeoutSeconds=5,
        HealthyThresholdCount=2, Matcher=elbv2.Matcher(HttpCode="200"), Port=SERVICE_PORT, Protocol="HTTP",
        TargetGroupAttributes=[elbv2.TargetGroupAttribute(Key="deregistration_delay.timeout_seconds", Value="30")],
        UnhealthyThresholdCount=2, VpcId=Ref(n["vpc"])))
    forward = elbv2.Action(TargetGroupArn=Ref(target_group), Type="forward")
    t.add_resource(elbv2.Listener(
        "LoadBalancerListener",
        DefaultActions=[If(
            "HasCertificate",
            elbv2.Action(RedirectConfig=elbv2.RedirectConfig(Port="443", Protocol="HTTPS", StatusCode="HTTP_301"),
                         Type="redirect"),
            forward)],
        LoadBalancerArn=Ref(lb), Port=80, Protocol="HTTP"))
    t.add_resource(elbv2.Listener(
        "LoadBalancerHttpsListener", Condition="HasCertificate",
        Certificates=[elbv2.Certificate(CertificateArn=Ref(p["CertificateArn"]))],
        DefaultActions=[forward], LoadBalancerArn=Ref(lb), Port=443, Protocol="HTTPS",
        SslPolicy="ELBSecurityPolicy-TLS13-1-2-2021-06"))
    return {"lb": lb, "target_group": target_group, "server_sg": server_sg}


def user_data(fleet: str, signal_resource: str, extra_env: list[str]) -> Base64:
    """The boot script: writes /etc/imagery/env from the stack's names, then starts the fleet's unit."""
    env = [
        "IMAGERY_QUEUE_URL=${SQSQueue}",
        "IMAGERY_BUCKET=${Bucket}",
        "IMAGERY_TABLE=${Table}",
        "AWS_REGION=${AWS::Region}",
        "IMAGERY_STACK_NAME=${AWS::StackName}",
        f"IMAGERY_SIGNAL_RESOURCE={signal_resource}",
        *extra_env,
    ]
    script = "\n".join([
        "#!/bin/bash",
        "set -euo pipefail",
        f"trap '/opt/imagery/bin/imagery-worker signal-failure --stack ${{AWS::StackName}} --resource {signal_resource} "
        f"--region ${{AWS::Region}} --reason \"UserData failed at line $LINENO\"' ERR",
        "install -d -m 0755 /etc/imagery",
        "cat > /etc/imagery/env <<'ENV'",
        *env,
        "ENV",
        "chmod 0644 /etc/imagery/env",
        "systemctl daemon-reload",
        f"systemctl enable --now imagery-{fleet}.service",
    ]) + "\n"
    return Base64(Sub(script))


def launch_template(t: Template, name: str, fleet: str, profile, security_group, p: dict, script) -> ec2.LaunchTemplate:
    name_tag = Tags(Name=Sub(f"${{AWS::StackName}}-{fleet}"))
    return t.add_resource(ec2.LaunchTemplate(name, LaunchTemplateData=ec2.LaunchTemplateData(
        BlockDeviceMappings=[ec2.LaunchTemplateBlockDeviceMapping(
            DeviceName="/dev/xvda",
            Ebs=ec2.EBSBlockDevice(DeleteOnTermination=True, Encrypted=True, VolumeSize=8, VolumeType="gp3"))],
        IamInstanceProfile=ec2.IamInstanceProfile(Arn=GetAtt(profile, "Arn")),
        ImageId=Ref(p["ImageId"]),
        InstanceType=Ref(p["InstanceType"]),
        MetadataOptions=ec2.MetadataOptions(HttpEndpoint="enabled", HttpPutResponseHopLimit=1, HttpTokens="required"),
        Monitoring=ec2.Monitoring(Enabled=False),
        NetworkInterfaces=[ec2.NetworkInterfaces(
            AssociatePublicIpAddress=True, DeleteOnTermination=True, DeviceIndex=0, Groups=[Ref(security_group)])],
        TagSpecifications=[ec2.TagSpecifications(ResourceType=kind, Tags=name_tag) for kind in ("instance", "volume")],
        UserData=script)))


def auto_scaling_group(t: Template, name: str, fleet: str, template, min_size, max_size, subnets, attachment,
                       **extra):
    # With MinSize = MaxSize a rolling update must keep one instance fewer in service, or it cannot start:
    # MaxSize - 1 by lookup, as CloudFormation has no arithmetic.
    in_service = If(f"{fleet.capitalize()}SizeIsFixed",
                    Select(Ref(max_size), ["0"] + [str(n) for n in range(MAX_INSTANCES)]), Ref(min_size))
    return t.add_resource(autoscaling.AutoScalingGroup(
        name,
        DependsOn=attachment,
        CreationPolicy=CreationPolicy(ResourceSignal=ResourceSignal(Count=Ref(min_size), Timeout="PT10M")),
        UpdatePolicy=UpdatePolicy(AutoScalingRollingUpdate=AutoScalingRollingUpdate(
            MaxBatchSize=1, MinInstancesInService=in_service, PauseTime="PT10M",
            SuspendProcesses=SUSPENDED_DURING_ROLLING_UPDATE, WaitOnResourceSignals=True)),
        HealthCheckGracePeriod=120,
        LaunchTemplate=autoscaling.LaunchTemplateSpecification(
            LaunchTemplateId=Ref(template), Version=GetAtt(template, "LatestVersionNumber")),
        MaxSize=Ref(max_size), MinSize=Ref(min_size),
        Tags=autoscaling.Tags(Name=Sub(f"${{AWS::StackName}}-{fleet}")),
        VPCZoneIdentifier=[Ref(s) for s in subnets],
        **extra))


def server_fleet(t: Template, p: dict, n: dict, lb: dict, profile) -> None:
    template = launch_template(
        t, "ServerLaunchTemplate", "server", profile, lb["server_sg"], p,
        user_data("server", "ServerAutoScalingGroup",
                  [f"IMAGERY_PORT={SERVICE_PORT}", "IMAGERY_TARGET_GROUP_ARN=${LoadBalancerTargetGroup}"]))
    group = auto_scaling_group(
        t, "ServerAutoScalingGroup", "server", template, p["ServerMinSize"], p["ServerMaxSize"], n["subnets"],
        n["attachment"], HealthCheckType="ELB", TargetGroupARNs=[Ref(lb["target_group"])])
    # ALBRequestCountPerTarget needs the target group behind a listener; the HTTPS one exists only with a certificate.
    t.add_resource(autoscaling.ScalingPolicy(
        "ServerScalingPolicy", DependsOn="LoadBalancerListener",
        Metadata={"HttpsListener": If("HasCertificate", Ref("LoadBalancerHttpsListener"), Ref(AWS_NO_VALUE))},
        AutoScalingGroupName=Ref(group), PolicyType="TargetTrackingScaling",
        TargetTrackingConfiguration=autoscaling.TargetTrackingConfiguration(
            PredefinedMetricSpecification=autoscaling.PredefinedMetricSpecification(
                PredefinedMetricType="ALBRequestCountPerTarget",
                ResourceLabel=Join("/", [GetAtt(lb["lb"], "LoadBalancerFullName"),
                                         GetAtt(lb["target_group"], "TargetGroupFullName")])),
            TargetValue=1000.0)))
    t.add_resource(route53.RecordSetType(
        "LoadBalancerAliasRecord", Condition="HasAliasRecord",
        AliasTarget=route53.AliasTarget(
            DNSName=GetAtt(lb["lb"], "DNSName"), EvaluateTargetHealth=False,
            HostedZoneId=GetAtt(lb["lb"], "CanonicalHostedZoneID")),
        HostedZoneId=Ref(p["HostedZoneId"]), Name=Ref(p["DomainName"]), Type="A"))


def worker_fleet(t: Template, p: dict, n: dict, d: dict, profile) -> None:
    security_group = t.add_resource(ec2.SecurityGroup(
        "WorkerSecurityGroup", GroupDescription=Sub("${AWS::StackName} worker: no inbound traffic"),
        VpcId=Ref(n["vpc"])))
    template = launch_template(
        t, "WorkerLaunchTemplate", "worker", profile, security_group, p,
        user_data("worker", "WorkerAutoScalingGroup", []))
    group = auto_scaling_group(
        t, "WorkerAutoScalingGroup", "worker", template, p["WorkerMinSize"], p["WorkerMaxSize"], n["subnets"],
        n["attachment"], HealthCheckType="EC2",
        MetricsCollection=[autoscaling.MetricsCollection(Granularity="1Minute", Metrics=["GroupInServiceInstances"])])

    def query(query_id, metric_name, namespace, dimension, value, stat):
        return autoscaling.TargetTrackingMetricDataQuery(
            Id=query_id, ReturnData=False,
            MetricStat=autoscaling.TargetTrackingMetricStat(
                Metric=autoscaling.Metric(
                    Dimensions=[autoscaling.MetricDimension(Name=dimension, Value=value)],
                    MetricName=metric_name, Namespace=namespace),
                Stat=stat))

    t.add_resource(autoscaling.ScalingPolicy(
        "WorkerScalingPolicy", AutoScalingGroupName=Ref(group), PolicyType="TargetTrackingScaling",
        TargetTrackingConfiguration=autoscaling.TargetTrackingConfiguration(
            CustomizedMetricSpecification=autoscaling.CustomizedMetricSpecification(Metrics=[
                query("backlog", "ApproximateNumberOfMessagesVisible", "AWS/SQS", "QueueName",
                      GetAtt(d["queue"], "QueueName"), "Sum"),
                query("instances", "GroupInServiceInstances", "AWS/AutoScaling", "AutoScalingGroupName",
                      Ref(group), "Average"),
                autoscaling.TargetTrackingMetricDataQuery(
                    Expression="backlog / IF(instances > 0, instances, 1)", Id="backlogPerInstance",
                    Label="Messages waiting per worker", ReturnData=True),
            ]),
            TargetValue=10.0)))


def alarms(t: Template, p: dict, d: dict) -> None:
    topic = t.add_resource(sns.Topic("AlarmTopic", DisplayName="Imagery alarms"))
    t.add_resource(sns.SubscriptionResource(
        "AlarmTopicEmailSubscription", Condition="HasAlarmEmail", Endpoint=Ref(p["AlarmEmail"]), Protocol="email",
        TopicArn=Ref(topic)))
    t.add_resource(cloudwatch.Alarm(
        "DeadLetterQueueAlarm", AlarmActions=[Ref(topic)],
        AlarmDescription="Messages are failing repeatedly and landed in the dead-letter queue.",
        ComparisonOperator="GreaterThanThreshold",
        Dimensions=[cloudwatch.MetricDimension(Name="QueueName", Value=GetAtt(d["dlq"], "QueueName"))],
        EvaluationPeriods=1, MetricName="ApproximateNumberOfMessagesVisible", Namespace="AWS/SQS",
        OKActions=[Ref(topic)], Period=60, Statistic="Maximum", Threshold=0, TreatMissingData="notBreaching"))


def outputs(t: Template, d: dict) -> None:
    t.add_output([
        Output("EndpointURL", Description="The Imagery web application (https://DomainName with a certificate).",
               Value=If("HasCertificate", Sub("https://${DomainName}"),
                        If("HasDomainName", Sub("http://${DomainName}"), Sub("http://${LoadBalancer.DNSName}")))),
        Output("LoadBalancerDNSName", Description="Point DomainName here (alias or CNAME) when HostedZoneId is not given.",
               Value=GetAtt("LoadBalancer", "DNSName")),
        Output("QueueUrl", Description="URL of the work queue.", Value=Ref(d["queue"])),
        Output("DeadLetterQueueUrl", Description="URL of the dead-letter queue.", Value=Ref(d["dlq"])),
        Output("BucketName", Description="Bucket for uploaded and processed images.", Value=Ref(d["bucket"])),
        Output("TableName", Description="DynamoDB table of image states.", Value=Ref(d["table"])),
    ])


def imagery() -> Template:
    t = Template(Description=DESCRIPTION)
    t.set_version("2010-09-09")
    p = parameters(t)
    rules(t, p)
    conditions(t, p)
    n = network(t)
    d = data(t)
    server_profile = role(t, "Server", "server", server_statements(d))
    worker_profile = role(t, "Worker", "worker", worker_statements(d))
    lb = load_balancer(t, p, n)
    server_fleet(t, p, n, lb, server_profile)
    worker_fleet(t, p, n, d, worker_profile)
    alarms(t, p, d)
    outputs(t, d)
    return t


def main() -> int:
    out = sys.argv[1] if len(sys.argv) > 1 else "imagery.yaml"
    with open(out, "w", encoding="utf-8") as f:
        f.write(imagery().to_yaml())
    return 0


if __name__ == "__main__":
    sys.exit(main())
