#!/usr/bin/env python3
"""Reads every template of Tests/Fixtures/cfn-templates, renders it back, and checks the pair is equal under
cfn-lint's decoder (cfnlint.decode.decode_str), the way `infra diff` reads a deployed template.

usage: roundtrip-corpus.py CFN-ROUNDTRIP-BINARY

Prints the counts (read, equal, unreadable with the reason, grouped) and exits 1 on any inequality, on a
crash, or on a template that cannot be read for a reason not listed in EXPECTED_UNREADABLE below.
Two spellings that CloudFormation reads the same but cfn-lint's decoder keeps apart are normalised: a plain
`2010-09-09` (a date to PyYAML, text to CloudFormation and to our reader) compares as its text, and the
long form `Fn::GetAtt: Resource.Attribute` compares as `[Resource, Attribute]`, which `!GetAtt` decodes to.
"""
import datetime
import pathlib
import subprocess
import sys
import tempfile
import time

from cfnlint.decode import decode_str

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "Tests" / "Fixtures" / "cfn-templates"

# Templates CloudFormation itself would refuse, or that are not one template: reading them must fail, with this reason.
EXPECTED_UNREADABLE = {
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


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    binary = sys.argv[1]
    files = sorted(p for p in CORPUS.rglob("*") if p.suffix in (".yaml", ".yml", ".json"))
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as out:
        result = subprocess.run([binary, out, *map(str, files)], capture_output=True, text=True)
        if result.returncode != 0:
            print(f"roundtrip: {binary} exited {result.returncode}\n{result.stderr}", file=sys.stderr)
            return 1
        by_name = {p.name: p for p in files}
        equal, unequal, unreadable, unexpected = 0, [], {}, []
        seen = set()
        for line in result.stdout.splitlines():
            status, _, rest = line.partition(" ")
            if status == "ok":
                name = rest
                seen.add(name)
                original, _ = decode_str(by_name[name].read_text(encoding="utf-8"))
                rendered, matches = decode_str((pathlib.Path(out) / (name + ".yaml")).read_text(encoding="utf-8"))
                if rendered is None:
                    unequal.append(f"{name}: cfn-lint cannot decode the rendered template: {matches}")
                    continue
                difference = first_difference(plain(original), plain(rendered))
                if difference:
                    unequal.append(f"{name}: {difference}")
                else:
                    equal += 1
            elif status == "unreadable":
                name, _, reason = rest.partition(": ")
                seen.add(name)
                unreadable[name] = reason
                expected = EXPECTED_UNREADABLE.get(name)
                if expected is None or expected not in reason:
                    unexpected.append(f"{name}: {reason}")
        missing = sorted(set(by_name) - seen)
    print(f"roundtrip: {len(files)} templates from {CORPUS.relative_to(ROOT)} in {time.monotonic() - started:.1f} s: "
          f"{len(files) - len(unreadable) - len(missing)} read, {equal} equal under cfn-lint's decoder, "
          f"{len(unequal)} different, {len(unreadable)} unreadable ({len(unreadable) - len(unexpected)} expected)")
    for name, reason in sorted(unreadable.items()):
        print(f"  unreadable {name}: {reason[:160]}")
    for line in unequal:
        print(f"  DIFFERENT {line}")
    for line in unexpected:
        print(f"  UNEXPECTED unreadable {line}")
    for name in missing:
        print(f"  CRASH? no result for {name}")
    return 1 if unequal or unexpected or missing else 0


if __name__ == "__main__":
    sys.exit(main())
