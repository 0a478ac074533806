"""Gathers bench/results/*.json into bench/RESULTS.md: the machine, the date and one table of every
figure with its target and whether it is met. Each benchmark script writes its own JSON file, so a
new benchmark only has to write one to appear here."""
from __future__ import annotations

import json
import sys

import benchlib


def main() -> int:
    files = sorted(benchlib.RESULTS.glob("*.json"))
    if not files:
        print("no results in bench/results/", file=sys.stderr)
        return 1
    results = [json.loads(f.read_text()) for f in files]
    # The pipeline's order first (later issues add synth and deploy); anything else after, by name.
    order = ["synth", "deploy", "worker", "server"]
    results.sort(key=lambda r: (order.index(r["benchmark"]) if r["benchmark"] in order else len(order), r["benchmark"]))
    info = results[0]["machine"]
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (bench/report.py). Details, per-run figures and versions are in "
        + ", ".join(f"[bench/results/{r['benchmark']}.txt](results/{r['benchmark']}.txt)" for r in results) + ".",
        "",
        f"Machine: {info['cpu']}, {info['nproc']} cores, {info['memory']} memory, kernel {info['kernel']}; "
        f"{info['swift']}; commit {info['git']}.",
        "Measured: " + ", ".join(f"{r['benchmark']} {r['machine']['date']}" for r in results) + ".",
        "",
        "| benchmark | figure | value | target | met |",
        "| --- | --- | --- | --- | --- |",
    ]
    unmet = 0
    for result in results:
        for figure in result["figures"]:
            met = {True: "met", False: "**not met**", None: "—"}[figure["met"]]
            unmet += figure["met"] is False
            lines.append(f"| {result['benchmark']} | {figure['name']} | {figure['value']} | "
                         f"{figure['target'] or '—'} | {met} |")
    lines.append("")
    (benchlib.ROOT / "bench" / "RESULTS.md").write_text("\n".join(lines))
    print("\n".join(lines))
    print(f"wrote bench/RESULTS.md ({unmet} target(s) not met)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
