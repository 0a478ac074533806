#!/usr/bin/env python3
"""Imports every template of Tests/Fixtures/cfn-templates and templates/ with `infra import`, compiles all
the Swift sources in one package that uses this repository by path (as a user's package would), runs it to
synthesize each template, and checks each result is equal to its original under cfn-lint's decoder.

usage: import-corpus.py INFRA-BINARY

Prints the share of templates that import, compile and round-trip, and how many resources came out typed.
Exits 1 when a source does not compile, a synthesized template differs from its original, the Imagery
templates are not imported entirely typed, or a template is refused for a reason not in EXPECTED_REFUSED.
The package lives in .build/import-check (kept between runs, so a second run only recompiles the sources).
"""
import os
import pathlib
import re
import shutil
import subprocess
import sys
import time

from cfnlint.decode import decode_str

from cfncompare import REFUSED_BY_CLOUDFORMATION, first_difference, plain

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "Tests" / "Fixtures" / "cfn-templates"
WORK = ROOT / ".build" / "import-check"

# Files `infra import` must refuse, with this reason: not CloudFormation templates, or templates CloudFormation
# itself refuses (the same four scripts/roundtrip-corpus.py cannot read).
EXPECTED_REFUSED = {
    **REFUSED_BY_CLOUDFORMATION,
    # `AssetDescription` for AssertDescription: the Rule model has no place for a misspelt key.
    "aws_solutions_VPCPeering_templates_VPCPeering-Requester-Setup.cfn.yaml": "unknown key AssetDescription",
    "aws_solutions_VPCPeering_templates_VPCPeering-Requester.main.cfn.yaml": "unknown key AssetDescription",
}
# Synthesized templates that validation finds problems in; each is a real one (cfn-lint reports the first five too).
EXPECTED_ISSUES = {
    "aws_services_RDS_RDS_MySQL_With_Read_Replica.yaml": "logical id 'Is-EC2-VPC' is not allowed",  # cfn-lint E8001
    "custom_is-defined.yaml": "!Ref names 'NodeEnv'",  # a `Parameter:` section for Parameters; cfn-lint E1001
    "functions_ref.yaml": "!Ref names 'ModuleResource'",  # cfn-lint E6101
    "functions_sub_needed.yaml": "!GetAtt GreetingLambda.Arn names 'GreetingLambda'",  # cfn-lint E1022
    "functions_findinmap.yaml": "Fn::FindInMap in this form needs the AWS::LanguageExtensions transform",  # a nested map name
    "mappings_used.yaml": "Fn::FindInMap in this form needs the AWS::LanguageExtensions transform",
    "resources_deletionpolicy.yaml": "DeletionPolicy given by an intrinsic needs the AWS::LanguageExtensions transform",
    "resources_updatereplacepolicy.yaml": "UpdateReplacePolicy given by an intrinsic needs the AWS::LanguageExtensions transform",
}
# Files with no Resources section (CodeBuild buildspecs, a cfn-lint configuration, snippets): refused as not templates.
NOT_TEMPLATE = "not a CloudFormation template"

PACKAGE = """// swift-tools-version:6.0
// Written by scripts/import-corpus.py: the sources `infra import` wrote, compiled against the toolchain's products.
import PackageDescription

let package = Package(
    name: "import-check",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "imagery-iac", path: "../..")],
    targets: [
        .executableTarget(
            name: "import-check",
            dependencies: [
                .product(name: "CloudFormation", package: "imagery-iac"),
                .product(name: "CloudFormationResources", package: "imagery-iac"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
"""


def main_swift(names):
    entries = "".join(f"    ({name!r}, {name}.template),\n".replace("'", '"') for name in names)
    return f"""import CloudFormation
import Foundation

// import-check OUT-DIR: writes OUT-DIR/NAME.yaml for every imported template.
let templates: [(String, Template)] = [
{entries}]
let out = URL(fileURLWithPath: CommandLine.arguments[1], isDirectory: true)
for (name, template) in templates {{
    // Validation on real templates: what it finds, it must find for a reason (EXPECTED_ISSUES).
    let issues = template.validationIssues()
    if let first = issues.first {{ print("issues \\(name) \\(issues.count) \\(first.description)") }}
    do {{
        try Data(TemplateYAML.render(template).utf8).write(to: out.appendingPathComponent(name + ".yaml"))
    }} catch {{
        print("unrenderable \\(name): \\(error)")
    }}
}}
"""


def write_if_changed(path, text):
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    infra = sys.argv[1]
    swift = os.environ.get("SWIFT", "swift")
    started = time.monotonic()
    files = sorted(p for p in CORPUS.rglob("*") if p.suffix in (".yaml", ".yml", ".json"))
    imagery = sorted((ROOT / "templates").glob("*.yaml"))
    # Spellings written to be hard to keep: escapes, multi-line text, every intrinsic, loops, attributes.
    files += sorted((ROOT / "Tests" / "Fixtures" / "import").glob("*.yaml")) + imagery
    sources = WORK / "Sources" / "import-check"
    sources.mkdir(parents=True, exist_ok=True)
    write_if_changed(WORK / "Package.swift", PACKAGE)

    names, origin, refused, unexpected = [], {}, {}, []
    typed = untyped = 0
    imagery_untyped = []
    wanted = set()
    for index, path in enumerate(files):
        name = f"Imported{index:03d}"
        target = sources / f"{name}.swift"
        result = subprocess.run(
            [infra, "import", str(path), "--name", name, "--out", str(target) + ".new", "--force"],
            capture_output=True, text=True)
        label = path.name
        if result.returncode != 0:
            reason = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else f"exit {result.returncode}"
            reason = reason.replace(f"error: {path}: ", "")
            refused[label] = reason
            expected = EXPECTED_REFUSED.get(label)
            if not ((expected and expected in reason) or (expected is None and NOT_TEMPLATE in reason)):
                unexpected.append(f"{label}: {reason}")
            continue
        # Replace only changed sources, so a second run recompiles what changed.
        new = pathlib.Path(str(target) + ".new")
        if target.exists() and target.read_text() == new.read_text():
            new.unlink()
        else:
            new.replace(target)
        wanted.add(target.name)
        counts = re.search(r"import: (\d+) typed resource\(s\), (\d+) untyped", result.stderr)
        if counts:
            typed += int(counts.group(1))
            untyped += int(counts.group(2))
            if path in imagery and int(counts.group(2)) > 0:
                imagery_untyped.append(label)
        names.append(name)
        origin[name] = path
    for stale in sources.glob("*.swift"):
        if stale.name not in wanted and stale.name != "main.swift":
            stale.unlink()

    # SwiftPM keeps the file list of a path dependency in its build description and does not notice generated
    # files added or removed in this repository (a missing input, or a type not found); planning again is cheap.
    for description in (WORK / ".build").glob("*/debug/description.json"):
        description.unlink()

    # Build; a source that does not compile is set aside with its first error, and the rest built again.
    uncompiled = {}
    for _ in range(6):
        write_if_changed(sources / "main.swift", main_swift(names))
        build = subprocess.run([swift, "build", "--package-path", str(WORK)], capture_output=True, text=True)
        if build.returncode == 0:
            break
        failing = {}
        for line in (build.stdout + build.stderr).splitlines():
            match = re.search(r"(Imported\d{3})\.swift:\d+:\d+: error: (.*)", line)
            if match and match.group(1) not in failing:
                failing[match.group(1)] = match.group(2)
        if not failing:
            print(build.stdout[-4000:] + build.stderr[-4000:], file=sys.stderr)
            print("import: the check package does not build, and no imported source is named in the errors", file=sys.stderr)
            return 1
        for name, error in failing.items():
            uncompiled[origin[name].name] = error
            names.remove(name)
            (sources / f"{name}.swift").rename(WORK / f"{name}.swift.failed")
    built_at = time.monotonic()

    out = WORK / "out"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    binary = pathlib.Path(subprocess.run([swift, "build", "--package-path", str(WORK), "--show-bin-path"],
                                         capture_output=True, text=True).stdout.strip()) / "import-check"
    run = subprocess.run([str(binary), str(out)], capture_output=True, text=True)
    found, unexpected_issues = {}, []
    for line in run.stdout.splitlines():
        match = re.fullmatch(r"issues (Imported\d{3}) (\d+) (.*)", line)
        if not match:
            print(f"import: import-check failed: {line}", file=sys.stderr)
            return 1
        label = origin[match.group(1)].name
        found[label] = f"{match.group(2)} issue(s), first: {match.group(3)}"
        if EXPECTED_ISSUES.get(label, "\0") not in match.group(3):
            unexpected_issues.append(f"{label}: {found[label]}")
    if run.returncode != 0:
        print(f"import: import-check failed ({run.returncode}): {run.stderr}", file=sys.stderr)
        return 1
    unfound = sorted(set(EXPECTED_ISSUES) - set(found))
    equal, different = 0, []
    for name in names:
        original, _ = decode_str(origin[name].read_text(encoding="utf-8"))
        rendered, matches = decode_str((out / f"{name}.yaml").read_text(encoding="utf-8"))
        if rendered is None:
            different.append(f"{origin[name].name}: cfn-lint cannot decode the synthesized template: {matches}")
            continue
        difference = first_difference(plain(original), plain(rendered))
        if difference:
            different.append(f"{origin[name].name}: {difference}")
        else:
            equal += 1

    templates = len(files) - sum(1 for reason in refused.values() if NOT_TEMPLATE in reason)
    share = 100.0 * equal / templates if templates else 0.0
    print(f"import: {len(files)} files ({len(imagery)} Imagery templates, the edge cases of Tests/Fixtures/import, the rest from "
          f"{CORPUS.relative_to(ROOT)}), {templates} of them templates; build {built_at - started:.0f} s, "
          f"total {time.monotonic() - started:.0f} s")
    print(f"  imported {len(files) - len(refused)}, compiled {len(names)}, equal under cfn-lint's decoder {equal}: "
          f"{equal}/{templates} templates = {share:.1f}%")
    print(f"  resources: {typed} typed, {untyped} untyped ({100.0 * typed / max(typed + untyped, 1):.1f}% typed)")
    print(f"  validation: {len(names) - len(found)} of {len(names)} synthesized templates without issues; "
          f"{len(found) - len(unexpected_issues)} with the expected ones")
    for label, reason in sorted(refused.items()):
        print(f"  refused {label}: {reason[:160]}")
    for label, error in sorted(uncompiled.items()):
        print(f"  DOES NOT COMPILE {label}: {error[:200]}")
    for line in different:
        print(f"  DIFFERENT {line[:300]}")
    for line in unexpected:
        print(f"  UNEXPECTED refusal {line[:300]}")
    for line in unexpected_issues:
        print(f"  UNEXPECTED validation issues {line[:300]}")
    for label in unfound:
        print(f"  EXPECTED validation issue not found in {label}: {EXPECTED_ISSUES[label]}")
    for label in imagery_untyped:
        print(f"  UNTYPED Imagery template {label}: every resource has a generated type")
    return 1 if uncompiled or different or unexpected or imagery_untyped or unexpected_issues or unfound else 0


if __name__ == "__main__":
    sys.exit(main())
