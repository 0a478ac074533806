#!/usr/bin/env python3
"""Run `make demo` the way a person does, without a terminal, and check what they would see.

1. With a port already taken, `make demo IMAGERY_PORT=<that port>` stops before building and names
   the port and the variable that picks another.
2. `make demo` (default ports, or MOTO_PORT/IMAGERY_PORT from the environment): it must print the
   "processed" line and the page URL; the page must answer with the Imagery page and the processed
   image's record must say `processed`.
3. Ctrl-C: SIGINT to the demo's whole process group, as a terminal sends it. Within 30 s make must
   exit, and no process started by the demo may be left: nothing listens on either port, and no
   process carries the marker variable this check puts in the demo's environment.

Exit 0 when all of that holds; otherwise 1 with what went wrong and the demo's output.
"""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
READY_TIMEOUT = float(os.environ.get("DEMO_CHECK_TIMEOUT", "1800"))


def fail(message: str, output: list[str] | None = None) -> None:
    print(f"demo-check: FAIL: {message}", file=sys.stderr)
    if output:
        print("---- make demo printed ----", file=sys.stderr)
        print("".join(output[-80:]), file=sys.stderr, end="")
    sys.exit(1)


def can_listen(port: int) -> bool:
    """What the demo itself checks first: scripts/port-check.py, exit 0 when the port is free."""
    return subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "port-check.py"), str(port), "PORT"],
                          capture_output=True).returncode == 0


# Every process the demo starts inherits this variable, so what is left afterwards can be found exactly,
# whatever else runs on the machine.
MARKER = f"IMAGERY_DEMO_CHECK={os.getpid()}-{time.time_ns()}"


def processes_of_the_demo() -> list[str]:
    """`pid command` of every process whose environment carries MARKER."""
    found = []
    token = MARKER.encode()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        if int(pid) == os.getpid():
            continue
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                if token not in f.read().split(b"\0"):
                    continue
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                command = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        if command:  # an empty command line is a zombie on its way out
            found.append(f"{pid} {command[:120]}")
    return found


def check_port_in_use_message() -> None:
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    port = holder.getsockname()[1]
    try:
        result = subprocess.run(["make", "-s", "demo", f"IMAGERY_PORT={port}"], cwd=ROOT, capture_output=True,
                                text=True, timeout=600)
    finally:
        holder.close()
    text = result.stdout + result.stderr
    if result.returncode == 0:
        fail(f"make demo with IMAGERY_PORT={port} taken exited 0", [text])
    if f"port {port} on 127.0.0.1 is in use" not in text or "IMAGERY_PORT=" not in text:
        fail("a taken port is not named with the variable that picks another", [text])
    if "swift build" in text or "building" in text:
        fail("the port check ran after the build, not before", [text])
    print(f"demo-check: ok: a taken IMAGERY_PORT ({port}) is refused before building: "
          f"{text.strip().splitlines()[-2] if len(text.strip().splitlines()) > 1 else text.strip()}")


def main() -> int:
    check_port_in_use_message()

    moto_port = int(os.environ.get("MOTO_PORT", "5000"))
    port = int(os.environ.get("IMAGERY_PORT", "8080"))
    for number, name in ((moto_port, "MOTO_PORT"), (port, "IMAGERY_PORT")):
        if not can_listen(number):
            fail(f"{name} {number} is taken before the demo starts; set {name} to a free port")

    started = time.monotonic()
    name, value = MARKER.split("=", 1)
    demo = subprocess.Popen(["make", "demo"], cwd=ROOT, env={**os.environ, name: value}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, text=True, start_new_session=True)
    output: list[str] = []
    ready = threading.Event()
    url: list[str] = []

    def read() -> None:
        assert demo.stdout is not None
        for line in demo.stdout:
            output.append(line)
            match = re.search(r"open (http://127\.0\.0\.1:\d+/) in a browser", line)
            if match:
                url.append(match.group(1))
                ready.set()
        ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    if not ready.wait(READY_TIMEOUT) or not url:
        if demo.poll() is None:
            os.killpg(demo.pid, signal.SIGINT)
        fail(f"make demo did not print the page URL (exit {demo.poll()})", output)
    took = time.monotonic() - started
    processed = [line for line in output if "is processed:" in line]
    if not processed:
        os.killpg(demo.pid, signal.SIGINT)
        fail("no 'processed' line before the URL", output)

    with urllib.request.urlopen(url[0], timeout=10) as response:
        page = response.read().decode("utf-8", "replace")
        if response.status != 200 or "<html" not in page.lower():
            os.killpg(demo.pid, signal.SIGINT)
            fail(f"{url[0]} answered {response.status} without a page", output)
    page_url = processed[0].rsplit(": ", 1)[1].strip()
    image_id = page_url.rsplit("#view=", 1)[-1]
    image_url = f"{url[0]}image/{image_id}"
    request = urllib.request.Request(image_url, headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        state = json.load(response)["state"]
    if state != "processed":
        os.killpg(demo.pid, signal.SIGINT)
        fail(f"{image_url} says {state}", output)
    print(f"demo-check: ok: make demo served {url[0]} after {took:.0f} s, {image_url} is processed")

    os.killpg(demo.pid, signal.SIGINT)  # Ctrl-C: the terminal signals the whole foreground group
    try:
        demo.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(demo.pid, signal.SIGKILL)
        fail("make demo was still running 30 s after Ctrl-C", output)
    reader.join(timeout=5)
    time.sleep(0.5)
    left = processes_of_the_demo()
    if left:
        fail("left running after Ctrl-C: " + "; ".join(left), output)
    for number, name in ((moto_port, "MOTO_PORT"), (port, "IMAGERY_PORT")):
        if not can_listen(number):
            fail(f"{name} {number} is still taken after Ctrl-C", output)
    if not any("demo: stopped the server, the worker and moto" in line for line in output):
        fail("the demo did not say it stopped", output)
    print(f"demo-check: ok: Ctrl-C stopped everything (make exited {demo.returncode}); nothing left running, "
          f"ports {moto_port} and {port} free")
    return 0


if __name__ == "__main__":
    sys.exit(main())
