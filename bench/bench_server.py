"""imagery-server under load against moto, next to the same DynamoDB calls made straight to moto.

Starts moto on a free loopback port (scripts/moto-server.py), creates the imagery-local stack from
templates/imagery-local.yaml through CloudFormation (boto3), starts the release imagery-server on
another free loopback port, creates one image, then runs wrk (bench/wrk/imagery.lua):

  GET /image/{id}  (one consistent GetItem)        vs  GetItem straight to moto
  POST /image      (one conditional PutItem)       vs  PutItem straight to moto

each at 1 connection (latency without queueing: the server's own overhead is the difference) and
at N connections (throughput), server and direct runs alternating, several runs each, medians.
Then a 24 MB multipart upload through the server (curl), next to a plain S3 PutObject of the same
bytes to moto. Everything talks to 127.0.0.1 only; every process started here is stopped at the end.

usage: bench_server.py SERVER_BINARY [--duration S] [--runs N] [--connections C] [--threads T]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import boto3
import numpy as np
from botocore.config import Config
from PIL import Image

import benchlib
from benchlib import Figure, median

HERE = Path(__file__).resolve().parent
UPLOAD_BYTES_MIN, UPLOAD_BYTES_MAX = 23_500_000, 24_500_000
UPLOAD_SLOW_SECONDS = 2.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method: str, url: str, timeout: float = 10) -> tuple[int, bytes]:
    request = urllib.request.Request(url, method=method, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


class Processes:
    """Children started here, stopped (by pid) in reverse order on exit."""

    def __init__(self) -> None:
        self.children: list[subprocess.Popen] = []

    def start(self, cmd: list[str], **kwargs) -> subprocess.Popen:
        proc = subprocess.Popen(cmd, **kwargs)
        self.children.append(proc)
        return proc

    def stop_all(self) -> None:
        for proc in reversed(self.children):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def start_moto(procs: Processes, log: Path) -> str:
    proc = procs.start(
        [sys.executable, str(benchlib.ROOT / "scripts" / "moto-server.py"), "--port", str(free_port()), "--stdin-lifeline"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log.open("w"), text=True)
    line = proc.stdout.readline().strip()
    if not line.startswith("ready "):
        raise RuntimeError(f"moto did not start: {line!r} (see {log})")
    return line.split()[1]


def deploy_stack(endpoint: str) -> dict[str, str]:
    session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1")
    cfn = session.client("cloudformation", endpoint_url=endpoint)
    body = (benchlib.ROOT / "templates" / "imagery-local.yaml").read_text()
    cfn.create_stack(StackName="imagery-bench", TemplateBody=body)
    deadline = time.monotonic() + 60
    while True:
        stack = cfn.describe_stacks(StackName="imagery-bench")["Stacks"][0]
        if stack["StackStatus"] == "CREATE_COMPLETE":
            return {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
        if stack["StackStatus"].endswith("FAILED") or time.monotonic() > deadline:
            raise RuntimeError(f"stack imagery-bench: {stack['StackStatus']}")
        time.sleep(0.2)


def start_server(procs: Processes, binary: str, endpoint: str, outputs: dict[str, str], log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({
        "IMAGERY_QUEUE_URL": outputs["QueueUrl"], "IMAGERY_BUCKET": outputs["BucketName"], "IMAGERY_TABLE": outputs["TableName"],
        "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_EC2_METADATA_DISABLED": "true", "IMAGERY_HOST": "127.0.0.1", "IMAGERY_PORT": str(port),
        "IMAGERY_SPOOL_DIR": str(benchlib.WORK / "server"),
    })
    proc = procs.start([binary], env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"imagery-server exited {proc.returncode}; see {log}")
        try:
            if http("GET", f"{base}/health", timeout=1)[0] == 200:
                return proc, base
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"imagery-server did not answer /health within 30 s; see {log}")
        time.sleep(0.1)


def wrk(url: str, mode: str, *, connections: int, threads: int, duration: int, image_id: str, table: str) -> dict:
    env = dict(os.environ, BENCH_MODE=mode, BENCH_ID=image_id, BENCH_TABLE=table)
    cmd = ["wrk", "-t", str(min(threads, connections)), "-c", str(connections), "-d", f"{duration}s", "--timeout", "10s",
           "-s", str(HERE / "wrk" / "imagery.lua"), url]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=duration + 60)
    match = re.search(r"^BENCH_JSON (\{.*\})$", out.stdout, re.M)
    if out.returncode != 0 or not match:
        raise RuntimeError(f"wrk {mode} failed: {out.stdout}{out.stderr}")
    result = json.loads(match.group(1))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["errors"] = sum(result[k] for k in ("connect", "read", "write", "status", "timeout"))
    return result


def upload_file(path: Path) -> None:
    """A deterministic real JPEG of about 24 MB (under the 25 MiB default limit): seeded noise at quality 90."""
    if path.exists():
        return
    rng = np.random.default_rng(24)
    for height in range(3150, 3400, 30):
        pixels = rng.integers(0, 256, (height, 4000, 3), dtype=np.uint8)
        Image.fromarray(pixels, "RGB").save(path, "JPEG", quality=90, subsampling="4:4:4")
        if path.stat().st_size >= UPLOAD_BYTES_MIN:
            break
    if not UPLOAD_BYTES_MIN <= path.stat().st_size <= UPLOAD_BYTES_MAX:
        raise RuntimeError(f"{path}: {path.stat().st_size} bytes, not about 24 MB")


def curl_upload(base: str, image_id: str, path: Path) -> tuple[int, float]:
    out = subprocess.run(
        ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{time_total}", "-H", "Accept: application/json", "-H", "Expect:",
         "-F", f"file=@{path};type=image/jpeg", f"{base}/image/{image_id}/upload"],
        capture_output=True, text=True, timeout=300)
    code, seconds = out.stdout.split()
    return int(code), float(seconds)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds the process has used so far (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def vm_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("server")
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--runs", type=int, default=3, help="wrk runs per configuration")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--uploads", type=int, default=3)
    args = parser.parse_args()

    work = benchlib.WORK / "server"
    work.mkdir(parents=True, exist_ok=True)
    procs = Processes()
    try:
        endpoint = start_moto(procs, work / "moto.log")
        moto = procs.children[-1]
        outputs = deploy_stack(endpoint)
        table = outputs["TableName"]
        server, base = start_server(procs, args.server, endpoint, outputs, work / "server.log")
        status, body = http("POST", f"{base}/image")
        if status != 201:
            raise RuntimeError(f"POST /image: {status} {body!r}")
        image_id = json.loads(body)["id"]
        print(f"moto {endpoint}, server {base}, stack outputs {outputs}, image {image_id}", flush=True)

        # The direct requests must really be what the server does: check one of each by hand.
        probe = urllib.request.Request(endpoint + "/", method="POST", data=json.dumps(
            {"TableName": table, "Key": {"id": {"S": image_id}}, "ConsistentRead": True}).encode(), headers={
            "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.GetItem",
            "Authorization": "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/dynamodb/aws4_request, "
                             "SignedHeaders=host, Signature=" + "0" * 64})
        item = json.loads(urllib.request.urlopen(probe, timeout=10).read())["Item"]
        assert item["state"]["S"] == "created", item

        pairs = [("GET /image/{id}", "get", "GetItem", "ddb-get"), ("POST /image", "post", "PutItem", "ddb-put")]
        results: dict[tuple[str, int], list[dict]] = {}
        for conns in (1, args.connections):
            for _, server_mode, _, direct_mode in pairs:
                for run in range(args.runs):
                    order = [(server_mode, base), (direct_mode, endpoint)]
                    if run % 2:
                        order.reverse()
                    for mode, url in order:
                        before = cpu_seconds(server.pid), cpu_seconds(moto.pid)
                        r = wrk(url, mode, connections=conns, threads=args.threads, duration=args.duration,
                                image_id=image_id, table=table)
                        after = cpu_seconds(server.pid), cpu_seconds(moto.pid)
                        r["server_cpu_ms"] = (after[0] - before[0]) * 1000 / max(1, r["requests"])
                        r["moto_cpu_ms"] = (after[1] - before[1]) * 1000 / max(1, r["requests"])
                        results.setdefault((mode, conns), []).append(r)
                        print(f"  {mode:8} c={conns:<3} run {run + 1}: {r['rps']:8.1f} req/s  p50 {r['p50_us'] / 1000:7.2f} ms  "
                              f"p99 {r['p99_us'] / 1000:7.2f} ms  errors {r['errors']}  CPU/request: server {r['server_cpu_ms']:.2f} ms, "
                              f"moto {r['moto_cpu_ms']:.2f} ms", flush=True)
        server_rss_after_load = vm_kib(server.pid, "VmRSS")

        # The upload path: 24 MB through the server, and the same bytes straight into S3.
        upload = work / "upload-24mb.jpg"
        upload_file(upload)
        s3 = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1").client(
            "s3", endpoint_url=endpoint, config=Config(s3={"addressing_style": "path"}))
        data = upload.read_bytes()
        uploads, puts = [], []
        for i in range(args.uploads):
            status, body = http("POST", f"{base}/image")
            upload_id = json.loads(body)["id"]
            code, seconds = curl_upload(base, upload_id, upload)
            if code != 200:
                raise RuntimeError(f"upload answered {code}; see {work / 'server.log'}")
            uploads.append(seconds)
            start = time.perf_counter()
            s3.put_object(Bucket=outputs["BucketName"], Key=f"bench/direct-{i}.jpg", Body=data, ContentType="image/jpeg")
            puts.append(time.perf_counter() - start)
            print(f"  upload {i + 1}: server {seconds:.3f} s, S3 PutObject direct {puts[-1]:.3f} s", flush=True)
        server_hwm = vm_kib(server.pid, "VmHWM")
        versions = {
            "wrk": (subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.splitlines() or ["?"])[0],
            "moto": __import__("moto").__version__, "boto3": boto3.__version__,
            "curl": benchlib.command_output(["curl", "--version"]).splitlines()[0],
        }
    finally:
        procs.stop_all()

    def row(mode: str, conns: int) -> dict:
        runs = results[(mode, conns)]
        return {"rps": median(r["rps"] for r in runs), "p50": median(r["p50_us"] for r in runs) / 1000,
                "p99": median(r["p99_us"] for r in runs) / 1000, "errors": sum(r["errors"] for r in runs),
                "requests": sum(r["requests"] for r in runs),
                "server_cpu": median(r["server_cpu_ms"] for r in runs), "moto_cpu": median(r["moto_cpu_ms"] for r in runs)}

    info = benchlib.machine()
    lines = ["# imagery-server under load (wrk) against moto, next to the same DynamoDB call straight to moto", ""]
    lines += benchlib.machine_lines(info, versions)
    lines += [
        f"command: make bench  (bench/bench_server.py; wrk -t{args.threads} -d{args.duration}s, {args.runs} runs per row, "
        "server and direct alternating; medians of the runs' p50/p99/req/s)",
        "server: release imagery-server on 127.0.0.1, imagery-local stack in moto (ThreadedMotoServer, one Python process)",
        "direct: the same DynamoDB request (GetItem ConsistentRead / conditional PutItem) sent by wrk to moto itself",
        "note:   moto answers every request with 'Connection: close', so the server and wrk's direct runs both open a",
        "        TCP connection per DynamoDB call; server, moto and wrk share the machine's cores",
        "CPU ms/req: CPU seconds the process used during the run / requests (/proc/PID/stat)",
        "",
    ]
    header = (f"{'request':<18} {'conns':>5} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'requests':>9}"
              f" {'CPU ms/req: server':>19} {'moto':>6}")
    lines += [header, "-" * len(header)]
    figures = []
    for conns in (1, args.connections):
        for label, server_mode, call, direct_mode in pairs:
            s, d = row(server_mode, conns), row(direct_mode, conns)
            for name, x in ((label, s), ("  " + call + " direct", d)):
                lines.append(f"{name:<18} {conns:>5} {x['rps']:>9.1f} {x['p50']:>8.2f} {x['p99']:>8.2f} {x['errors']:>7} {x['requests']:>9}"
                             f" {x['server_cpu']:>19.2f} {x['moto_cpu']:>6.2f}")
            overhead = s["p50"] - d["p50"]
            lines.append(f"{'  server overhead':<18} {conns:>5} {'':>9} {overhead:>8.2f}   (p50 server - p50 direct)")
            if conns == 1:
                figures.append(Figure(f"Server {label}: own latency (p50 server - p50 direct {call}, 1 conn)",
                                      f"{overhead:.2f} ms"))
            figures.append(Figure(
                f"Server {label}, {conns} conn: p50 / p99, req/s",
                f"{s['p50']:.2f} / {s['p99']:.2f} ms, {s['rps']:.0f} req/s (direct {call}: {d['p50']:.2f} / {d['p99']:.2f} ms, "
                f"{d['rps']:.0f} req/s); server CPU {s['server_cpu']:.2f} ms/req", "no errors", s["errors"] == 0))
    lines.append("")
    lines.append(f"server RSS after the load: {server_rss_after_load / 1024:.1f} MiB; peak (VmHWM) after the uploads: {server_hwm / 1024:.1f} MiB")
    up, put = median(uploads), median(puts)
    slow = up > UPLOAD_SLOW_SECONDS
    lines.append(f"upload {upload.stat().st_size:,} bytes multipart (curl) through the server: median {up:.3f} s of {[round(u, 3) for u in uploads]}")
    lines.append(f"  same bytes as one S3 PutObject straight to moto (boto3): median {put:.3f} s of {[round(p, 3) for p in puts]}")
    lines.append(f"  server's own share: {up - put:.3f} s" + (
        f"  ** SLOW: over {UPLOAD_SLOW_SECONDS:g} s in the release build (multipart parsing) **" if slow else ""))
    figures.append(Figure("Server: 24 MB multipart upload (release)", f"{up:.2f} s (direct S3 PutObject {put:.2f} s)",
                          f"<= {UPLOAD_SLOW_SECONDS:g} s", not slow))
    figures.append(Figure("Server: peak RSS (load + uploads)", f"{server_hwm / 1024:.1f} MiB"))
    text = "\n".join(lines) + "\n"
    print(text)
    benchlib.write_results("server", text, figures, info)
    return 0


if __name__ == "__main__":
    sys.exit(main())
