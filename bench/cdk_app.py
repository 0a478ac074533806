"""The Imagery stack (templates/imagery.yaml) as an AWS CDK app in Python, for the synth benchmark
(bench/synth_bench.py): the same parameters, rules, conditions, 41 resources and outputs, written with
CDK's L1 constructs (Cfn*), the only level that gives exactly this template and these logical ids.

    python cdk_app.py OUTDIR      (app.synth() writes OUTDIR/Imagery.template.json and the cloud assembly)

The CDK writes JSON (it has no YAML output); bench/synth_bench.py compares it with infra's YAML as
CloudFormation, not as text. Values inside Fn::If and other free-form (Any) properties are written
with CloudFormation's own key names, as CDK users do there: CDK maps struct keys only where a
property's type is known.
"""
from __future__ import annotations

import sys

import aws_cdk as cdk
from aws_cdk import (
    aws_autoscaling as autoscaling,
    aws_cloudwatch as cloudwatch,
    aws_dynamodb as dynamodb,
    aws_ec2 as ec2,
    aws_elasticloadbalancingv2 as elbv2,
    aws_iam as iam,
    aws_route53 as route53,
    aws_s3 as s3,
    aws_sns as sns,
    aws_sqs as sqs,
)
from constructs import Construct

DESCRIPTION = ("Imagery (AWS in Action, chapter 16): upload an image, a worker applies a sepia filter, "
               "view the result.")
SERVICE_PORT = 8080
MAX_INSTANCES = 20
SUSPENDED_DURING_ROLLING_UPDATE = ["HealthCheck", "ReplaceUnhealthy", "AZRebalance", "AlarmNotification",
                                  "ScheduledActions"]
POLICY_VERSION = "2012-10-17"
SESSION_MANAGER_ACTIONS = [
    "ec2messages:AcknowledgeMessage", "ec2messages:DeleteMessage", "ec2messages:FailMessage",
    "ec2messages:GetEndpoint", "ec2messages:GetMessages", "ec2messages:SendReply",
    "ssm:UpdateInstanceInformation", "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel",
]


def keep(resource: cdk.CfnResource, deletion: cdk.CfnDeletionPolicy, replace: cdk.CfnDeletionPolicy) -> None:
    resource.cfn_options.deletion_policy = deletion
    resource.cfn_options.update_replace_policy = replace


class ImageryStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, description=DESCRIPTION, **kwargs)
        self.template_options.template_format_version = "2010-09-09"
        self.parameters()
        self.rules()
        self.conditions()
        self.network()
        self.data()
        self.server_profile = self.role("Server", "server", self.server_statements())
        self.worker_profile = self.role("Worker", "worker", self.worker_statements())
        self.load_balancer()
        self.server_fleet()
        self.worker_fleet()
        self.alarms()
        self.outputs()

    def parameters(self) -> None:
        self.image_id = cdk.CfnParameter(
            self, "ImageId", type="AWS::EC2::Image::Id",
            description="AMI with imagery-server and imagery-worker baked in (make ami; infra deploy fills it from "
                        "packer/manifest.json).")
        self.instance_type = cdk.CfnParameter(
            self, "InstanceType", type="String", description="EC2 instance type for servers and workers.",
            default="t3.micro", allowed_pattern=r"^[a-z][a-z0-9-]*\.[a-z0-9]+$",
            constraint_description="an EC2 instance type such as t3.micro")
        self.sizes = {}
        for role, label in (("Server", "server"), ("Worker", "worker")):
            for bound, default in (("Min", 1), ("Max", 2)):
                name = f"{role}{bound}Size"
                description = (f"Minimum {label} instance count (at most {role}MaxSize)." if bound == "Min"
                               else f"Maximum {label} instance count.")
                self.sizes[name] = cdk.CfnParameter(
                    self, name, type="Number", description=description, default=default, min_value=1,
                    max_value=MAX_INSTANCES)
        self.certificate_arn = cdk.CfnParameter(
            self, "CertificateArn", type="String",
            description="ACM certificate ARN for HTTPS on the load balancer, covering DomainName (required with it); "
                        "empty for HTTP only.", default="",
            allowed_pattern=r"^(arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[A-Za-z0-9-]+)?$",
            constraint_description="an ACM certificate ARN or empty")
        self.alarm_email = cdk.CfnParameter(
            self, "AlarmEmail", type="String",
            description="E-mail address notified when the dead-letter queue holds messages; empty for none.",
            default="", allowed_pattern=r"^([^@\s]+@[^@\s]+)?$", constraint_description="an e-mail address or empty")
        self.domain_name = cdk.CfnParameter(
            self, "DomainName", type="String",
            description="Domain name users reach Imagery under (required with CertificateArn, which must cover it); "
                        "empty for the load balancer's own name over HTTP.",
            default="", allowed_pattern=r"^(([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63})?$",
            constraint_description="a domain name such as imagery.example.com, or empty")
        self.hosted_zone_id = cdk.CfnParameter(
            self, "HostedZoneId", type="String",
            description="Route 53 hosted zone id in which to create an alias record DomainName -> load balancer; "
                        "empty to point DNS at the LoadBalancerDNSName output yourself.",
            default="", allowed_pattern=r"^(Z[A-Z0-9]{1,31})?$",
            constraint_description="a hosted zone id such as Z0123456789ABCDEFGHIJ, or empty")

    @staticmethod
    def is_set(parameter: cdk.CfnParameter):
        return cdk.Fn.condition_not(cdk.Fn.condition_equals(parameter.value_as_string, ""))

    def rules(self) -> None:
        """Parameter combinations CloudFormation refuses before it changes anything."""
        for role in ("Server", "Worker"):
            low_param, high_param = self.sizes[f"{role}MinSize"], self.sizes[f"{role}MaxSize"]
            # Min <= Max for Number parameters, which rules see as strings: one (Min = m, Max in m...20) per m.
            cases = [cdk.Fn.condition_and(
                         cdk.Fn.condition_equals(low_param.value_as_string, str(low)),
                         cdk.Fn.condition_contains([str(high) for high in range(low, MAX_INSTANCES + 1)],
                                                   high_param.value_as_string))
                     for low in range(1, MAX_INSTANCES + 1)]
            # Fn::Or takes 2 to 10 conditions: groups of 10.
            cdk.CfnRule(self, f"{role}MinSizeNotOverMaxSize", assertions=[cdk.CfnRuleAssertion(
                assert_=cdk.Fn.condition_or(*[cdk.Fn.condition_or(*cases[start:start + 10])
                                              for start in range(0, len(cases), 10)]),
                assert_description=f"{role}MinSize must not be greater than {role}MaxSize (both 1 to {MAX_INSTANCES}); "
                                   f"set {role}MaxSize to at least {role}MinSize.")])
        cdk.CfnRule(self, "CertificateNeedsDomainName", rule_condition=self.is_set(self.certificate_arn),
                    assertions=[cdk.CfnRuleAssertion(assert_=self.is_set(self.domain_name), assert_description=(
                        "CertificateArn is set but DomainName is empty: no certificate covers the load balancer's own "
                        "name (*.elb.amazonaws.com), so browsers would refuse the HTTPS endpoint. Set DomainName to a "
                        "name the certificate covers (and HostedZoneId to have its alias record created), or leave "
                        "CertificateArn empty."))])
        cdk.CfnRule(self, "HostedZoneNeedsDomainName", rule_condition=self.is_set(self.hosted_zone_id),
                    assertions=[cdk.CfnRuleAssertion(assert_=self.is_set(self.domain_name), assert_description=(
                        "HostedZoneId is set but DomainName is empty: the alias record needs a name. Set DomainName "
                        "to a name in that hosted zone, or leave HostedZoneId empty."))])

    def conditions(self) -> None:
        for role in ("Server", "Worker"):
            cdk.CfnCondition(self, f"{role}SizeIsFixed", expression=cdk.Fn.condition_equals(
                self.sizes[f"{role}MinSize"].value_as_string, self.sizes[f"{role}MaxSize"].value_as_string))
        self.has_certificate = cdk.CfnCondition(self, "HasCertificate", expression=self.is_set(self.certificate_arn))
        self.has_alarm_email = cdk.CfnCondition(self, "HasAlarmEmail", expression=self.is_set(self.alarm_email))
        self.has_domain_name = cdk.CfnCondition(self, "HasDomainName", expression=self.is_set(self.domain_name))
        self.has_alias_record = cdk.CfnCondition(self, "HasAliasRecord", expression=cdk.Fn.condition_and(
            self.is_set(self.hosted_zone_id), self.has_domain_name))

    def network(self) -> None:
        self.vpc = ec2.CfnVPC(self, "VPC", cidr_block="172.31.0.0/16", enable_dns_hostnames=True, enable_dns_support=True)
        igw = ec2.CfnInternetGateway(self, "InternetGateway")
        self.attachment = ec2.CfnVPCGatewayAttachment(self, "VPCGatewayAttachment", internet_gateway_id=igw.ref,
                                                      vpc_id=self.vpc.ref)
        self.subnets = [
            ec2.CfnSubnet(self, f"Subnet{letter}", availability_zone=cdk.Fn.select(index, cdk.Fn.get_azs("")),
                          cidr_block=cidr, map_public_ip_on_launch=False, vpc_id=self.vpc.ref)
            for index, (letter, cidr) in enumerate((("A", "172.31.38.0/24"), ("B", "172.31.37.0/24")))
        ]
        route_table = ec2.CfnRouteTable(self, "RouteTable", vpc_id=self.vpc.ref)
        for letter, subnet in zip("AB", self.subnets):
            ec2.CfnSubnetRouteTableAssociation(self, f"RouteTableAssociation{letter}", route_table_id=route_table.ref,
                                               subnet_id=subnet.ref)
        route = ec2.CfnRoute(self, "RouteTablePublicInternetRoute", destination_cidr_block="0.0.0.0/0",
                             gateway_id=igw.ref, route_table_id=route_table.ref)
        route.add_resource_dependency(self.attachment)
        acl = ec2.CfnNetworkAcl(self, "NetworkAcl", vpc_id=self.vpc.ref)
        for letter, subnet in zip("AB", self.subnets):
            ec2.CfnSubnetNetworkAclAssociation(self, f"SubnetNetworkAclAssociation{letter}", network_acl_id=acl.ref,
                                               subnet_id=subnet.ref)
        for name, egress in (("Ingress", False), ("Egress", True)):
            ec2.CfnNetworkAclEntry(self, f"NetworkAclEntry{name}", cidr_block="0.0.0.0/0", egress=egress,
                                   network_acl_id=acl.ref, protocol=-1, rule_action="allow", rule_number=100)

    def data(self) -> None:
        self.bucket = s3.CfnBucket(
            self, "Bucket",
            bucket_encryption=s3.CfnBucket.BucketEncryptionProperty(server_side_encryption_configuration=[
                s3.CfnBucket.ServerSideEncryptionRuleProperty(
                    bucket_key_enabled=True,
                    server_side_encryption_by_default=s3.CfnBucket.ServerSideEncryptionByDefaultProperty(
                        sse_algorithm="AES256"))]),
            lifecycle_configuration=s3.CfnBucket.LifecycleConfigurationProperty(rules=[
                s3.CfnBucket.RuleProperty(
                    abort_incomplete_multipart_upload=s3.CfnBucket.AbortIncompleteMultipartUploadProperty(
                        days_after_initiation=1),
                    id="abort-abandoned-multipart-uploads", status="Enabled"),
                s3.CfnBucket.RuleProperty(
                    expired_object_delete_marker=True, id="expire-noncurrent-versions",
                    noncurrent_version_expiration=s3.CfnBucket.NoncurrentVersionExpirationProperty(noncurrent_days=7),
                    status="Enabled"),
            ]),
            ownership_controls=s3.CfnBucket.OwnershipControlsProperty(rules=[
                s3.CfnBucket.OwnershipControlsRuleProperty(object_ownership="BucketOwnerEnforced")]),
            public_access_block_configuration=s3.CfnBucket.PublicAccessBlockConfigurationProperty(
                block_public_acls=True, block_public_policy=True, ignore_public_acls=True,
                restrict_public_buckets=True),
            versioning_configuration=s3.CfnBucket.VersioningConfigurationProperty(status="Enabled"))
        keep(self.bucket, cdk.CfnDeletionPolicy.DELETE, cdk.CfnDeletionPolicy.RETAIN)
        s3.CfnBucketPolicy(self, "BucketPolicy", bucket=self.bucket.ref, policy_document={
            "Version": POLICY_VERSION,
            "Statement": [{
                "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                "Resource": [self.bucket.attr_arn, cdk.Fn.sub("${Bucket.Arn}/*")],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }],
        })
        self.table = dynamodb.CfnTable(
            self, "Table",
            attribute_definitions=[dynamodb.CfnTable.AttributeDefinitionProperty(attribute_name=name, attribute_type=kind)
                                   for name, kind in (("id", "S"), ("pending", "S"), ("pendingSince", "N"))],
            billing_mode="PAY_PER_REQUEST",
            global_secondary_indexes=[dynamodb.CfnTable.GlobalSecondaryIndexProperty(
                index_name="PendingUploads",
                key_schema=[dynamodb.CfnTable.KeySchemaProperty(attribute_name="pending", key_type="HASH"),
                            dynamodb.CfnTable.KeySchemaProperty(attribute_name="pendingSince", key_type="RANGE")],
                projection=dynamodb.CfnTable.ProjectionProperty(projection_type="KEYS_ONLY"))],
            key_schema=[dynamodb.CfnTable.KeySchemaProperty(attribute_name="id", key_type="HASH")],
            point_in_time_recovery_specification=dynamodb.CfnTable.PointInTimeRecoverySpecificationProperty(
                point_in_time_recovery_enabled=True),
            sse_specification=dynamodb.CfnTable.SSESpecificationProperty(sse_enabled=True))
        keep(self.table, cdk.CfnDeletionPolicy.DELETE, cdk.CfnDeletionPolicy.RETAIN)
        self.dlq = sqs.CfnQueue(self, "SQSDLQueue", message_retention_period=1209600, sqs_managed_sse_enabled=True)
        keep(self.dlq, cdk.CfnDeletionPolicy.DELETE, cdk.CfnDeletionPolicy.DELETE)
        self.queue = sqs.CfnQueue(
            self, "SQSQueue", message_retention_period=345600, receive_message_wait_time_seconds=20,
            redrive_policy={"deadLetterTargetArn": self.dlq.attr_arn, "maxReceiveCount": 10},
            sqs_managed_sse_enabled=True, visibility_timeout=120)
        keep(self.queue, cdk.CfnDeletionPolicy.DELETE, cdk.CfnDeletionPolicy.DELETE)

    @staticmethod
    def allow(sid, action, resource, condition=None) -> dict:
        statement = {"Sid": sid, "Effect": "Allow", "Action": action, "Resource": resource}
        if condition:
            statement["Condition"] = condition
        return statement

    def server_statements(self) -> list[dict]:
        """Least privilege for the server: create and read image records, enqueue, upload, read results."""
        allow = self.allow
        return [
            allow("ImageTable", ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], self.table.attr_arn),
            allow("PendingUploads", "dynamodb:Query", cdk.Fn.sub("${Table.Arn}/index/PendingUploads")),
            allow("WorkQueue", "sqs:SendMessage", self.queue.attr_arn),
            allow("Uploads", "s3:PutObject", cdk.Fn.sub("${Bucket.Arn}/upload/*")),
            allow("ProcessedImages", "s3:GetObject", cdk.Fn.sub("${Bucket.Arn}/processed/*")),
            allow("ListProcessedImages", "s3:ListBucket", self.bucket.attr_arn,
                  {"StringLike": {"s3:prefix": "processed/*"}}),
            allow("TargetHealth", "elasticloadbalancing:DescribeTargetHealth", "*"),
        ]

    def worker_statements(self) -> list[dict]:
        """Least privilege for the worker: update records, consume the queue, read uploads, write results."""
        allow = self.allow
        return [
            allow("ImageTable", ["dynamodb:GetItem", "dynamodb:UpdateItem"], self.table.attr_arn),
            allow("WorkQueue", ["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:ReceiveMessage"],
                  self.queue.attr_arn),
            allow("Uploads", "s3:GetObject", cdk.Fn.sub("${Bucket.Arn}/upload/*")),
            allow("ListUploads", "s3:ListBucket", self.bucket.attr_arn, {"StringLike": {"s3:prefix": "upload/*"}}),
            allow("ProcessedImages", "s3:PutObject", cdk.Fn.sub("${Bucket.Arn}/processed/*")),
        ]

    def role(self, name, policy_name, statements) -> iam.CfnInstanceProfile:
        """One fleet's role: its own statements, then readiness signals and Session Manager."""
        statements = statements + [
            self.allow("SignalReadiness", "cloudformation:SignalResource", cdk.Aws.STACK_ID),
            self.allow("SessionManager", SESSION_MANAGER_ACTIONS, "*"),
        ]
        role = iam.CfnRole(
            self, f"{name}Role",
            assume_role_policy_document={
                "Version": POLICY_VERSION,
                "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                               "Action": "sts:AssumeRole"}],
            },
            policies=[iam.CfnRole.PolicyProperty(policy_name=policy_name,
                                                 policy_document={"Version": POLICY_VERSION, "Statement": statements})])
        return iam.CfnInstanceProfile(self, f"{name}InstanceProfile", roles=[role.ref])

    def load_balancer(self) -> None:
        lb_sg = ec2.CfnSecurityGroup(
            self, "LoadBalancerSecurityGroup",
            group_description=cdk.Fn.sub("${AWS::StackName} load balancer: HTTP(S) from anywhere"),
            security_group_ingress=[ec2.CfnSecurityGroup.IngressProperty(
                cidr_ip="0.0.0.0/0", description="HTTP from anywhere", from_port=80, ip_protocol="tcp", to_port=80)],
            vpc_id=self.vpc.ref)
        https = ec2.CfnSecurityGroupIngress(
            self, "LoadBalancerHttpsIngress", cidr_ip="0.0.0.0/0", description="HTTPS from anywhere", from_port=443,
            group_id=lb_sg.attr_group_id, ip_protocol="tcp", to_port=443)
        https.cfn_options.condition = self.has_certificate
        self.server_sg = ec2.CfnSecurityGroup(
            self, "ServerSecurityGroup",
            group_description=cdk.Fn.sub("${AWS::StackName} server: traffic from the load balancer only"),
            security_group_ingress=[ec2.CfnSecurityGroup.IngressProperty(
                description="service port from the load balancer", from_port=SERVICE_PORT, ip_protocol="tcp",
                source_security_group_id=lb_sg.attr_group_id, to_port=SERVICE_PORT)],
            vpc_id=self.vpc.ref)
        self.lb = elbv2.CfnLoadBalancer(
            self, "LoadBalancer",
            load_balancer_attributes=[elbv2.CfnLoadBalancer.LoadBalancerAttributeProperty(
                key="routing.http.drop_invalid_header_fields.enabled", value="true")],
            scheme="internet-facing", security_groups=[lb_sg.attr_group_id],
            subnets=[s.ref for s in self.subnets], type="application")
        self.lb.add_resource_dependency(self.attachment)
        self.target_group = elbv2.CfnTargetGroup(
            self, "LoadBalancerTargetGroup", health_check_interval_seconds=10, health_check_path="/health",
            health_check_port=str(SERVICE_PORT), health_check_protocol="HTTP", health_check_timeout_seconds=5,
            healthy_threshold_count=2, matcher=elbv2.CfnTargetGroup.MatcherProperty(http_code="200"),
            port=SERVICE_PORT, protocol="HTTP",
            target_group_attributes=[elbv2.CfnTargetGroup.TargetGroupAttributeProperty(
                key="deregistration_delay.timeout_seconds", value="30")],
            unhealthy_threshold_count=2, vpc_id=self.vpc.ref)
        redirect = {"RedirectConfig": {"Port": "443", "Protocol": "HTTPS", "StatusCode": "HTTP_301"}, "Type": "redirect"}
        forward = {"TargetGroupArn": self.target_group.ref, "Type": "forward"}
        self.http_listener = elbv2.CfnListener(
            self, "LoadBalancerListener",
            default_actions=[cdk.Fn.condition_if(self.has_certificate.logical_id, redirect, forward)],
            load_balancer_arn=self.lb.ref, port=80, protocol="HTTP")
        https_listener = elbv2.CfnListener(
            self, "LoadBalancerHttpsListener",
            certificates=[elbv2.CfnListener.CertificateProperty(certificate_arn=self.certificate_arn.value_as_string)],
            default_actions=[elbv2.CfnListener.ActionProperty(type="forward", target_group_arn=self.target_group.ref)],
            load_balancer_arn=self.lb.ref, port=443, protocol="HTTPS", ssl_policy="ELBSecurityPolicy-TLS13-1-2-2021-06")
        https_listener.cfn_options.condition = self.has_certificate
        self.https_listener = https_listener

    @staticmethod
    def user_data(fleet: str, signal_resource: str, extra_env: list[str]) -> str:
        env = [
            "IMAGERY_QUEUE_URL=${SQSQueue}", "IMAGERY_BUCKET=${Bucket}", "IMAGERY_TABLE=${Table}",
            "AWS_REGION=${AWS::Region}", "IMAGERY_STACK_NAME=${AWS::StackName}",
            f"IMAGERY_SIGNAL_RESOURCE={signal_resource}", *extra_env,
        ]
        script = "\n".join([
            "#!/bin/bash", "set -euo pipefail",
            f"trap '/opt/imagery/bin/imagery-worker signal-failure --stack ${{AWS::StackName}} --resource {signal_resource} "
            f"--region ${{AWS::Region}} --reason \"UserData failed at line $LINENO\"' ERR",
            "install -d -m 0755 /etc/imagery", "cat > /etc/imagery/env <<'ENV'",
            *env, "ENV", "chmod 0644 /etc/imagery/env", "systemctl daemon-reload",
            f"systemctl enable --now imagery-{fleet}.service",
        ]) + "\n"
        return cdk.Fn.base64(cdk.Fn.sub(script))

    def launch_template(self, name, fleet, profile, security_group, user_data) -> ec2.CfnLaunchTemplate:
        lt = ec2.CfnLaunchTemplate
        name_tag = [cdk.CfnTag(key="Name", value=cdk.Fn.sub(f"${{AWS::StackName}}-{fleet}"))]
        return lt(self, name, launch_template_data=lt.LaunchTemplateDataProperty(
            block_device_mappings=[lt.BlockDeviceMappingProperty(
                device_name="/dev/xvda",
                ebs=lt.EbsProperty(delete_on_termination=True, encrypted=True, volume_size=8, volume_type="gp3"))],
            iam_instance_profile=lt.IamInstanceProfileProperty(arn=profile.attr_arn),
            image_id=self.image_id.value_as_string,
            instance_type=self.instance_type.value_as_string,
            metadata_options=lt.MetadataOptionsProperty(http_endpoint="enabled", http_put_response_hop_limit=1,
                                                        http_tokens="required"),
            monitoring=lt.MonitoringProperty(enabled=False),
            network_interfaces=[lt.NetworkInterfaceProperty(
                associate_public_ip_address=True, delete_on_termination=True, device_index=0,
                groups=[security_group.ref])],
            tag_specifications=[lt.TagSpecificationProperty(resource_type=kind, tags=name_tag)
                                for kind in ("instance", "volume")],
            user_data=user_data))

    def auto_scaling_group(self, name, fleet, template, min_size, max_size, **extra) -> autoscaling.CfnAutoScalingGroup:
        asg = autoscaling.CfnAutoScalingGroup
        group = asg(
            self, name, health_check_grace_period=120,
            launch_template=asg.LaunchTemplateSpecificationProperty(
                launch_template_id=template.ref, version=template.attr_latest_version_number),
            max_size=max_size.value_as_string, min_size=min_size.value_as_string,
            tags=[asg.TagPropertyProperty(key="Name", propagate_at_launch=True,
                                          value=cdk.Fn.sub(f"${{AWS::StackName}}-{fleet}"))],
            vpc_zone_identifier=[s.ref for s in self.subnets], **extra)
        group.cfn_options.creation_policy = cdk.CfnCreationPolicy(
            resource_signal=cdk.CfnResourceSignal(count=min_size.value_as_number, timeout="PT10M"))
        # With MinSize = MaxSize a rolling update must keep one instance fewer in service, or it cannot start:
        # MaxSize - 1 by lookup, as CloudFormation has no arithmetic.
        in_service = cdk.Fn.condition_if(
            f"{fleet.capitalize()}SizeIsFixed",
            cdk.Fn.select(max_size.value_as_number, ["0"] + [str(n) for n in range(MAX_INSTANCES)]),
            min_size.value_as_string)
        group.cfn_options.update_policy = cdk.CfnUpdatePolicy(
            auto_scaling_rolling_update=cdk.CfnAutoScalingRollingUpdate(
                max_batch_size=1, min_instances_in_service=cdk.Token.as_number(in_service), pause_time="PT10M",
                suspend_processes=SUSPENDED_DURING_ROLLING_UPDATE, wait_on_resource_signals=True))
        group.add_resource_dependency(self.attachment)
        return group

    def server_fleet(self) -> None:
        template = self.launch_template(
            "ServerLaunchTemplate", "server", self.server_profile, self.server_sg,
            self.user_data("server", "ServerAutoScalingGroup",
                           [f"IMAGERY_PORT={SERVICE_PORT}", "IMAGERY_TARGET_GROUP_ARN=${LoadBalancerTargetGroup}"]))
        group = self.auto_scaling_group(
            "ServerAutoScalingGroup", "server", template, self.sizes["ServerMinSize"], self.sizes["ServerMaxSize"],
            health_check_type="ELB", target_group_arns=[self.target_group.ref])
        policy = autoscaling.CfnScalingPolicy
        scaling = policy(
            self, "ServerScalingPolicy", auto_scaling_group_name=group.ref, policy_type="TargetTrackingScaling",
            target_tracking_configuration=policy.TargetTrackingConfigurationProperty(
                predefined_metric_specification=policy.PredefinedMetricSpecificationProperty(
                    predefined_metric_type="ALBRequestCountPerTarget",
                    resource_label=cdk.Fn.join("/", [self.lb.attr_load_balancer_full_name,
                                                     self.target_group.attr_target_group_full_name])),
                target_value=1000.0))
        # ALBRequestCountPerTarget needs the target group behind a listener; the HTTPS one exists only with a certificate.
        scaling.add_resource_dependency(self.http_listener)
        scaling.add_metadata("HttpsListener", cdk.Fn.condition_if(
            self.has_certificate.logical_id, self.https_listener.ref, cdk.Aws.NO_VALUE))
        alias = route53.CfnRecordSet(
            self, "LoadBalancerAliasRecord",
            alias_target=route53.CfnRecordSet.AliasTargetProperty(
                dns_name=self.lb.attr_dns_name, evaluate_target_health=False,
                hosted_zone_id=self.lb.attr_canonical_hosted_zone_id),
            hosted_zone_id=self.hosted_zone_id.value_as_string, name=self.domain_name.value_as_string, type="A")
        alias.cfn_options.condition = self.has_alias_record

    def worker_fleet(self) -> None:
        security_group = ec2.CfnSecurityGroup(
            self, "WorkerSecurityGroup", group_description=cdk.Fn.sub("${AWS::StackName} worker: no inbound traffic"),
            vpc_id=self.vpc.ref)
        template = self.launch_template(
            "WorkerLaunchTemplate", "worker", self.worker_profile, security_group,
            self.user_data("worker", "WorkerAutoScalingGroup", []))
        group = self.auto_scaling_group(
            "WorkerAutoScalingGroup", "worker", template, self.sizes["WorkerMinSize"], self.sizes["WorkerMaxSize"],
            health_check_type="EC2",
            metrics_collection=[autoscaling.CfnAutoScalingGroup.MetricsCollectionProperty(
                granularity="1Minute", metrics=["GroupInServiceInstances"])])
        policy = autoscaling.CfnScalingPolicy

        def query(query_id, metric_name, namespace, dimension, value, stat):
            return policy.TargetTrackingMetricDataQueryProperty(
                id=query_id, return_data=False,
                metric_stat=policy.TargetTrackingMetricStatProperty(
                    metric=policy.MetricProperty(
                        dimensions=[policy.MetricDimensionProperty(name=dimension, value=value)],
                        metric_name=metric_name, namespace=namespace),
                    stat=stat))

        policy(self, "WorkerScalingPolicy", auto_scaling_group_name=group.ref, policy_type="TargetTrackingScaling",
               target_tracking_configuration=policy.TargetTrackingConfigurationProperty(
                   customized_metric_specification=policy.CustomizedMetricSpecificationProperty(metrics=[
                       query("backlog", "ApproximateNumberOfMessagesVisible", "AWS/SQS", "QueueName",
                             self.queue.attr_queue_name, "Sum"),
                       query("instances", "GroupInServiceInstances", "AWS/AutoScaling", "AutoScalingGroupName",
                             group.ref, "Average"),
                       policy.TargetTrackingMetricDataQueryProperty(
                           expression="backlog / IF(instances > 0, instances, 1)", id="backlogPerInstance",
                           label="Messages waiting per worker", return_data=True),
                   ]),
                   target_value=10.0))

    def alarms(self) -> None:
        topic = sns.CfnTopic(self, "AlarmTopic", display_name="Imagery alarms")
        subscription = sns.CfnSubscription(self, "AlarmTopicEmailSubscription",
                                           endpoint=self.alarm_email.value_as_string, protocol="email",
                                           topic_arn=topic.ref)
        subscription.cfn_options.condition = self.has_alarm_email
        cloudwatch.CfnAlarm(
            self, "DeadLetterQueueAlarm", alarm_actions=[topic.ref],
            alarm_description="Messages are failing repeatedly and landed in the dead-letter queue.",
            comparison_operator="GreaterThanThreshold",
            dimensions=[cloudwatch.CfnAlarm.DimensionProperty(name="QueueName", value=self.dlq.attr_queue_name)],
            evaluation_periods=1, metric_name="ApproximateNumberOfMessagesVisible", namespace="AWS/SQS",
            ok_actions=[topic.ref], period=60, statistic="Maximum", threshold=0, treat_missing_data="notBreaching")

    def outputs(self) -> None:
        endpoint = cdk.Fn.condition_if(
            self.has_certificate.logical_id, cdk.Fn.sub("https://${DomainName}"),
            cdk.Fn.condition_if(self.has_domain_name.logical_id, cdk.Fn.sub("http://${DomainName}"),
                                cdk.Fn.sub("http://${LoadBalancer.DNSName}")))
        cdk.CfnOutput(self, "EndpointURL", description="The Imagery web application (https://DomainName with a certificate).",
                      value=cdk.Token.as_string(endpoint))
        cdk.CfnOutput(self, "LoadBalancerDNSName",
                      description="Point DomainName here (alias or CNAME) when HostedZoneId is not given.",
                      value=self.lb.attr_dns_name)
        cdk.CfnOutput(self, "QueueUrl", description="URL of the work queue.", value=self.queue.ref)
        cdk.CfnOutput(self, "DeadLetterQueueUrl", description="URL of the dead-letter queue.", value=self.dlq.ref)
        cdk.CfnOutput(self, "BucketName", description="Bucket for uploaded and processed images.", value=self.bucket.ref)
        cdk.CfnOutput(self, "TableName", description="DynamoDB table of image states.", value=self.table.ref)


def main() -> int:
    outdir = sys.argv[1] if len(sys.argv) > 1 else "cdk.out"
    # No CDK CLI here: no bootstrap parameter and rule (legacy synthesizer), no CDKMetadata resource and no
    # per-resource path metadata, so the template holds only what the stack describes.
    app = cdk.App(outdir=outdir, analytics_reporting=False, context={"aws:cdk:enable-path-metadata": False})
    ImageryStack(app, "Imagery", synthesizer=cdk.LegacyStackSynthesizer())
    app.synth()
    return 0


if __name__ == "__main__":
    sys.exit(main())
