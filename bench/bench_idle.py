#!/usr/bin/env python3
"""Idle cost: CPU used by an imagery-worker long-polling an empty queue, and by an idle imagery-server.

Starts moto on a free loopback port, creates the imagery-local stack, runs the release worker and
server against it, lets them settle, then reads their CPU time from /proc over a quiet window. A
worker waits in 20-second SQS long polls most of its life, so what it costs while waiting decides
the instance size it needs (and, with CPU-based scaling, how many instances there are).

Usage: bench_idle.py WORKER SERVER [--seconds N]. Writes bench/results/idle.txt and idle.json.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import time

import benchlib
from bench_server import Processes, cpu_seconds, deploy_stack, start_moto, start_server, vm_kib
from benchlib import Figure

TARGET_CPU_PER_SECOND = 0.02  # 2% of one core while waiting


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("worker")
    parser.add_argument("server")
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    benchlib.WORK.mkdir(parents=True, exist_ok=True)
    (benchlib.WORK / "server").mkdir(exist_ok=True)
    info = benchlib.machine()
    procs = Processes()
    try:
        endpoint = start_moto(procs, benchlib.WORK / "idle-moto.log")
        outputs = deploy_stack(endpoint)
        server, _ = start_server(procs, args.server, endpoint, outputs, benchlib.WORK / "idle-server.log")
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update({
            "IMAGERY_QUEUE_URL": outputs["QueueUrl"], "IMAGERY_BUCKET": outputs["BucketName"],
            "IMAGERY_TABLE": outputs["TableName"], "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": endpoint,
            "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_EC2_METADATA_DISABLED": "true",
        })
        worker = procs.start([args.worker, "run"], env=env, stdout=(benchlib.WORK / "idle-worker.log").open("w"),
                             stderr=subprocess.STDOUT)
        time.sleep(3)
        if worker.poll() is not None:
            raise RuntimeError(f"imagery-worker exited {worker.returncode}; see bench/work/idle-worker.log")
        before = {"worker": cpu_seconds(worker.pid), "server": cpu_seconds(server.pid)}
        start = time.monotonic()
        time.sleep(args.seconds)
        window = time.monotonic() - start
        used = {"worker": cpu_seconds(worker.pid) - before["worker"], "server": cpu_seconds(server.pid) - before["server"]}
        rss = {"worker": vm_kib(worker.pid, "VmRSS"), "server": vm_kib(server.pid, "VmRSS")}
    finally:
        procs.stop_all()

    lines = benchlib.machine_lines(info, {"window": f"{window:.1f} s after 3 s of settling"})
    figures = []
    for name in ("worker", "server"):
        per_second = used[name] / window
        lines.append(f"{name}: {used[name]:.3f} CPU-s in {window:.1f} s = {per_second:.4f} CPU-s/s, RSS {rss[name] / 1024:.1f} MiB")
        figures.append(Figure(f"Idle {name} (worker long-polling an empty queue): CPU per second, RSS",
                              f"{per_second:.4f} CPU-s/s, {rss[name] / 1024:.1f} MiB",
                              f"<= {TARGET_CPU_PER_SECOND} CPU-s/s", per_second <= TARGET_CPU_PER_SECOND))
    text = "\n".join(lines) + "\n"
    print(text, end="")
    benchlib.write_results("idle", text, figures, info)
    return 0 if all(f.met for f in figures) else 1


if __name__ == "__main__":
    raise SystemExit(main())
