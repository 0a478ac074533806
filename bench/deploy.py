#!/usr/bin/env python3
"""Benchmark: `infra deploy` vs `aws cloudformation deploy` of the same full template on moto.

Starts one moto on 127.0.0.1 (scripts/moto-server.py --port 0), and before every run resets it
(`POST /moto-api/reset`), so each deploy creates the stack in a fresh account. Times RUNS
deploys of each tool straight against moto, then counts the API calls of one more run of each
through a counting proxy on 127.0.0.1 (by `Action=` or `X-Amz-Target`). Writes medians, their
ratio and the call counts to bench/results/deploy.txt.
"""
import http.client
import http.server
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = int(os.environ.get("RUNS", "5"))
INFRA = os.environ.get("INFRA", str(ROOT / ".build" / "release" / "infra"))
TEMPLATE = ROOT / "templates" / "imagery.yaml"
AMI = "ami-12c6146b"  # one of moto's built-in AMIs


def start_moto():
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "moto-server.py"), "--port", "0", "--stdin-lifeline"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = process.stdout.readline().strip()
    if not line.startswith("ready "):
        raise SystemExit(f"moto did not start: {line!r}")
    return process, line.split(" ", 1)[1]


def reset(url):
    urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST"), timeout=30).read()


class CountingProxy(http.server.ThreadingHTTPServer):
    """Forwards every request to moto and counts them by operation."""

    def __init__(self, target):
        self.target = target.split("//", 1)[1]
        self.calls = Counter()
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), Handler)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def handle_one(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        operation = self.headers.get("X-Amz-Target", "").split(".")[-1]
        if not operation:
            for pair in body.decode("utf-8", "replace").split("&"):
                if pair.startswith("Action="):
                    operation = pair[len("Action="):]
        with self.server.lock:
            self.server.calls[operation or f"{self.command} {self.path.split('?')[0]}"] += 1
        connection = http.client.HTTPConnection(self.server.target, timeout=120)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "expect")}
        connection.request(self.command, self.path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        self.send_response(response.status)
        for key, value in response.getheaders():
            if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = handle_one


def environment(tmp):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_REGION="us-east-1",
               AWS_DEFAULT_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true", HOME=str(tmp))
    return env


def ours(url):
    return [INFRA, "deploy", "--template", "imagery", "--image-id", AMI, "--stack-name", "imagery",
            "--endpoint-url", url, "--progress", "events", "--yes"]


def ours_no_validate(url):
    return ours(url) + ["--no-validate"]


def theirs(url):
    return ["aws", "cloudformation", "deploy", "--template-file", str(TEMPLATE), "--stack-name", "imagery",
            "--parameter-overrides", f"ImageId={AMI}", "--capabilities", "CAPABILITY_IAM", "--endpoint-url", url,
            "--region", "us-east-1"]


def timed(command, env, cwd):
    start = time.perf_counter()
    result = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{command[0]} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return elapsed


AWS = "aws cloudformation deploy"
TOOLS = [("infra deploy", ours), ("infra deploy --no-validate", ours_no_validate), (AWS, theirs)]


def validate_alone(url, runs):
    """moto's ValidateTemplate alone: it runs cfn-lint over the template, which AWS does not."""
    import boto3
    client = boto3.client("cloudformation", endpoint_url=url, region_name="us-east-1",
                          aws_access_key_id="test", aws_secret_access_key="test")
    body = TEMPLATE.read_text()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        client.validate_template(TemplateBody=body)
        times.append(time.perf_counter() - start)
    return times


def main():
    tmp = ROOT / ".infra" / "bench"
    tmp.mkdir(parents=True, exist_ok=True)
    env = environment(tmp)
    moto, url = start_moto()
    try:
        # One unmeasured deploy per tool warms moto's lazily imported backends.
        for _, make in TOOLS:
            reset(url)
            timed(make(url), env, tmp)
        times = {name: [] for name, _ in TOOLS}
        for _ in range(RUNS):
            for name, make in TOOLS:
                reset(url)
                times[name].append(timed(make(url), env, tmp))
        calls = {}
        for name, make in TOOLS:
            reset(url)
            proxy = CountingProxy(url)
            thread = threading.Thread(target=proxy.serve_forever, daemon=True)
            thread.start()
            timed(make(f"http://127.0.0.1:{proxy.server_address[1]}"), env, tmp)
            proxy.shutdown()
            calls[name] = proxy.calls
        validation = validate_alone(url, 3)
    finally:
        moto.stdin.close()
        moto.wait(timeout=30)

    theirs_median = statistics.median(times[AWS])
    lines = [
        f"Full template (templates/imagery.yaml) deployed to a freshly reset moto, {RUNS} runs each, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        f"infra binary: {INFRA}",
        "",
    ]
    for name, values in times.items():
        lines.append(f"{name:30} median {statistics.median(values):6.3f} s   runs: " + ", ".join(f"{v:.3f}" for v in values))
    for name, values in times.items():
        if name != AWS:
            lines.append(f"ratio {name} / aws: {statistics.median(values) / theirs_median:.2f} (target <= 0.50)")
    lines.append("")
    lines.append(f"ValidateTemplate alone on moto takes {statistics.median(validation):.3f} s (median of 3) "
                 "(moto runs cfn-lint over the template; AWS answers in a fraction of a second)")
    lines.append("Same work as aws cloudformation deploy, which does not call ValidateTemplate: infra deploy --no-validate.")
    lines.append("")
    for name, counter in calls.items():
        detail = ", ".join(f"{op} {n}" for op, n in sorted(counter.items()))
        lines.append(f"{name:30} API calls {sum(counter.values()):3}   {detail}")
    for name, counter in calls.items():
        if name != AWS:
            lines.append(f"calls {name} / aws: {sum(counter.values())} / {sum(calls[AWS].values())} (target <=)")
    text = "\n".join(lines) + "\n"
    (ROOT / "bench" / "results" / "deploy.txt").write_text(text)
    print(text, end="")


if __name__ == "__main__":
    main()
