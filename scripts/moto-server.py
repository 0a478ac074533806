#!/usr/bin/env python3
"""Run moto (the local AWS emulator) on 127.0.0.1 for tests and the demo.

Binds to loopback only. With --port 0 it picks a free port. It prints one line,
`ready http://127.0.0.1:PORT`, once the server answers, and exits when its standard
input closes (--stdin-lifeline), so a test process that dies never leaves a server behind.
"""
import argparse
import os
import socket
import sys
import time
import urllib.request


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("MOTO_PORT", "5000")))
    parser.add_argument("--auth", action="store_true", help="check SigV4 signatures and IAM policies")
    parser.add_argument("--stdin-lifeline", action="store_true", help="exit when standard input closes")
    args = parser.parse_args()

    if args.auth:
        os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = "0"
    from moto.server import ThreadedMotoServer  # imported after the environment is set

    port = args.port or free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{url}/moto-api/data.json", timeout=1).read()
            break
        except Exception:
            if time.monotonic() > deadline:
                print(f"moto did not answer on {url} within 30 s", file=sys.stderr)
                server.stop()
                return 1
            time.sleep(0.1)
    print(f"ready {url}", flush=True)
    try:
        if args.stdin_lifeline:
            sys.stdin.read()
        else:
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
