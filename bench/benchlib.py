"""Shared helpers for the benchmarks under bench/: measured child processes, medians, the machine
header and the JSON/text result files that bench/report.py gathers into bench/RESULTS.md."""
from __future__ import annotations

import datetime
import json
import os
import platform
import select
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
WORK = ROOT / "bench" / "work"


@dataclass
class Run:
    """One child process: wall seconds, CPU seconds (user + system) and peak RSS in KiB."""

    wall: float
    cpu: float
    max_rss_kib: int
    stdout: str


def run_measured(cmd: list[str], *, env: dict[str, str] | None = None, timeout: float = 300) -> Run:
    """Runs `cmd` to completion under GNU time and returns its wall time, CPU time and peak RSS.

    Not os.wait4 on a child of this process: Linux carries the peak RSS of the address space a
    process had before execve into the new program, and Python starts children with vfork, so the
    child would report this (large, numpy-holding) interpreter's peak. GNU time forks from its own
    small process, so the figure it reports is the program's own.
    """
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        start = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-f", "%M %U %S", "-o", report.name, *cmd],
                              capture_output=True, text=True, env=env, timeout=timeout)
        wall = time.perf_counter() - start
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: {proc.stderr.strip()}")
        rss, user, system = report.read().split()[-3:]
    return Run(wall, float(user) + float(system), int(rss), proc.stdout)


def run_timed(cmd: list[str], *, env: dict[str, str] | None = None, timeout: float = 300) -> Run:
    """Runs `cmd` directly (no wrapper process) and returns its wall time and exact CPU time.

    For programs that finish in milliseconds, where `run_measured`'s GNU time wrapper (one more
    fork and exec, ~1-2 ms) would be a sizeable share of what is measured. CPU comes from wait4's
    rusage (microseconds, the child's own); peak RSS is not reported (0): see `run_measured` for why
    wait4's figure would be this interpreter's. Output goes to /dev/null; stderr is kept for errors.
    """
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=errors, stdin=subprocess.DEVNULL, env=env)
        try:
            # Wait for exit without reaping (a pidfd becomes readable), so that wait4 below gets the rusage.
            pidfd = os.pidfd_open(proc.pid)
            try:
                exited, _, _ = select.select([pidfd], [], [], timeout)
            finally:
                os.close(pidfd)
            if not exited:
                raise TimeoutError(f"{' '.join(cmd)} did not finish within {timeout:g} s")
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - start
            proc.returncode = os.waitstatus_to_exitcode(status)
        finally:
            if proc.returncode is None:  # timed out or interrupted: do not leave it running
                proc.kill()
                proc.wait()
        if proc.returncode != 0:
            errors.seek(0)
            raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: {errors.read().decode(errors='replace').strip()}")
    return Run(wall, usage.ru_utime + usage.ru_stime, 0, "")


def median(values) -> float:
    return statistics.median(list(values))


def command_output(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unavailable"


def revision() -> str:
    """The commit measured; '-dirty' if anything but the benchmark's own results differs from it."""
    head = command_output(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    changes = command_output(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no", "--",
                              ".", ":(exclude)bench/results", ":(exclude)bench/RESULTS.md"])
    return head + ("-dirty" if changes else "")


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    swift = command_output(["swift", "--version"]).splitlines()
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": command_output(["nproc"]),
        "cpu": cpu,
        "memory": command_output(["sh", "-c", "free -h | awk '/^Mem:/ {print $2}'"]),
        "kernel": platform.release(),
        "swift": swift[0] if swift else "unavailable",
        "python": sys.version.split()[0],
        "git": revision(),
    }


def machine_lines(info: dict[str, str], extra: dict[str, str] | None = None) -> list[str]:
    merged = dict(info)
    merged.update(extra or {})
    return [f"{key}: {value}" for key, value in merged.items()]


@dataclass
class Figure:
    """One line of bench/RESULTS.md: a measured value, its target (if any) and whether it is met."""

    name: str
    value: str
    target: str = ""
    met: bool | None = None

    def to_json(self) -> dict:
        return {"name": self.name, "value": self.value, "target": self.target, "met": self.met}


def write_results(name: str, text: str, figures: list[Figure], info: dict[str, str]) -> None:
    """Writes bench/results/NAME.txt (for people) and NAME.json (for bench/report.py)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.txt").write_text(text)
    payload = {"benchmark": name, "machine": info, "figures": [f.to_json() for f in figures]}
    (RESULTS / f"{name}.json").write_text(json.dumps(payload, indent=2) + "\n")
    print(f"wrote bench/results/{name}.txt and {name}.json")
