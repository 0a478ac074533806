"""Synth benchmark: `infra synth` (release) against a troposphere program of the same stack (and a
CDK app, when aws-cdk-lib is installed and runs here), whole processes, alternating, medians.

    python synth_bench.py INFRA [--runs N] [--no-cdk]

Each side writes the Imagery template into a fresh directory per run; what is timed is the whole
process a user waits for (interpreter or binary start, building the model, rendering, writing),
started directly by this script: a GNU time wrapper's own fork and exec would be a tenth of what
infra takes. CPU comes from wait4; peak RSS from one extra run per side under GNU time.
Before any figure is written the templates are compared as CloudFormation, not as text: both are
parsed with the short-form tags (!Ref, !GetAtt, !Sub, ...) turned into their long forms, `!GetAtt
A.B` and `Fn::GetAtt: [A, B]` made one, a `Fn::Sub` with an empty variable map made the plain
string, a single DependsOn made a list. Any difference fails the benchmark with the paths that
differ. Writes bench/results/synth.txt and synth.json (for bench/report.py).
"""
from __future__ import annotations

import argparse
import difflib
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

import benchlib

HERE = Path(__file__).resolve().parent
TARGET_SPEEDUP = 10.0


# --- Equivalence -----------------------------------------------------------------------------------

class CloudFormationLoader(yaml.SafeLoader):
    """PyYAML's safe loader plus CloudFormation's short-form tags, read as their long forms."""


def _construct_intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node):
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    key = suffix if suffix in ("Ref", "Condition") else f"Fn::{suffix}"
    return {key: value}


CloudFormationLoader.add_multi_constructor("!", _construct_intrinsic)


def load_template(path: Path) -> dict:
    with path.open(encoding="utf-8") as f:
        document = yaml.load(f, Loader=CloudFormationLoader)
    if not isinstance(document, dict):
        raise ValueError(f"{path}: not a CloudFormation template (top level is {type(document).__name__})")
    return normalize(document)


def normalize(value, key: str = ""):
    """One spelling for what CloudFormation reads the same way (see the module docstring)."""
    if isinstance(value, dict):
        if len(value) == 1:
            (name, argument), = value.items()
            if name == "Fn::GetAtt" and isinstance(argument, str) and "." in argument:
                return {name: argument.split(".", 1)}
            if name == "Fn::Sub" and isinstance(argument, list) and len(argument) == 2 and argument[1] == {}:
                return {name: normalize(argument[0])}
        return {k: normalize(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [normalize(v) for v in value]
    if key == "DependsOn" and isinstance(value, str):
        return [value]
    return value


def _same_scalar(a, b) -> bool:
    # bool is an int in Python; true and 1 are different CloudFormation values.
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    return type(a) is type(b) and a == b


def differences(a, b, path: str = "") -> list[str]:
    """Every place where two normalized templates differ, as 'path: left != right' lines."""
    where = path or "(top)"
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b), key=str):
            sub = f"{path}.{k}" if path else str(k)
            if k not in b:
                out.append(f"{sub}: only in the first ({json.dumps(a[k], default=str)[:160]})")
            elif k not in a:
                out.append(f"{sub}: only in the second ({json.dumps(b[k], default=str)[:160]})")
            else:
                out.extend(differences(a[k], b[k], sub))
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{where}: {len(a)} items != {len(b)} items\n    {json.dumps(a, default=str)[:300]}\n"
                    f"    {json.dumps(b, default=str)[:300]}"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, f"{where}[{i}]")]
    if isinstance(a, (dict, list)) or isinstance(b, (dict, list)) or not _same_scalar(a, b):
        return [f"{where}: {json.dumps(a, default=str)[:200]} != {json.dumps(b, default=str)[:200]}"]
    return []


def compare(first: Path, second: Path, first_name: str, second_name: str) -> tuple[bool, str]:
    """Whether two template files are the same CloudFormation, and a readable account of the check."""
    a, b = load_template(first), load_template(second)
    found = differences(a, b)
    resources = len(a.get("Resources", {}))
    sections = ", ".join(f"{len(a.get(s, {}))} {s.lower()}" for s in ("Parameters", "Conditions", "Outputs"))
    if not found:
        return True, (f"{first_name} and {second_name}: equivalent ({resources} resources, {sections}; "
                      "every property and intrinsic compared after normalizing short/long forms)")
    text = json.dumps(a, indent=1, sort_keys=True, default=str).splitlines()
    other = json.dumps(b, indent=1, sort_keys=True, default=str).splitlines()
    diff = list(difflib.unified_diff(text, other, first_name, second_name, lineterm="", n=2))
    report = [f"{first_name} and {second_name}: {len(found)} difference(s) (first = {first_name}):"]
    report += [f"  {d}" for d in found[:40]]
    if len(found) > 40:
        report.append(f"  ... and {len(found) - 40} more")
    report.append("normalized JSON, unified diff:")
    report += diff[:200]
    return False, "\n".join(report)


# --- Timing ----------------------------------------------------------------------------------------

class Side:
    """One program that writes the Imagery template: how to run it into a directory, where the template lands."""

    def __init__(self, name: str, command, output: str, note: str):
        self.name, self.command, self.output, self.note = name, command, output, note
        self.runs: list[benchlib.Run] = []

    def run(self, directory: Path, *, memory: bool = False) -> benchlib.Run:
        """Timed directly; with `memory`, under GNU time for the peak RSS (slower by its own start)."""
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        measure = benchlib.run_measured if memory else benchlib.run_timed
        result = measure(self.command(directory), timeout=600)
        if not (directory / self.output).is_file():
            raise RuntimeError(f"{self.name} wrote no {self.output} in {directory}")
        return result


def cdk_status(python: str) -> tuple[bool, str]:
    """Whether the CDK side can run: aws-cdk-lib importable and node present (jsii runs the library in node)."""
    probe = subprocess.run([python, "-c", "import aws_cdk, constructs; print(aws_cdk.__version__ if hasattr(aws_cdk, '__version__') else '')"],
                           capture_output=True, text=True, timeout=300)
    if probe.returncode != 0:
        return False, "aws-cdk-lib is not installed in the bench virtualenv (" + (probe.stderr.strip().splitlines() or ["?"])[-1] + ")"
    if shutil.which("node") is None:
        return False, "aws-cdk-lib needs node (jsii), and node is not on PATH"
    return True, ""


def version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 0.1 else f"{seconds * 1000:.0f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("infra", help="the release build of infra")
    parser.add_argument("--runs", type=int, default=15, help="alternating rounds (default 15)")
    parser.add_argument("--no-cdk", action="store_true", help="leave the CDK side out even if aws-cdk-lib is installed")
    args = parser.parse_args()
    infra = str(Path(args.infra).resolve())
    if not os.access(infra, os.X_OK):
        print(f"error: {infra} is not an executable; build it with `swift build -c release --product infra`", file=sys.stderr)
        return 2
    python = sys.executable
    work = benchlib.WORK / "synth"

    sides = [
        Side("infra synth --template imagery", lambda d: [infra, "synth", "--template", "imagery", "--out-dir", str(d)],
             "templates/imagery.yaml", "release binary; writes templates/imagery.yaml only"),
        Side("troposphere", lambda d: [python, str(HERE / "synth_troposphere.py"), str(d / "imagery.yaml")],
             "imagery.yaml", "python bench/synth_troposphere.py OUT (troposphere objects -> to_yaml)"),
        Side("infra synth (all files)", lambda d: [infra, "synth", "--out-dir", str(d)],
             "templates/imagery.yaml", "what `make synth` does: both templates and packer/imagery.pkr.hcl"),
    ]
    cdk_ok, cdk_reason = (False, "left out (--no-cdk)") if args.no_cdk else cdk_status(python)
    if cdk_ok:
        sides.append(Side("cdk", lambda d: [python, str(HERE / "cdk_app.py"), str(d)], "Imagery.template.json",
                          "python bench/cdk_app.py OUTDIR (aws-cdk-lib, app.synth(), JSON)"))

    # One warm-up each (page cache, Python's bytecode cache, node's first start), not counted.
    for side in sides:
        side.run(work / "warmup" / side.name.split()[0])
    # Alternating: each round starts with the next side, so drift on a shared machine hits all alike.
    for round_index in range(args.runs):
        order = sides[round_index % len(sides):] + sides[:round_index % len(sides)]
        for side in order:
            result = side.run(work / f"run{round_index}" / side.name.replace(" ", "_").replace("-", ""))
            side.runs.append(result)
        print(f"round {round_index + 1}/{args.runs}: " + ", ".join(f"{s.name} {ms(s.runs[-1].wall)}" for s in sides),
              flush=True)

    # Peak RSS: one more run per side under GNU time (see benchlib.run_measured), not timed.
    peak_rss = {side.name: side.run(work / "memory" / side.name.replace(" ", "_").replace("-", ""), memory=True).max_rss_kib / 1024
                for side in sides}

    # What infra costs before it does any synth work: exec, dynamic libraries, Swift and Foundation start.
    start_runs = [benchlib.run_timed([infra, "--help"]) for _ in range(args.runs)]
    start_wall = benchlib.median(r.wall for r in start_runs)
    start_cpu = benchlib.median(r.cpu for r in start_runs)

    def output(side: Side, round_index: int) -> Path:
        return work / f"run{round_index}" / side.name.replace(" ", "_").replace("-", "") / side.output

    # Deterministic output on every run, the same bytes as the committed template, then equivalence.
    checks, ok = [], True
    for side in sides:
        first = output(side, 0).read_bytes()
        same = all(output(side, i).read_bytes() == first for i in range(args.runs))
        checks.append(f"{side.name}: {'the same bytes on every run' if same else 'OUTPUT DIFFERS BETWEEN RUNS'}")
        ok &= same
    committed = benchlib.ROOT / "templates" / "imagery.yaml"
    same_as_committed = output(sides[0], 0).read_bytes() == committed.read_bytes()
    checks.append("infra's template: " + ("byte-identical to the committed templates/imagery.yaml" if same_as_committed
                                          else "DIFFERS from the committed templates/imagery.yaml (run make synth)"))
    ok &= same_as_committed
    equivalent_tropo, tropo_report = compare(output(sides[0], 0), output(sides[1], 0), "infra", "troposphere")
    checks.append(tropo_report)
    ok &= equivalent_tropo
    equivalent_cdk, cdk_report = None, ""
    if cdk_ok:
        equivalent_cdk, cdk_report = compare(output(sides[0], 0), output(sides[3], 0), "infra", "cdk")
        checks.append(cdk_report)
        ok &= equivalent_cdk

    medians = {side.name: benchlib.median(r.wall for r in side.runs) for side in sides}
    cpu = {side.name: benchlib.median(r.cpu for r in side.runs) for side in sides}
    rss = peak_rss
    infra_one, tropo, infra_all = medians[sides[0].name], medians[sides[1].name], medians[sides[2].name]
    ratio = tropo / infra_one
    ratio_all = tropo / infra_all

    info = benchlib.machine()
    linked = benchlib.command_output(["ldd", infra])
    runtime = "Swift runtime linked dynamically" if "libswiftCore" in linked else "Swift runtime linked statically"
    versions = {
        "infra": f"{infra} (release, {runtime}; {len(linked.splitlines())} shared libraries at start)",
        "troposphere": version("troposphere"),
        "cfn-flip (troposphere's YAML writer)": version("cfn-flip"),
        "PyYAML (equivalence check)": version("PyYAML"),
        "aws-cdk-lib": version("aws-cdk-lib") + ("" if cdk_ok else f" (CDK side not run: {cdk_reason})"),
        "node": benchlib.command_output(["node", "--version"]) or "not found",
        "command": f"make bench-synth  (bench/synth_bench.py, {args.runs} alternating rounds after one warm-up each; "
                   "wall = whole process, started directly, medians; cpu = user + system from wait4; "
                   "peak RSS from one more run per side under GNU time)",
    }
    lines = ["# Synth: infra synth (Swift, release) vs troposphere" + (" vs AWS CDK" if cdk_ok else ""), ""]
    lines += benchlib.machine_lines(info, versions)
    lines += ["", "sides:"] + [f"  {s.name:32} {s.note}" for s in sides]
    lines += ["", f"{'side':34} {'median wall':>12} {'median cpu':>11} {'peak RSS':>10}", "-" * 70]
    for side in sides:
        lines.append(f"{side.name:34} {ms(medians[side.name]):>12} {ms(cpu[side.name]):>11} {rss[side.name]:>7.1f} MiB")
    lines += ["", "per-run wall (ms):"]
    for side in sides:
        lines.append(f"  {side.name:32} " + ", ".join(f"{r.wall * 1000:.1f}" if r.wall < 0.1 else f"{r.wall * 1000:.0f}" for r in side.runs))
    lines += ["", f"infra's process start alone (`infra --help`, {len(start_runs)} runs): median wall {ms(start_wall)}, "
              f"cpu {ms(start_cpu)}"]
    lines += ["",
              f"ratio troposphere / infra synth --template imagery: {ratio:.1f}x (target >= {TARGET_SPEEDUP:.0f}x: "
              f"{'met' if ratio >= TARGET_SPEEDUP else 'NOT met'})",
              f"ratio troposphere / infra synth (all three files):   {ratio_all:.1f}x"]
    if cdk_ok:
        lines.append(f"ratio cdk / infra synth --template imagery:         {medians['cdk'] / infra_one:.1f}x")
    else:
        lines.append(f"cdk: not run: {cdk_reason}")
    lines += ["", "checks:"] + [f"  {c}" for c in checks]
    text = "\n".join(lines) + "\n"

    figures = [
        benchlib.Figure("Synth: troposphere / infra synth, whole process (median wall)",
                        f"{ratio:.1f}x ({ms(infra_one)} vs {ms(tropo)}; all three files {ms(infra_all)}, {ratio_all:.1f}x)",
                        f">= {TARGET_SPEEDUP:.0f}x", ratio >= TARGET_SPEEDUP),
        benchlib.Figure("Synth: troposphere / infra synth, CPU time (user + system, median)",
                        f"{cpu[sides[1].name] / cpu[sides[0].name]:.1f}x ({ms(cpu[sides[0].name])} vs "
                        f"{ms(cpu[sides[1].name])}; infra's start alone, `infra --help`: {ms(start_cpu)})"),
        benchlib.Figure("Synth: same template as troposphere (semantic compare)",
                        "equivalent" if equivalent_tropo else "**differs** (see results/synth.txt)", "equivalent",
                        equivalent_tropo),
    ]
    if cdk_ok:
        figures.append(benchlib.Figure("Synth: AWS CDK / infra synth, whole process (median wall)",
                                       f"{medians['cdk'] / infra_one:.1f}x ({ms(medians['cdk'])}); template "
                                       + ("equivalent" if equivalent_cdk else "**differs**"), "", None))
    else:
        figures.append(benchlib.Figure("Synth: AWS CDK side", f"not run: {cdk_reason}"))
    print(text)
    benchlib.write_results("synth", text, figures, info)
    if not ok:
        print("synth benchmark FAILED a check (see above)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
