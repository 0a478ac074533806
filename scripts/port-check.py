#!/usr/bin/env python3
"""Say whether a loopback TCP port can be listened on, and if not, who holds it and what to do.

    port-check.py PORT VARIABLE

Exit 0 when 127.0.0.1:PORT is free. Otherwise exit 1 and print one line naming the port, the process
that listens on it when /proc tells (root sees every process; others only their own), and the make
variable that picks another port, with a port that is free right now as the example.
"""
import os
import socket
import sys


def can_listen(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        # As servers do: a connection of an earlier run in TIME_WAIT does not make the port busy.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening_inodes(port: int) -> set[str]:
    """Socket inodes in LISTEN state (0A) on PORT, any address, from /proc/net/tcp and tcp6."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f, None)
                for line in f:
                    fields = line.split()
                    local, state, inode = fields[1], fields[3], fields[9]
                    if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                        inodes.add(inode)
        except OSError:
            continue
    return inodes


def holder(port: int) -> str | None:
    """`pid N (command line)` of a process listening on PORT, if /proc lets us see it."""
    inodes = listening_inodes(port)
    if not inodes:
        return None
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.startswith("socket:[") and target[8:-1] in inodes:
                    with open(f"/proc/{pid}/cmdline", "rb") as f:
                        command = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
                    return f"pid {pid} ({command[:80]})"
        except OSError:
            continue
    return None


def main() -> int:
    if len(sys.argv) != 3 or not sys.argv[1].isdigit():
        print("usage: port-check.py PORT VARIABLE", file=sys.stderr)
        return 2
    port, variable = int(sys.argv[1]), sys.argv[2]
    if can_listen(port):
        return 0
    who = holder(port)
    by = f" by {who}" if who else ""
    print(f"port {port} on 127.0.0.1 is in use{by}. Stop that, or pick another port: "
          f"make demo {variable}={free_port()}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
