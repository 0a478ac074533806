"""Comparing two templates as CloudFormation reads them, for scripts/roundtrip-corpus.py and
scripts/import-corpus.py: cfn-lint's decoded values as plain Python, and the first place two of them differ.
"""
import datetime

# Corpus files CloudFormation itself would refuse, or that are not one template: reading them must fail, with this
# reason (scripts/roundtrip-corpus.py), and so must importing them (scripts/import-corpus.py).
REFUSED_BY_CLOUDFORMATION = {
    "aws_services_ServiceCatalog_Portfolio.yaml": "duplicate key 'Key'",
    "aws_solutions_CloudFrontCustomOriginLambda@Edge_CloudFront.yaml": "duplicate key 'EC2InstanceSGID'",
    "community_services_EKS_EC2_manifest.yml": "multi-document streams are not supported",  # a Kubernetes manifest
    "community_codestar_python-webservice-lambda_template.yml": "!If expects a string argument",  # Fn::If needs a condition name
}


def plain(value):
    """cfn-lint's node types as plain Python values, dates as CloudFormation reads them."""
    if isinstance(value, dict):
        if len(value) == 1 and "Fn::GetAtt" in value and isinstance(value["Fn::GetAtt"], str) and "." in value["Fn::GetAtt"]:
            resource, attribute = str(value["Fn::GetAtt"]).split(".", 1)
            return {"Fn::GetAtt": [resource, attribute]}
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    return value


def first_difference(a, b, path=""):
    if type(a) is not type(b):
        return f"{path or '/'}: {type(a).__name__} {a!r:.80} != {type(b).__name__} {b!r:.80}"
    if isinstance(a, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                return f"{path}/{key}: only in the {'rendered' if key in b else 'original'}"
            found = first_difference(a[key], b[key], f"{path}/{key}")
            if found:
                return found
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items != {len(b)}"
        for index, (x, y) in enumerate(zip(a, b)):
            found = first_difference(x, y, f"{path}/{index}")
            if found:
                return found
        return None
    return None if a == b or (a != a and b != b) else f"{path}: {a!r:.80} != {b!r:.80}"
