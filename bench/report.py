"""Gathers every benchmark's figures into bench/RESULTS.md: how to reproduce them, the machine, the
date, the commit, and one table with each figure, its target and whether it is met.

Sources, each optional (a missing one shows as "not run"):
- bench/results/*.json written through benchlib.write_results (worker, server, synth, ...);
- bench/results/deploy.txt, soak.txt and fuzz.txt, plain text read with small tolerant parsers
  (a NAME.json, if one appears, wins over NAME.txt);
- templates/imagery.yaml, measured here: bytes against CreateStack's inline limit, resources.

    python report.py
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import benchlib

INLINE_LIMIT = 51_200          # CreateStack/UpdateStack TemplateBody, bytes
RESOURCE_QUOTA = 500           # resources per template
ORDER = ["synth", "deploy", "worker", "server", "soak", "fuzz", "template"]
DATE = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}(?: UTC)?")


def row(benchmark: str, name: str, value: str, target: str = "", met: bool | None = None) -> dict:
    return {"benchmark": benchmark, "name": name, "value": value, "target": target, "met": met}


def not_run(benchmark: str, how: str, target: str = "") -> dict:
    return row(benchmark, f"{benchmark.capitalize()} (`{how}`)", "not run", target)


# --- Text results ----------------------------------------------------------------------------------

def parse_deploy(text: str) -> list[dict]:
    """deploy.txt (bench/deploy.py): 'NAME  median X s ...' and 'NAME  API calls N ...' per side; the
    side whose name starts with 'aws' is the reference. Ratios are computed here, not read."""
    medians = {m["name"].strip(): float(m["value"])
               for m in re.finditer(r"^(?P<name>\S.*?)\s+median\s+(?P<value>[0-9.]+)\s*s\b", text, re.M)}
    calls = {m["name"].strip(): int(m["value"])
             for m in re.finditer(r"^(?P<name>\S.*?)\s+API calls\s+(?P<value>\d+)", text, re.M | re.I)}
    aws = next((n for n in medians if n.lower().startswith("aws")), None)
    if aws is None:
        return [row("deploy", "Deploy: bench/results/deploy.txt", "present, but no 'aws ... median N s' line found",
                    "", None)]
    rows = []
    for name, seconds in medians.items():
        if name == aws:
            continue
        ratio = seconds / medians[aws]
        # The target is "on the same work": the AWS CLI does not call ValidateTemplate, so the side
        # that skips it is the comparison; the default side is shown with what the extra call costs.
        same_work = "--no-validate" in name or not any("--no-validate" in n for n in medians)
        note = "" if same_work else " (also calls ValidateTemplate, which the CLI does not)"
        rows.append(row("deploy", f"Deploy on moto: `{name}` / `{aws}` (median wall){note}",
                        f"{ratio:.2f} ({seconds:.2f} s vs {medians[aws]:.2f} s)",
                        "<= 0.5" if same_work else "—", ratio <= 0.5 if same_work else None))
        if name in calls and aws in calls:
            rows.append(row("deploy", f"Deploy on moto: API calls, `{name}` vs `{aws}`{note}",
                            f"{calls[name]} vs {calls[aws]}", "<=" if same_work else "—",
                            calls[name] <= calls[aws] if same_work else None))
    return rows


def _number(pattern: str, text: str) -> int | None:
    m = re.search(pattern, text, re.I | re.M)
    return int(m.group(1).replace(",", "")) if m else None


def parse_soak(text: str) -> list[dict]:
    """soak.txt (make soak): lines such as 'images in 500', 'lost 0', 'duplicates 0', 'p50 ... p99 ...'."""
    figure = {key: _number(rf"^\s*{key}\b\D{{0,20}}?([0-9][0-9,]*)", text)
              for key in ("images in", "processed", "failed", "lost", "duplicates")}
    rows = []
    if figure["images in"] is not None:
        rows.append(row("soak", "Soak: images in / processed / failed",
                        " / ".join("?" if figure[k] is None else f"{figure[k]:,}" for k in ("images in", "processed", "failed"))))
    for key in ("lost", "duplicates"):
        if figure[key] is None:
            rows.append(row("soak", f"Soak: {key}", "not found in soak.txt", "0", False))
        else:
            rows.append(row("soak", f"Soak: {key}", str(figure[key]), "0", figure[key] == 0))
    latency = re.search(r"p50\W*([0-9.]+\s*(?:ms|s)?)\b.*?p99\W*([0-9.]+\s*(?:ms|s)?)", text, re.I | re.S)
    if latency:
        rows.append(row("soak", "Soak: upload to processed, p50 / p99", f"{latency.group(1)} / {latency.group(2)}"))
    faults = re.search(r"^\s*faults?\b[^\n]*", text, re.I | re.M)
    if faults:
        rows.append(row("soak", "Soak: faults injected", faults.group(0).strip()))
    return rows


def parse_fuzz(text: str) -> list[dict]:
    """fuzz.txt (make fuzz): one line per target, 'NAME runs N exec/s N cov N ft N corpus N crashes N seconds N'."""
    rows = []
    for line in text.splitlines():
        words = line.split()
        if len(words) < 3:
            continue
        pairs = dict(zip(words[1::2], words[2::2]))
        if "runs" not in pairs or "crashes" not in pairs:
            continue
        crashes = pairs["crashes"]
        detail = ", ".join(f"{k} {v}" for k, v in pairs.items() if k != "crashes")
        rows.append(row("fuzz", f"Fuzz `{words[0]}`: crashes", f"{crashes} ({detail})", "0",
                        crashes == "0"))
    return rows or [row("fuzz", "Fuzz: bench/results/fuzz.txt", "present, but no 'NAME runs N ... crashes N' line found")]


# --- Measured here ---------------------------------------------------------------------------------

def template_rows(path: Path) -> list[dict]:
    """The template's size against the inline limit and its resource count (top-level keys under Resources:)."""
    if not path.is_file():
        return [not_run("template", f"no {path.relative_to(benchlib.ROOT)}; run make synth")]
    text = path.read_text(encoding="utf-8")
    size = len(text.encode("utf-8"))
    section = re.search(r"^Resources:\n(.*?)(?=^\S|\Z)", text, re.M | re.S)
    resources = len(re.findall(r"^  [A-Za-z0-9]+:", section.group(1), re.M)) if section else 0
    name = path.relative_to(benchlib.ROOT)
    return [
        row("template", f"Template {name}: bytes (CreateStack inline limit)",
            f"{size:,} ({size / INLINE_LIMIT:.0%} of {INLINE_LIMIT:,})", f"<= {INLINE_LIMIT:,}", size <= INLINE_LIMIT),
        row("template", f"Template {name}: resources", str(resources), f"<= {RESOURCE_QUOTA} (quota)",
            0 < resources <= RESOURCE_QUOTA),
    ]


# --- Gathering -------------------------------------------------------------------------------------

def gather() -> tuple[list[dict], dict[str, str], list[str]]:
    """All rows in ORDER, each benchmark's measurement date (and commit), and the result files used."""
    results = benchlib.RESULTS
    rows: list[dict] = []
    when: dict[str, str] = {}
    sources: list[str] = []
    from_json = {}
    for path in sorted(results.glob("*.json")):
        data = json.loads(path.read_text())
        from_json[data["benchmark"]] = data
    text_parsers = {"deploy": parse_deploy, "soak": parse_soak, "fuzz": parse_fuzz}
    how = {"synth": "make bench-synth", "deploy": "make bench-deploy", "worker": "make bench-worker",
           "server": "make bench", "soak": "make soak", "fuzz": "make fuzz"}
    targets = {"synth": ">= 10x", "deploy": "<= 0.5, calls <=", "worker": ">= 4x wall, <= 1/3 CPU, <= 64 MiB, <= 1.15x size (per kind)", "soak": "lost 0, duplicates 0",
               "fuzz": "crashes 0"}
    names = [n for n in ORDER if n != "template"] + sorted(set(from_json) - set(ORDER))
    for name in names:
        txt = results / f"{name}.txt"
        if name in from_json:
            data = from_json[name]
            machine = data.get("machine", {})
            when[name] = f"{machine.get('date', '?')}, commit {machine.get('git', '?')}"
            sources.append(f"{name}.txt" if txt.is_file() else f"{name}.json")
            rows += [row(name, f["name"], f["value"], f.get("target", ""), f.get("met")) for f in data["figures"]]
        elif name in text_parsers and txt.is_file():
            text = txt.read_text(encoding="utf-8", errors="replace")
            date = DATE.search(text)
            when[name] = date.group(0) if date else "date not stated"
            sources.append(f"{name}.txt")
            rows += text_parsers[name](text)
        else:
            rows.append(not_run(name, how.get(name, "?"), targets.get(name, "")))
    rows += template_rows(benchlib.ROOT / "templates" / "imagery.yaml")
    return rows, when, sources


def render(rows: list[dict], when: dict[str, str], sources: list[str], info: dict[str, str]) -> str:
    lines = [
        "# Benchmark results",
        "",
        "How to reproduce: `make bench` runs every comparison (synth: `infra synth` vs troposphere and the AWS CDK; "
        "deploy: `infra deploy` vs `aws cloudformation deploy` on moto; the worker vs Pillow; the server under wrk) "
        "and rewrites this file; one at a time: `make bench-synth`, `make bench-deploy`, `make bench-worker` (worker "
        "vs Pillow per kind of 12 MP content, and a throughput run through moto). `make soak` runs the chaos "
        "soak and `make fuzz` the fuzz targets; their results files appear in the table on the next report. "
        "Only the table, from the results files already there: `cd bench && ../.venv-bench/bin/python report.py`. "
        "Each comparison runs its sides alternating in one invocation; the ratios are what to compare across "
        "machines.",
        "",
        f"Report: {info['date']}, commit {info['git']}, on {info['cpu']}, {info['nproc']} cores, {info['memory']} "
        f"memory, kernel {info['kernel']}; {info['swift']}; Python {info['python']}.",
        "Measured: " + ("; ".join(f"{name} {stamp}" for name, stamp in when.items()) or "nothing yet") + ".",
    ]
    if sources:
        lines.append("Per-run figures and versions: "
                     + ", ".join(f"[{s}](results/{s})" for s in sources) + ".")
    lines += ["", "| benchmark | figure | value | target | met |", "| --- | --- | --- | --- | --- |"]
    for r in rows:
        met = {True: "met", False: "**not met**", None: "—"}[r["met"]]
        lines.append(f"| {r['benchmark']} | {r['name']} | {r['value']} | {r['target'] or '—'} | {met} |")
    lines.append("")
    return "\n".join(lines)


def main() -> int:
    rows, when, sources = gather()
    text = render(rows, when, sources, benchlib.machine())
    (benchlib.ROOT / "bench" / "RESULTS.md").write_text(text)
    unmet = sum(r["met"] is False for r in rows)
    missing = sum(r["value"] == "not run" for r in rows)
    print(text)
    print(f"wrote bench/RESULTS.md: {len(rows)} figures, {unmet} target(s) not met, {missing} benchmark(s) not run")
    return 0


if __name__ == "__main__":
    sys.exit(main())
