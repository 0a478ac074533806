#!/usr/bin/env python3
"""Dump the CloudFormation resource provider schemas that cfn-codegen turns into Swift types.

Reads the schemas bundled with cfn-lint (region us-east-1) and writes one pretty-printed,
key-sorted JSON file per resource type into the output directory (default: schemas/), keeping
only the keys the generator reads. The list of types is TYPES below; it is also written to
schemas/types.txt so the set is visible without reading Python.

Usage: python3 scripts/dump-cfn-schemas.py [OUTPUT_DIR]
"""

import json
import os
import sys

from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

REGION = "us-east-1"

TYPES = [
    "AWS::EC2::VPC",
    "AWS::EC2::InternetGateway",
    "AWS::EC2::VPCGatewayAttachment",
    "AWS::EC2::Subnet",
    "AWS::EC2::RouteTable",
    "AWS::EC2::Route",
    "AWS::EC2::SubnetRouteTableAssociation",
    "AWS::EC2::NetworkAcl",
    "AWS::EC2::NetworkAclEntry",
    "AWS::EC2::SubnetNetworkAclAssociation",
    "AWS::EC2::SecurityGroup",
    "AWS::EC2::SecurityGroupIngress",
    "AWS::EC2::SecurityGroupEgress",
    "AWS::EC2::LaunchTemplate",
    "AWS::S3::Bucket",
    "AWS::S3::BucketPolicy",
    "AWS::DynamoDB::Table",
    "AWS::SQS::Queue",
    "AWS::SQS::QueuePolicy",
    "AWS::ElasticLoadBalancingV2::LoadBalancer",
    "AWS::ElasticLoadBalancingV2::Listener",
    "AWS::ElasticLoadBalancingV2::ListenerRule",
    "AWS::ElasticLoadBalancingV2::TargetGroup",
    "AWS::IAM::Role",
    "AWS::IAM::InstanceProfile",
    "AWS::IAM::Policy",
    "AWS::IAM::ManagedPolicy",
    "AWS::AutoScaling::AutoScalingGroup",
    "AWS::AutoScaling::ScalingPolicy",
    "AWS::CloudWatch::Alarm",
    "AWS::SNS::Topic",
    "AWS::SNS::Subscription",
    "AWS::SNS::TopicPolicy",
    "AWS::Logs::LogGroup",
    "AWS::SSM::Parameter",
    "AWS::Route53::RecordSet",
    # The types real templates use most beyond Imagery's (counted over Tests/Fixtures/cfn-templates), so that
    # `infra import` writes them typed and other stacks can use them.
    "AWS::Lambda::Function",
    "AWS::Lambda::Permission",
    "AWS::Lambda::EventSourceMapping",
    "AWS::EC2::Instance",
    "AWS::EC2::EIP",
    "AWS::EC2::EIPAssociation",
    "AWS::EC2::NatGateway",
    "AWS::EC2::VPCEndpoint",
    "AWS::RDS::DBInstance",
    "AWS::RDS::DBSubnetGroup",
    "AWS::ECS::Cluster",
    "AWS::ECS::Service",
    "AWS::ECS::TaskDefinition",
    "AWS::KMS::Key",
    "AWS::KMS::Alias",
    "AWS::CloudFormation::Stack",
    "AWS::CloudFormation::WaitCondition",
    "AWS::CloudFormation::WaitConditionHandle",
    "AWS::SecretsManager::Secret",
    "AWS::Events::Rule",
    "AWS::AutoScaling::LaunchConfiguration",
    "AWS::Logs::SubscriptionFilter",
]

# The keys cfn-codegen reads; everything else (tagging, handlers, patterns...) is dropped.
KEPT_KEYS = [
    "typeName",
    "description",
    "properties",
    "definitions",
    "required",
    "readOnlyProperties",
    "createOnlyProperties",
    "writeOnlyProperties",
    "deprecatedProperties",
]

# Keys kept inside property and definition subschemas. Validation-only keys such as
# pattern, minLength, format or insertionOrder are dropped to keep the files small and stable.
KEPT_SUBSCHEMA_KEYS = {
    "$ref",
    "type",
    "description",
    "properties",
    "required",
    "items",
    "enum",
    "oneOf",
    "anyOf",
    "allOf",
    "patternProperties",
    "additionalProperties",
    "minimum",
    "maximum",
    "deprecated",
}


def first_sentence(text):
    """The first sentence of a description, on one line."""
    text = " ".join(str(text).split())
    for end in (". ", ".\n"):
        index = text.find(end)
        if index != -1:
            return text[: index + 1]
    return text


def prune(node):
    """Keep only the subschema keys the generator reads, recursively."""
    if isinstance(node, list):
        return [prune(item) for item in node]
    if not isinstance(node, dict):
        return node
    result = {}
    for key, value in node.items():
        if key not in KEPT_SUBSCHEMA_KEYS:
            continue
        if key == "description":
            result[key] = first_sentence(value)
        elif key in ("properties", "patternProperties"):
            result[key] = {name: prune(sub) for name, sub in value.items()}
        elif key == "additionalProperties":
            result[key] = prune(value) if isinstance(value, dict) else value
        else:
            result[key] = prune(value)
    return result


def slim(schema):
    out = {}
    for key in KEPT_KEYS:
        if key not in schema:
            continue
        value = schema[key]
        if key == "description":
            value = first_sentence(value)
        elif key in ("properties", "definitions"):
            value = {name: prune(sub) for name, sub in value.items()}
        elif key in ("required",):
            value = sorted(value)
        elif key.endswith("Properties"):
            value = sorted(value)
        out[key] = value
    # Legacy schemas may omit these; the generator treats absence as empty, but writing them
    # explicitly keeps every file the same shape.
    for key in ("properties", "definitions"):
        out.setdefault(key, {})
    for key in ("required", "readOnlyProperties", "createOnlyProperties", "writeOnlyProperties",
                "deprecatedProperties"):
        out.setdefault(key, [])
    return out


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "schemas")
    os.makedirs(out_dir, exist_ok=True)
    for type_name in TYPES:
        schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema(REGION, type_name).schema
        path = os.path.join(out_dir, type_name.replace("::", "-") + ".json")
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(slim(schema), handle, indent=2, sort_keys=True, ensure_ascii=False)
            handle.write("\n")
    with open(os.path.join(out_dir, "types.txt"), "w", encoding="utf-8") as handle:
        handle.write("\n".join(TYPES) + "\n")
    print(f"wrote {len(TYPES)} schemas to {os.path.normpath(out_dir)}")


if __name__ == "__main__":
    main()
