#!/usr/bin/env python3
"""Bakes the image as Packer would and boots it as EC2 would, on this machine, then processes one image.

    make bake-test        (root; make stage first: the staged tree is what the Packer file uploads)

The project's other checks run provision.sh directly (make stage-test, the soak). This one goes Packer's
way and EC2's way instead, so the glue between them is tested too:

1. Source image. A Debian 12 root file system made with mmdebstrap (cached in .build-bake/), standing in
   for Debian's AMI: systemd, sudo, OpenSSH, and the `admin` user with passwordless sudo that cloud-init
   creates there. Two stand-ins, because nothing may leave loopback while the test runs: apt's source is a
   local repository holding the packages provision.sh installs (downloaded from Debian's mirror when the
   cache is built), and an empty `amazon-ssm-agent` package, since the real one comes from S3.
2. Bake. The image boots with systemd-nspawn --boot in its own network namespace (an instance with its
   own address). The build's provisioners are read from packer/imagery.pkr.hcl with python-hcl2 and
   applied in order over SSH as `admin`, with the key the test put in authorized_keys (Packer's
   temporary key pair):
   - file: hashicorp/packer provisioner/file/provisioner.go ProvisionUpload: a directory source goes to
     UploadDir(dst, src). hashicorp/packer-plugin-sdk sdk-internals/communicator/ssh/communicator.go:
     scpUploadDirSession runs `scp -rvt DST` on the instance; a source with a trailing slash sends only
     its entries, one without sends a `D` record named after it first; scpUploadDirWithTracking walks
     the entries in directory order (Readdir), `C%04o SIZE NAME` per file with its permission bits,
     `D%04o 0 NAME` ... `E` per directory; checkSCPStatus reads one status byte after each header and
     after each file's data. Nothing creates DST: the sink (the image's own OpenSSH 9.2 `scp -t`)
     decides what a missing DST becomes.
   - shell: hashicorp/packer provisioner/shell/provisioner.go: Prepare defaults execute_command to
     `chmod +x {{.Path}}; {{.Vars}} {{.Path}}`, remote_folder to /tmp, remote_file to
     `script_%d.sh` (rand.Intn(9999)), EnvVarFormat to `%s='%s' `; escapeEnvVars adds
     PACKER_BUILD_NAME and PACKER_BUILDER_TYPE (the source's name and type:
     hcl2template/types.source.go builderVariables), escapes `'` as `'"'"'` and sorts the keys; an inline
     script is written with `#!/bin/sh -e` first. Provision uploads the script with Upload(RemotePath)
     (communicator.go scpUploadSession: `scp -vt DIR`, mode 0644 as no FileInfo is given), runs
     `chmod 0755 PATH`, then the rendered execute_command (exit status 0 or the build fails), then
     `rm -f PATH`.
   Packer's documentation says the same (developer.hashicorp.com/packer/docs/provisioners/file: the
   destination's "parent directories must already exist", "the existence of a trailing slash is
   important"; .../provisioners/shell: environment_vars are "injected prior to the execute_command",
   whose default is `chmod +x {{ .Path }}; {{ .Vars }} {{ .Path }}`). Then the instance is shut down, as amazon-ebs stops it before the snapshot; the root
   file system is the "AMI".
3. Boot. Two instances of the AMI (server, worker; each its own overlay, so the AMI itself stays as
   baked, and its own network namespace, addressed and routed before systemd starts, as EC2 attaches
   the interface at launch and cloud-init runs UserData only once the network is up) boot with
   systemd, which starts the units as written (User=, sandboxing, EnvironmentFile=). IMDSv2 answers on 169.254.169.254:80 (a token is required; instance id, region,
   user data, instance-profile credentials per instance), moto plays S3, SQS and DynamoDB with the
   imagery-local stack, and a loopback CloudFormation records SignalResource calls after checking
   their Signature V4 against the instance's credentials (moto answers SignalResource with HTTP 500).
   UserData is the launch template's from templates/imagery.yaml with Fn::Sub resolved against that
   stack's resources; a unit standing in for cloud-init fetches it from IMDS and runs it as root.
   What differs from EC2, and why: AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_CLOUDFORMATION are set for
   both units (a drop-in) and for the user-data run, as AWS's public endpoints are not reachable.
4. One image goes through the server and the worker in those instances; each service must have sent
   exactly one SUCCESS. A third instance with its unit masked must fail its UserData and send exactly
   one FAILURE through the ERR trap.

systemd-nspawn on this kind of machine (checked on the Firecracker VMs CI uses, whose PID 1 is not
systemd): --register=no and --keep-unit, as there is no machined or host systemd to register with; the
host's bounding set lacks CAP_SYS_RESOURCE, which nspawn then leaves out (dbus logs that it cannot raise
its fd limit); the units' sandboxing (ProtectSystem=strict, PrivateTmp, RestrictNamespaces, empty
CapabilityBoundingSet...) works inside. Removing or extracting a 250 MB tree costs 15-40 s of disk time
on a busy machine, so the source image is unpacked once and every instance runs on an overlay of it.

Exit status 0 on success; otherwise a message that says which step failed.
"""
import argparse
import hashlib
import hmac
import http.server
import inspect
import json
import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import warnings
import zlib

import imagery_api  # scripts/imagery_api.py, beside this file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKER_FILE = os.path.join(ROOT, "packer", "imagery.pkr.hcl")
CACHE = os.path.join(ROOT, ".build-bake")
WORK = os.path.join(CACHE, "run")
HCL_PYTHON = os.environ.get("BAKE_HCL_PYTHON", os.path.join(ROOT, ".venv-hcl2", "bin", "python"))
REGION = "us-east-1"
IMDS_ADDRESS = "169.254.169.254"

# What Debian's AMI has that the bake and the boot use. cloud-init itself is replaced by the test (it
# would look for EC2 in the DMI data); its effects are: the admin user, its sudo rule, the SSH key.
# An instance resolves its own host name (sudo looks it up; unresolved, each sudo waits 20 s for DNS).
BASE_PACKAGES = ["systemd", "systemd-sysv", "dbus", "sudo", "openssh-server", "openssh-client", "passwd",
                 "libnss-myhostname"]

started = time.monotonic()


def say(message):
    print(f"bake-test [{time.monotonic() - started:6.1f} s] {message}", flush=True)


class TestFailure(Exception):
    pass


def fail(message):
    raise TestFailure(message)


def run(arguments, **kwargs):
    """Runs a command; a non-zero exit is a failure that shows its output."""
    result = subprocess.run(arguments, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        fail(f"{' '.join(arguments)} exited {result.returncode}:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    return result.stdout


def free_port(host="127.0.0.1"):
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


# --- 1. The source image ------------------------------------------------------------------------------

def provision_packages():
    """The packages provision.sh installs, read from its `apt-get install` command."""
    with open(os.path.join(ROOT, "packer", "files", "provision.sh")) as f:
        text = f.read()
    match = re.search(r"apt-get install ((?:[^\n]*\\\n)*[^\n]*)", text)
    if not match:
        fail("packer/files/provision.sh has no `apt-get install` command to read the package list from")
    words = match.group(1).replace("\\\n", " ").split()
    return [w for w in words if not w.startswith("-")]


def base_image():
    """The cached source image (a root file system, never changed once built); mmdebstrap when the recipe changed."""
    packages = provision_packages()
    # The recipe is this function: a change to it, or to either package list, builds a new image.
    recipe = [BASE_PACKAGES, packages, inspect.getsource(base_image)]
    key = hashlib.sha256(json.dumps(recipe).encode()).hexdigest()[:12]
    directory = os.path.join(CACHE, f"debian-12-source-{key}")
    if os.path.isdir(directory):
        return directory
    os.makedirs(CACHE, exist_ok=True)
    for old in os.listdir(CACHE):
        if old.startswith("debian-12-source-"):
            run(["rm", "-rf", os.path.join(CACHE, old)])
    say(f"building the Debian 12 source image with mmdebstrap (cached in {os.path.relpath(directory, ROOT)}); "
        f"local apt repository: {' '.join(packages)}")
    scratch = tempfile.mkdtemp(prefix="bake-source-", dir=CACHE)
    try:
        ssm = os.path.join(scratch, "amazon-ssm-agent")
        os.makedirs(os.path.join(ssm, "DEBIAN"))
        with open(os.path.join(ssm, "DEBIAN", "control"), "w") as f:
            f.write("Package: amazon-ssm-agent\nVersion: 0.0.0~bake-test\nArchitecture: amd64\n"
                    "Maintainer: Imagery-IaC bake test <root@localhost>\n"
                    "Description: stand-in for the AWS SSM agent (bake test)\n"
                    " provision.sh downloads the real agent from S3, which the bake test cannot reach.\n")
        run(["dpkg-deb", "--root-owner-group", "--build", ssm, os.path.join(scratch, "amazon-ssm-agent.deb")])
        partial = directory + ".partial"
        hooks = [
            # cloud-init's default user on Debian's AMIs, and its sudo rule (90-cloud-init-users).
            'chroot "$1" useradd --create-home --shell /bin/bash admin',
            'echo "admin ALL=(ALL) NOPASSWD:ALL" > "$1/etc/sudoers.d/90-cloud-init-users"',
            'chmod 0440 "$1/etc/sudoers.d/90-cloud-init-users"',
            # The host name comes with the instance (nspawn --hostname), as EC2's ip-A-B-C-D names do.
            'rm -f "$1/etc/hostname"',
            # A local apt repository with what provision.sh installs and its dependencies, nothing else.
            'rm -f "$1"/var/cache/apt/archives/*.deb',
            'chroot "$1" apt-get install --download-only --yes --no-install-recommends ' + " ".join(packages),
            'mkdir -p "$1/srv/local-apt" && mv "$1"/var/cache/apt/archives/*.deb "$1/srv/local-apt/"',
            'cd "$1/srv/local-apt" && dpkg-scanpackages --multiversion . /dev/null > Packages 2>/dev/null',
            'echo "deb [trusted=yes] file:/srv/local-apt ./" > "$1/etc/apt/sources.list"',
            'rm -rf "$1"/var/lib/apt/lists/*',
            f'copy-in {scratch}/amazon-ssm-agent.deb /tmp',
            'chroot "$1" dpkg -i /tmp/amazon-ssm-agent.deb && rm "$1/tmp/amazon-ssm-agent.deb"',
        ]
        run(["rm", "-rf", partial])
        arguments = ["mmdebstrap", "--quiet", "--format=directory", "--variant=minbase", "--include=" + ",".join(BASE_PACKAGES)]
        arguments += [f"--customize-hook={hook}" for hook in hooks]
        arguments += ["bookworm", partial]
        run(arguments)
        os.replace(partial, directory)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return directory


def launch_build_volume(source, destination):
    """The build instance's root volume: an overlay on the cached source image, which stays as it was.

    Copying or extracting the image each run costs tens of seconds of disk time on a busy machine; the
    overlay's upper layer holds only what the bake changes. The mount lives in this process's private
    mount namespace and goes away with it.
    """
    upper, work = destination + "-upper", destination + "-work"
    subprocess.run(["umount", destination], capture_output=True)
    run(["rm", "-rf", upper, work])
    for path in (destination, upper, work):
        os.makedirs(path, exist_ok=True)
    run(["mount", "-t", "overlay", "overlay", "-o", f"lowerdir={source},upperdir={upper},workdir={work}", destination])


def install_key_pair(image, public_key):
    """What EC2 and cloud-init do with the launch's key pair: admin's authorized_keys."""
    uid = gid = None
    with open(os.path.join(image, "etc", "passwd")) as f:
        for line in f:
            fields = line.split(":")
            if fields[0] == "admin":
                uid, gid = int(fields[2]), int(fields[3])
    if uid is None:
        fail("the source image has no admin user")
    ssh_dir = os.path.join(image, "home", "admin", ".ssh")
    os.makedirs(ssh_dir, mode=0o700, exist_ok=True)
    with open(os.path.join(ssh_dir, "authorized_keys"), "w") as f:
        f.write(public_key)
    os.chmod(os.path.join(ssh_dir, "authorized_keys"), 0o600)
    for path in (ssh_dir, os.path.join(ssh_dir, "authorized_keys")):
        os.chown(path, uid, gid)


# --- Instances: systemd-nspawn --boot, each in its own network namespace --------------------------------

class Instance:
    """A booted copy of an image, reachable at 10.99.N.2; this namespace is 10.99.N.1 to it."""

    def __init__(self, name, index, image, volatile, binds=(), boot_arguments=(), environment=None):
        self.name, self.index, self.image = name, index, image
        self.address, self.gateway = f"10.99.{index}.2", f"10.99.{index}.1"
        self.instance_id = "i-0" + uuid.uuid4().hex[:16]
        self.log_path = os.path.join(WORK, f"{name}.console.log")
        # Unique on the host: nspawn keeps a folder per machine name under /run/systemd/nspawn/.
        self.machine = f"bake{os.getpid()}-{name}"
        self.network = self._attach_network()
        arguments = ["systemd-nspawn", "--quiet", "--directory", image, "--boot", "--register=no", "--keep-unit",
                     f"--machine={self.machine}", f"--hostname=ip-10-99-{index}-2", "--console=pipe",
                     f"--network-namespace-path=/run/netns/{self.network}"]
        if volatile:
            arguments.append("--volatile=overlay")
        arguments += [f"--bind-ro={b}" for b in binds]
        arguments += list(boot_arguments)
        env = dict(os.environ, **(environment or {}))
        self.log = open(self.log_path, "w")
        self.started = time.monotonic()
        self.process = subprocess.Popen(arguments, stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT,
                                        env=env, start_new_session=True)
        self.leader = self._wait_for_leader()

    def _attach_network(self):
        """The instance's network, in place before it boots, as an EC2 instance's interface is at launch.

        A network namespace with host0 at 10.99.N.2 and a default route through its veth peer, which is
        10.99.N.1 in this namespace. Configured before systemd starts, so UserData never runs ahead of it.
        """
        namespace, link = self.machine, f"ve-bake-{self.index}"
        subprocess.run(["ip", "netns", "delete", namespace], capture_output=True)
        run(["ip", "netns", "add", namespace])
        run(["ip", "link", "add", link, "type", "veth", "peer", "name", "host0", "netns", namespace])
        run(["ip", "addr", "add", f"{self.gateway}/24", "dev", link])
        run(["ip", "link", "set", link, "up"])
        for command in (["addr", "add", f"{self.address}/24", "dev", "host0"], ["link", "set", "host0", "up"],
                        ["link", "set", "lo", "up"], ["route", "add", "default", "via", self.gateway]):
            run(["ip", "-n", namespace] + command)
        return namespace

    def _wait_for_leader(self):
        deadline = time.monotonic() + 30
        children = f"/proc/{self.process.pid}/task/{self.process.pid}/children"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                fail(f"systemd-nspawn for {self.name} exited {self.process.returncode}: {self.console()}")
            try:
                with open(children) as f:
                    pids = f.read().split()
                # nspawn's first child sets up and exits; the container's init is the one running systemd.
                for pid in pids:
                    with open(f"/proc/{pid}/comm") as f:
                        if f.read().strip() == "systemd":
                            return int(pid)
            except OSError:
                pass
            time.sleep(0.05)
        fail(f"{self.name}: systemd-nspawn started no container within 30 s")

    def execute(self, command, check=True):
        """A command inside the running instance (its mounts, PIDs and network), as root."""
        arguments = ["nsenter", "-t", str(self.leader), "-m", "-u", "-i", "-p", "-n", "--"] + command
        if check:
            return run(arguments)
        return subprocess.run(arguments, capture_output=True, text=True)

    def wait_until_booted(self, timeout=60):
        deadline = time.monotonic() + timeout
        state = ""
        while time.monotonic() < deadline:
            state = self.execute(["systemctl", "is-system-running"], check=False).stdout.strip()
            if state in ("running", "degraded"):
                return state
            time.sleep(0.2)
        jobs = self.execute(["systemctl", "list-jobs", "--no-pager"], check=False)
        fail(f"{self.name} did not finish booting in {timeout} s (state {state!r}); waiting jobs:\n"
             f"{(jobs.stdout + jobs.stderr).strip()}\n{self.journal(lines=20)}")

    def journal(self, unit=None, lines=60):
        command = ["journalctl", "--no-pager", "-o", "short-monotonic", "-n", str(lines)]
        if unit:
            command += ["-u", unit]
        result = self.execute(command, check=False)
        return (result.stdout + result.stderr).strip()

    def console(self):
        try:
            with open(self.log_path) as f:
                return f.read()[-2000:]
        except OSError:
            return ""

    def stop(self):
        """Shut down as `poweroff` would: nspawn turns SIGTERM into a halt request (see wait_stopped)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def wait_stopped(self, timeout=45):
        """Waits for the halt; kills the container's init after `timeout` seconds."""
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            say(f"{self.name} did not halt within {timeout} s; killing its init")
            try:
                os.kill(self.leader, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait(timeout=10)
        self.log.close()
        subprocess.run(["ip", "netns", "delete", self.network], capture_output=True)
        # nspawn leaves this folder behind when /run is not a tmpfs (it is on the root disk here).
        try:
            os.rmdir(f"/run/systemd/nspawn/propagate/{self.machine}")
        except OSError:
            pass


# --- 2. The bake: Packer's provisioners over SSH ---------------------------------------------------------

def hcl_string(raw, path_root):
    """An HCL string value as python-hcl2 8 gives it (quoted, escaped) with `${path.root}` resolved."""
    if not (isinstance(raw, str) and len(raw) >= 2 and raw[0] == '"' and raw[-1] == '"'):
        fail(f"expected a literal string in {PACKER_FILE}, got {raw!r}")
    text = raw[1:-1]
    text = re.sub(r'\\(["\\ntr])', lambda m: {"n": "\n", "t": "\t", "r": "\r"}.get(m.group(1), m.group(1)), text)
    text = text.replace("${path.root}", path_root)
    unresolved = re.search(r"(?<!\$)\$\{[^}]*\}", text)
    if unresolved:
        fail(f"{PACKER_FILE}: the bake test resolves only ${{path.root}} in provisioners, not {unresolved.group(0)}")
    return text.replace("$${", "${").replace("%%{", "%{")


def read_build():
    """The build block's name, source type and name, and provisioners in order, from the HCL file."""
    if not os.access(HCL_PYTHON, os.X_OK):
        fail(f"{HCL_PYTHON} not found: run `make deps` (python-hcl2 lives in .venv-hcl2)")
    program = "import hcl2, json, sys; print(json.dumps(hcl2.load(open(sys.argv[1]))))"
    data = json.loads(run([HCL_PYTHON, "-c", program, PACKER_FILE]))
    path_root = os.path.dirname(PACKER_FILE)
    builds = data.get("build", [])
    if len(builds) != 1:
        fail(f"{PACKER_FILE}: expected one build block, found {len(builds)}")
    build = builds[0]
    sources = [hcl_string(s, path_root) for s in build.get("sources", [])]
    if len(sources) != 1 or not sources[0].startswith("source."):
        fail(f"{PACKER_FILE}: expected one source in the build, found {sources}")
    _, builder_type, source_name = sources[0].split(".", 2)
    provisioners = []
    for block in build.get("provisioner", []):
        for label, body in block.items():
            provisioners.append((label.strip('"'), body))
    ssh_username = None
    for block in data.get("source", []):
        body = block.get(f'"{builder_type}"', {}).get(f'"{source_name}"')
        if body:
            ssh_username = hcl_string(body["ssh_username"], path_root)
    return builder_type, source_name, ssh_username, provisioners, path_root


class SSHCommunicator:
    """Packer's SSH communicator as seen from the instance: one SSH session per command or transfer."""

    def __init__(self, address, user, key):
        self.base = ["ssh", "-F", "/dev/null", "-T", "-i", key, "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
                     "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
                     "-o", "ConnectTimeout=10", f"{user}@{address}"]

    def start(self, command):
        """comm.Start + Wait: the command string goes to the remote user's shell; returns (status, output)."""
        result = subprocess.run(self.base + [command], stdin=subprocess.DEVNULL, capture_output=True)
        return result.returncode, (result.stdout + result.stderr).decode(errors="replace")

    def _scp_session(self, scp_command, transfer):
        """scpSession: start `scp -...t DEST`, run the transfer over stdin/stdout, close stdin, wait."""
        process = subprocess.Popen(self.base + [scp_command], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE)
        stderr = []
        reader = threading.Thread(target=lambda: stderr.append(process.stderr.read()), daemon=True)
        reader.start()
        error = None
        try:
            transfer(process.stdin, process.stdout)
        except (TestFailure, BrokenPipeError) as e:
            error = e
        try:
            process.stdin.close()
        except BrokenPipeError:
            pass
        process.wait()
        reader.join()
        log = b"".join(stderr).decode(errors="replace")
        if error is not None:
            fail(f"upload with `{scp_command}` failed: {error}\nscp said:\n{log[-1500:]}")
        if process.returncode != 0:
            fail(f"upload with `{scp_command}` failed: exit status {process.returncode}\nscp said:\n{log[-1500:]}")

    @staticmethod
    def _check_status(stdout):
        """checkSCPStatus: one byte, 0 is fine, anything else is followed by a message line."""
        code = stdout.read(1)
        if code == b"":
            raise BrokenPipeError("scp closed its output")
        if code != b"\x00":
            fail((stdout.readline() or b"").decode(errors="replace").strip() or f"scp status {code!r}")

    @classmethod
    def _upload_file(cls, name, data, mode, stdin, stdout):
        """scpUploadFile: `C%04o SIZE NAME`, status, the bytes, a zero byte, status."""
        stdin.write(f"C{mode:04o} {len(data)} {name}\n".encode())
        stdin.flush()
        cls._check_status(stdout)
        stdin.write(data)
        stdin.write(b"\x00")
        stdin.flush()
        cls._check_status(stdout)

    @classmethod
    def _upload_dir_protocol(cls, name, mode, stdin, stdout, entries):
        """scpUploadDirProtocol: `D%04o 0 NAME`, status, the entries, `E` (no status read after it)."""
        stdin.write(f"D{mode:04o} 0 {name}\n".encode())
        stdin.flush()
        cls._check_status(stdout)
        entries()
        stdin.write(b"E\n")
        stdin.flush()

    @classmethod
    def _upload_entries(cls, root, stdin, stdout, visited):
        """scpUploadDirWithTracking: entries in directory order (Readdir), symlinks followed."""
        real_root = os.path.realpath(root)
        if real_root in visited:
            return
        visited.add(real_root)
        for name in os.listdir(root):
            path = os.path.join(root, name)
            info = os.stat(path)
            if not os.path.isdir(path):
                with open(path, "rb") as f:
                    cls._upload_file(name, f.read(), info.st_mode & 0o777, stdin, stdout)
                continue
            cls._upload_dir_protocol(name, info.st_mode & 0o777, stdin, stdout,
                                     lambda p=path: cls._upload_entries(p, stdin, stdout, visited))

    def upload(self, path, data, mode=0o644):
        """scpUploadSession: `scp -vt DIR`, one file named after PATH's last component."""
        directory, name = os.path.dirname(path).replace(" ", "\\ "), os.path.basename(path)
        self._scp_session(f"scp -vt {directory}",
                          lambda stdin, stdout: self._upload_file(name, data, mode, stdin, stdout))

    def upload_dir(self, destination, source):
        """scpUploadDirSession: `scp -rvt DST`; without a trailing slash the source folder itself goes first."""
        def transfer(stdin, stdout):
            visited = set()
            if not source.endswith("/"):
                self._upload_dir_protocol(os.path.basename(source), os.stat(source).st_mode & 0o777, stdin, stdout,
                                          lambda: self._upload_entries(source, stdin, stdout, visited))
            else:
                self._upload_entries(source, stdin, stdout, visited)
        self._scp_session(f"scp -rvt {destination}", transfer)


def render_execute_command(template, variables):
    """interpolate.Render of execute_command with ExecuteCommandTemplate{Vars, EnvVarFile, Path}."""
    def substitute(match):
        field = match.group(1)
        if field not in variables:
            fail(f"execute_command uses {{{{ .{field} }}}}, which Packer's shell provisioner does not provide")
        return variables[field]
    rendered = re.sub(r"\{\{\s*\.(\w+)\s*\}\}", substitute, template)
    if "{{" in rendered:
        fail(f"execute_command {template!r} has a template action the bake test does not render")
    return rendered


def shell_provisioner(body, communicator, path_root, build_name, builder_type, number):
    """provisioner/shell Prepare + Provision for one block."""
    execute_command = (hcl_string(body["execute_command"], path_root) if "execute_command" in body
                       else "chmod +x {{.Path}}; {{.Vars}} {{.Path}}")
    remote_folder = hcl_string(body["remote_folder"], path_root) if "remote_folder" in body else "/tmp"
    remote_file = (hcl_string(body["remote_file"], path_root) if "remote_file" in body
                   else f"script_{random.randrange(9999)}.sh")
    remote_path = f"{remote_folder}/{remote_file}"
    for unsupported in ("use_env_var_file", "env", "scripts", "remote_path", "env_var_format", "binary"):
        if unsupported in body:
            fail(f"shell provisioner {number}: `{unsupported}` is not followed by the bake test yet")
    variables = {"PACKER_BUILD_NAME": build_name, "PACKER_BUILDER_TYPE": builder_type}
    for entry in body.get("environment_vars", []):
        key, sep, value = hcl_string(entry, path_root).partition("=")
        if not sep or not key:
            fail(f"shell provisioner {number}: environment variable not in format 'key=value': {entry}")
        variables[key] = value.replace("'", "'\"'\"'")
    flattened = "".join(f"{key}='{variables[key]}' " for key in sorted(variables))
    if "inline" in body:
        commands = "".join(hcl_string(c, path_root) + "\n" for c in body["inline"])
        shebang = hcl_string(body["inline_shebang"], path_root) if "inline_shebang" in body else "/bin/sh -e"
        script = (commands if commands.startswith("#!") and "inline_shebang" not in body
                  else f"#!{shebang}\n" + commands).encode()
        what = f"inline {[hcl_string(c, path_root) for c in body['inline']]}"
    else:
        local = hcl_string(body["script"], path_root)
        with open(local, "rb") as f:
            script = f.read()
        what = os.path.relpath(local, ROOT)
    # UnixReader turns CRLF into LF unless `binary` is set.
    script = script.replace(b"\r\n", b"\n")
    command = render_execute_command(execute_command, {"Vars": flattened, "Path": remote_path, "EnvVarFile": ""})
    say(f"provisioner {number} (shell): {what} as {remote_path}: {command}")
    communicator.upload(remote_path, script)
    communicator.start(f"chmod 0755 {remote_path}")
    status, output = communicator.start(command)
    for line in output.rstrip().splitlines()[-25:]:
        print(f"    | {line}")
    if status != 0:
        fail(f"provisioner {number} (shell) {what}: Script exited with non-zero exit status: {status}")
    status, output = communicator.start(f"rm -f {remote_path}")
    if status != 0:
        fail(f"provisioner {number}: Error removing temporary script at {remote_path}: {output}")


def file_provisioner(body, communicator, path_root, number):
    """provisioner/file ProvisionUpload for one block."""
    if "content" in body or "sources" in body or "direction" in body:
        fail(f"file provisioner {number}: only `source` + `destination` uploads are followed by the bake test")
    source = hcl_string(body["source"], path_root)
    destination = hcl_string(body["destination"], path_root)
    say(f"provisioner {number} (file): {os.path.relpath(source, ROOT)}{'/' if source.endswith('/') else ''} => {destination}")
    if not os.path.exists(source):
        fail(f"file provisioner {number}: {source} does not exist (run `make stage`)")
    if os.path.isdir(source):
        communicator.upload_dir(destination, source)
        return
    target = destination + os.path.basename(source) if destination.endswith("/") else destination
    with open(source, "rb") as f:
        communicator.upload(target, f.read(), os.stat(source).st_mode & 0o777)


def wait_for_ssh(address, timeout=60):
    """Packer's StepConnect waits for the SSH server; this waits for its banner (no session, no command)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((address, 22), timeout=2) as s:
                if s.recv(64).startswith(b"SSH-2.0-"):
                    return
        except OSError:
            pass
        time.sleep(0.2)
    fail(f"no SSH server answered on {address}:22 within {timeout} s")


def bake(source):
    builder_type, source_name, ssh_username, provisioners, path_root = read_build()
    image = os.path.join(WORK, "ami")
    say(f"source image: {os.path.relpath(source, ROOT)}")
    launch_build_volume(source, image)
    key = os.path.join(WORK, "packer-key")
    for stale in (key, key + ".pub"):
        if os.path.exists(stale):
            os.remove(stale)
    run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "packer-bake-test", "-f", key])
    with open(key + ".pub") as f:
        install_key_pair(image, f.read())
    # /tmp stays on the image's own file system, as on an EBS root volume (nspawn would mount a tmpfs).
    instance = Instance("bake", 1, image, volatile=False, environment={"SYSTEMD_NSPAWN_TMPFS_TMP": "0"})
    try:
        wait_for_ssh(instance.address)
        say(f"build instance up at {instance.address}; {len(provisioners)} provisioners as {ssh_username}")
        communicator = SSHCommunicator(instance.address, ssh_username, key)
        for number, (kind, body) in enumerate(provisioners, start=1):
            if kind == "shell":
                shell_provisioner(body, communicator, path_root, source_name, builder_type, number)
            elif kind == "file":
                file_provisioner(body, communicator, path_root, number)
            else:
                fail(f"provisioner {number} is `{kind}`, which the bake test does not follow")
    except TestFailure:
        print(f"--- build instance journal ---\n{instance.journal(lines=30)}", file=sys.stderr)
        raise
    finally:
        instance.stop()
        instance.wait_stopped()
    say("build instance stopped; its root file system is the AMI")
    return image


def check_baked_image(image):
    """What the provisioners must have left: the staged tree as uploaded and the installed files."""
    stage = os.path.join(ROOT, "packer", "build")
    expected = staged_files(stage)
    uploaded_root = os.path.join(image, "tmp", "imagery")
    if not os.path.isdir(uploaded_root):
        fail("/tmp/imagery on the image is not a directory after the upload")
    uploaded = staged_files(uploaded_root)
    if uploaded != expected:
        fail(f"/tmp/imagery does not mirror packer/build/: missing {sorted(set(expected) - set(uploaded))[:5]}, "
             f"unexpected {sorted(set(uploaded) - set(expected))[:5]}")
    for path in ("opt/imagery/bin/imagery-server", "opt/imagery/bin/imagery-worker",
                 "etc/systemd/system/imagery-server.service", "etc/systemd/system/imagery-worker.service"):
        if not os.path.exists(os.path.join(image, path)):
            fail(f"/{path} is missing from the baked image")
    say(f"baked image: /tmp/imagery mirrors packer/build/ ({len(expected)} files), /opt/imagery and units installed")


def staged_files(root):
    return sorted(os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs)


def check_upload_forms(instance):
    """The upload forms the Packer file does not use, against the same sink, on an instance of the AMI.

    The AMI still holds admin's key (amazon-ebs leaves authorized_keys as it was), so this needs no
    change to the bake: a directory without a trailing slash arrives as a folder of that name inside an
    existing destination, and the trailing-slash form into a missing one is refused, as the unfixed
    Packer file was.
    """
    communicator = SSHCommunicator(instance.address, "admin", os.path.join(WORK, "packer-key"))
    stage = os.path.join(ROOT, "packer", "build")
    communicator.upload_dir("/tmp", stage)
    status, listing = communicator.start("cd /tmp/build && find . -type f | sed 's|^./||' | sort")
    if status != 0 or listing.split() != staged_files(stage):
        fail(f"`build` (no trailing slash) uploaded to /tmp did not arrive as /tmp/build: {listing[:500]}")
    try:
        communicator.upload_dir("/tmp/missing", stage + "/")
    except TestFailure as refused:
        if "Not a directory" not in str(refused):
            raise
    else:
        fail("`build/` uploaded into a missing /tmp/missing was not refused")
    say("upload forms: `build` into /tmp made /tmp/build; `build/` into a missing folder: Not a directory")


# --- 3. EC2's side: IMDSv2, CloudFormation, UserData ------------------------------------------------------

def sigv4_signature(secret, date, region, service, string_to_sign):
    key = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


class FakeEC2:
    """IMDSv2 for each instance (told apart by source address) and CloudFormation's SignalResource."""

    def __init__(self):
        self.instances = {}          # address -> dict(instance_id, user_data, role, credentials)
        self.tokens = {}             # token -> address
        self.signals = []
        self.rejected = []
        self.target_group_arn = None   # the server's UserData names it; DescribeTargetHealth must ask for it
        self.health_passes = {}        # instance id -> consecutive passing health checks
        self.health_answers = []       # (instance id, state answered), in order
        self.lock = threading.Lock()

    def add(self, address, instance_id, role, user_data):
        credentials = {"AccessKeyId": "ASIA" + uuid.uuid4().hex[:16].upper(), "SecretAccessKey": uuid.uuid4().hex,
                       "Token": "bake-session-" + uuid.uuid4().hex}
        self.instances[address] = {"instance_id": instance_id, "role": role, "user_data": user_data,
                                   "credentials": credentials}

    def imds_handler(self):
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def reply(self, status, body=b"", content_type="text/plain"):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_PUT(self):
                instance = fake.instances.get(self.client_address[0])
                if self.path != "/latest/api/token" or instance is None:
                    return self.reply(404)
                if "X-Forwarded-For" in self.headers:
                    return self.reply(403)
                ttl = self.headers.get("X-aws-ec2-metadata-token-ttl-seconds", "")
                if not ttl.isdigit() or not 1 <= int(ttl) <= 21600:
                    return self.reply(400)
                token = "AQAEA" + uuid.uuid4().hex
                with fake.lock:
                    fake.tokens[token] = self.client_address[0]
                self.reply(200, token.encode())

            def do_GET(self):
                address = self.client_address[0]
                instance = fake.instances.get(address)
                if instance is None:
                    return self.reply(404)
                # http_tokens = required: IMDSv1 (no token) is refused.
                if fake.tokens.get(self.headers.get("X-aws-ec2-metadata-token", "")) != address:
                    return self.reply(401)
                role = instance["role"]
                credentials = dict(instance["credentials"], Code="Success", Type="AWS-HMAC",
                                   LastUpdated=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                                   Expiration=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 6 * 3600)))
                answers = {
                    "/latest/meta-data/instance-id": instance["instance_id"],
                    "/latest/meta-data/placement/region": REGION,
                    "/latest/meta-data/iam/security-credentials/": role,
                    f"/latest/meta-data/iam/security-credentials/{role}": json.dumps(credentials),
                    "/latest/user-data": instance["user_data"],
                }
                if self.path not in answers:
                    return self.reply(404)
                self.reply(200, answers[self.path].encode())

        return Handler

    def cloudformation_handler(self):
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def reply(self, status, body):
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def error(self, code, message):
                fake.rejected.append(f"{self.client_address[0]}: {code}: {message}")
                self.reply(400 if code != "SignatureDoesNotMatch" else 403,
                           f'<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error>'
                           f"<Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
                           f"<RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>")

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                fields = dict(urllib.parse.parse_qsl(body.decode()))
                problem = self.check_signature(body)
                if problem:
                    return self.error("SignatureDoesNotMatch", problem)
                if fields.get("Action") == "DescribeTargetHealth":
                    return self.describe_target_health(fields)
                if fields.get("Action") != "SignalResource":
                    return self.error("InvalidAction", f"only SignalResource and DescribeTargetHealth are served here, "
                                                       f"not {fields.get('Action')}")
                missing = [k for k in ("StackName", "LogicalResourceId", "UniqueId", "Status") if not fields.get(k)]
                if missing or fields["Status"] not in ("SUCCESS", "FAILURE"):
                    return self.error("ValidationError", f"missing {missing} or bad Status {fields.get('Status')}")
                with fake.lock:
                    fake.signals.append({"from": self.client_address[0], **{k: fields[k] for k in (
                        "StackName", "LogicalResourceId", "UniqueId", "Status")}})
                self.reply(200, '<SignalResourceResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">'
                                f"<ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata>"
                                "</SignalResourceResponse>")

            def describe_target_health(self, fields):
                """ELBv2 DescribeTargetHealth as the load balancer answers it: the target is `initial` until
                HealthyThresholdCount (2) health checks of GET :8080/health in a row have passed. The check is
                made here, from outside the instance, as the load balancer makes it."""
                instance = fake.instances[self.client_address[0]]
                target = fields.get("Targets.member.1.Id")
                if fields.get("TargetGroupArn") != fake.target_group_arn:
                    return self.error("TargetGroupNotFound", f"One or more target groups not found: {fields.get('TargetGroupArn')}")
                if target != instance["instance_id"]:
                    return self.error("InvalidTarget", f"asked for {target}, which is not the calling instance")
                try:
                    status = imagery_api.http("GET", f"http://{self.client_address[0]}:8080/health", timeout=5)[0]
                except OSError:
                    status = 0
                with fake.lock:
                    passes = fake.health_passes.get(target, 0) + 1 if status == 200 else 0
                    fake.health_passes[target] = passes
                    state = "healthy" if passes >= 2 else "initial"
                    fake.health_answers.append((target, state))
                reason = "" if state == "healthy" else "<Reason>Elb.RegistrationInProgress</Reason>"
                self.reply(200, '<DescribeTargetHealthResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/">'
                                "<DescribeTargetHealthResult><TargetHealthDescriptions><member>"
                                f"<Target><Id>{target}</Id><Port>8080</Port></Target><HealthCheckPort>8080</HealthCheckPort>"
                                f"<TargetHealth><State>{state}</State>{reason}</TargetHealth>"
                                "</member></TargetHealthDescriptions></DescribeTargetHealthResult>"
                                f"<ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata>"
                                "</DescribeTargetHealthResponse>")

            def check_signature(self, body):
                """Signature V4 recomputed with the credentials IMDS gave the calling instance."""
                instance = fake.instances.get(self.client_address[0])
                if instance is None:
                    return "not from a known instance"
                credentials = instance["credentials"]
                match = re.fullmatch(
                    r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, ?"
                    r"SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})", self.headers.get("Authorization", ""))
                if not match:
                    return "no Signature V4 Authorization header"
                key_id, date, region, service, signed, signature = match.groups()
                if key_id != credentials["AccessKeyId"] or self.headers.get("X-Amz-Security-Token") != credentials["Token"]:
                    return "not signed with this instance's instance-profile credentials"
                action = dict(urllib.parse.parse_qsl(body.decode())).get("Action")
                expected_service = "elasticloadbalancing" if action == "DescribeTargetHealth" else "cloudformation"
                if (region, service) != (REGION, expected_service):
                    return f"scope {region}/{service}"
                names = signed.split(";")
                canonical_headers = "".join(f"{n}:{' '.join((self.headers.get(n) or '').split())}\n" for n in names)
                path, _, query = self.path.partition("?")
                canonical = "\n".join(["POST", path or "/", query, canonical_headers, signed,
                                       hashlib.sha256(body).hexdigest()])
                string_to_sign = "\n".join(["AWS4-HMAC-SHA256", self.headers.get("X-Amz-Date", ""),
                                            f"{date}/{region}/{service}/aws4_request",
                                            hashlib.sha256(canonical.encode()).hexdigest()])
                expected = sigv4_signature(credentials["SecretAccessKey"], date, region, service, string_to_sign)
                return None if hmac.compare_digest(expected, signature) else "signature does not match"

        return Handler


def serve(address, port, handler):
    server = http.server.ThreadingHTTPServer((address, port), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def resolve_sub(text, values):
    """Fn::Sub with a string: `${Name}` from `values`, `${!Literal}` stays `${Literal}`."""
    def substitute(match):
        name = match.group(1)
        if name.startswith("!"):
            return "${" + name[1:] + "}"
        if name not in values:
            fail(f"UserData refers to ${{{name}}}, which the bake test cannot resolve")
        return values[name]
    return re.sub(r"\$\{([^}]+)\}", substitute, text)


def launch_template_user_data(logical_id):
    """The UserData of a launch template in templates/imagery.yaml: Fn::Base64 of a Fn::Sub string."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    def tagged(loader, tag, node):
        if isinstance(node, yaml.ScalarNode):
            return {"Fn::" + tag: loader.construct_scalar(node)}
        if isinstance(node, yaml.SequenceNode):
            return {"Fn::" + tag: loader.construct_sequence(node, deep=True)}
        return {"Fn::" + tag: loader.construct_mapping(node, deep=True)}

    Loader.add_multi_constructor("!", tagged)
    with open(os.path.join(ROOT, "templates", "imagery.yaml")) as f:
        template = yaml.load(f, Loader=Loader)
    user_data = template["Resources"][logical_id]["Properties"]["LaunchTemplateData"]["UserData"]
    sub = user_data.get("Fn::Base64", {}).get("Fn::Sub") if isinstance(user_data.get("Fn::Base64"), dict) else None
    if not isinstance(sub, str):
        fail(f"{logical_id} UserData is not Fn::Base64 of a Fn::Sub string")
    return sub


# The cloud-init stand-in: cloud-final's scripts-user runs the user data, a script, as root once the
# network is up; it gets the user data from IMDS (v2 here, as the launch template requires tokens).
USER_DATA_RUNNER = """#!/bin/bash
set -u
for attempt in $(seq 1 100); do
  token=$(curl -fsS --connect-timeout 2 --max-time 10 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' \\
    http://169.254.169.254/latest/api/token) && break
  sleep 0.2
done
install -d -m 0700 /var/lib/cloud/instance/scripts
curl -fsS --connect-timeout 2 --max-time 10 -H "X-aws-ec2-metadata-token: $token" -o /var/lib/cloud/instance/scripts/part-001 \\
  http://169.254.169.254/latest/user-data
chmod 0700 /var/lib/cloud/instance/scripts/part-001
/var/lib/cloud/instance/scripts/part-001
status=$?
echo "user data exited $status"
echo "$status" > /run/bake-test-user-data.status
"""

USER_DATA_UNIT = """[Unit]
Description=EC2 user data, as cloud-init's scripts-user runs it (bake-test stand-in for cloud-init)
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
Environment={endpoints}
ExecStart=/usr/local/lib/bake-test/run-user-data
# The runner itself always exits 0 (it records the script's status). A failure here is systemd failing to
# start it, seen on CI as 219/CGROUP with several nspawn containers at once: try again, as that is not
# the AMI's doing.
Restart=on-failure
RestartSec=1
StandardOutput=journal+console
"""

UNIT_DROP_IN = """# Bake test only: on EC2 the binaries reach AWS's public endpoints; here moto and a loopback CloudFormation.
[Service]
Environment={endpoints}
"""


def boot_instance(name, index, image, fake, role, group_logical_id, launch_template, values, moto_port, cfn_port,
                  extra_binds=()):
    files = os.path.join(WORK, f"{name}-files")
    os.makedirs(os.path.join(files, "dropin"), exist_ok=True)
    gateway = f"10.99.{index}.1"
    endpoints = (f"AWS_ENDPOINT_URL=http://{gateway}:{moto_port} AWS_ENDPOINT_URL_CLOUDFORMATION=http://{gateway}:{cfn_port} "
                 f"AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2=http://{gateway}:{cfn_port}")
    with open(os.path.join(files, "run-user-data"), "w") as f:
        f.write(USER_DATA_RUNNER)
    os.chmod(os.path.join(files, "run-user-data"), 0o755)
    with open(os.path.join(files, "bake-test-user-data.service"), "w") as f:
        f.write(USER_DATA_UNIT.format(endpoints=f"AWS_ENDPOINT_URL_CLOUDFORMATION=http://{gateway}:{cfn_port}"))
    with open(os.path.join(files, "dropin", "bake-test-endpoints.conf"), "w") as f:
        f.write(UNIT_DROP_IN.format(endpoints=endpoints))
    binds = [f"{files}/run-user-data:/usr/local/lib/bake-test/run-user-data",
             f"{files}/bake-test-user-data.service:/etc/systemd/system/bake-test-user-data.service",
             f"{files}/dropin:/etc/systemd/system/imagery-server.service.d",
             f"{files}/dropin:/etc/systemd/system/imagery-worker.service.d"] + list(extra_binds)
    user_data = resolve_sub(launch_template_user_data(launch_template), dict(values, **{"AWS::Region": REGION}))
    address = f"10.99.{index}.2"
    instance_id = "i-0" + hashlib.sha256(f"{name}{time.time()}".encode()).hexdigest()[:16]
    fake.add(address, instance_id, f"imagery-{role}-role", user_data)
    instance = Instance(name, index, image, volatile=True, binds=binds,
                        boot_arguments=["systemd.wants=bake-test-user-data.service"])
    instance.instance_id = instance_id
    instance.group = group_logical_id
    return instance


# --- 4. One image end to end --------------------------------------------------------------------------------

def sample_png(width=64, height=48):
    rows = b"".join(b"\x00" + bytes(v for x in range(width) for v in ((x * 4) % 256, (y * 5) % 256, (x + y) % 256))
                    for y in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def wait_until(what, timeout, check, interval=0.25):
    try:
        return imagery_api.wait_until(what, timeout, check, interval)
    except imagery_api.APIFailure as error:
        fail(str(error))


def wait_for_user_data(instances, user_data_status, timeout):
    """Waits for every instance's UserData at once; a timeout shows what each unfinished one is doing.

    CI keeps only the tail of the output, so the state of the instances that did not finish is part of
    the failure message itself: its boot jobs, processes, network and the user data's journal.
    """
    deadline = time.monotonic() + timeout
    pending = list(instances)
    while pending and time.monotonic() < deadline:
        pending = [i for i in pending if not user_data_status(i)]
        if pending:
            time.sleep(0.25)
    if not pending:
        return
    reports = []
    for instance in pending:
        def inside(*command):
            result = instance.execute(list(command), check=False)
            return (result.stdout + result.stderr).strip()
        reports.append("\n".join([
            f"=== {instance.name} ({instance.address}), booted {time.monotonic() - instance.started:.0f} s ago ===",
            "jobs: " + (inside("systemctl", "list-jobs", "--no-pager", "--no-legend") or "none"),
            "processes:\n" + inside("ps", "-eo", "pid,etimes,args", "--forest"),
            "network: " + " | ".join(
                subprocess.run(["ip", "-n", instance.network, "-4", "-o"] + what, capture_output=True, text=True).stdout.strip()
                for what in (["addr", "show", "host0"], ["route"])),
            "user data journal:\n" + instance.journal("bake-test-user-data.service", 15)]))
    fail(f"timed out after {timeout} s waiting for UserData to finish on "
         + ", ".join(i.name for i in pending) + "\n" + "\n".join(reports))


def process_one_image(server_address):
    base = f"http://{server_address}:8080"

    def healthy():
        try:
            return imagery_api.http("GET", f"{base}/health", timeout=2)[0] == 200
        except OSError:
            return False

    wait_until("the server's /health on port 8080", 60, healthy)
    try:
        image_id, record, png = imagery_api.process_one_png(base, sample_png(), 90, (64, 48))
    except imagery_api.APIFailure as error:
        fail(str(error))
    say(f"image {image_id} processed (version {record.get('version')}): a {len(png)}-byte 64x48 PNG")


def start_moto():
    """moto on every address of this (private) namespace, so each instance reaches it through its gateway."""
    import logging
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", message=".*not supported by moto")
    port = free_port("0.0.0.0")
    server = ThreadedMotoServer(ip_address="0.0.0.0", port=port, verbose=False)
    server.start()
    return server, port


def boot_and_process(image, moto, moto_port):
    import boto3

    fake = FakeEC2()
    imds = serve(IMDS_ADDRESS, 80, fake.imds_handler())
    cfn_port = free_port("0.0.0.0")
    cloudformation_server = serve("0.0.0.0", cfn_port, fake.cloudformation_handler())
    instances = []
    try:
        session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name=REGION)
        cloudformation = session.client("cloudformation", endpoint_url=f"http://127.0.0.1:{moto_port}")
        stack = "imagery-bake-" + uuid.uuid4().hex[:8]
        with open(os.path.join(ROOT, "templates", "imagery-local.yaml")) as f:
            cloudformation.create_stack(StackName=stack, TemplateBody=f.read())
        resources = cloudformation.list_stack_resources(StackName=stack)["StackResourceSummaries"]
        # `${Name}` in Fn::Sub is Ref Name: the physical id of each resource.
        values = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in resources if r.get("PhysicalResourceId")}
        values["AWS::StackName"] = stack
        # The load balancer is not part of imagery-local: its target group is the one this test answers for.
        values["LoadBalancerTargetGroup"] = fake.target_group_arn = (
            f"arn:aws:elasticloadbalancing:{REGION}:123456789012:targetgroup/imagery-bake/{uuid.uuid4().hex[:16]}")
        say(f"moto: stack {stack} ({', '.join(sorted(values))})")

        plan = [("server", 2, "server", "ServerAutoScalingGroup", "ServerLaunchTemplate", ()),
                ("worker", 3, "worker", "WorkerAutoScalingGroup", "WorkerLaunchTemplate", ()),
                # A broken image: the worker's unit is masked, so `systemctl enable --now` fails in UserData.
                ("broken", 4, "worker", "WorkerAutoScalingGroup", "WorkerLaunchTemplate",
                 ("/dev/null:/etc/systemd/system/imagery-worker.service",))]
        for name, index, role, group, launch_template, extra in plan:
            instances.append(boot_instance(name, index, image, fake, role, group, launch_template, values, moto_port,
                                           cfn_port, extra))
        say("instances booting: " + ", ".join(f"{i.name} {i.instance_id} at {i.address}" for i in instances))
        states = {i.name: i.wait_until_booted() for i in instances}
        by_name = {i.name: i for i in instances}

        def user_data_status(instance):
            result = instance.execute(["cat", "/run/bake-test-user-data.status"], check=False)
            return result.stdout.strip() if result.returncode == 0 else None

        wait_for_user_data(instances, user_data_status, timeout=120)
        for name in ("server", "worker"):
            status = user_data_status(by_name[name])
            if status != "0":
                fail(f"UserData on the {name} instance exited {status}:\n{by_name[name].journal('bake-test-user-data.service')}")
        broken_status = user_data_status(by_name["broken"])
        if broken_status == "0":
            fail("UserData on the instance with a masked unit exited 0")
        say(f"UserData: server 0, worker 0, broken {broken_status}")
        for name in ("server", "worker"):
            state = by_name[name].execute(["systemctl", "is-system-running"], check=False).stdout.strip()
            if state != "running":
                failed = by_name[name].execute(["systemctl", "--failed", "--no-legend", "--plain"], check=False).stdout
                fail(f"the {name} instance is {state!r} after boot (booted {states[name]!r}); failed units:\n{failed}")

        process_one_image(by_name["server"].address)

        def signalled():
            with fake.lock:
                groups = {(s["LogicalResourceId"], s["UniqueId"]) for s in fake.signals}
            return all((i.group, i.instance_id) in groups for i in instances)

        wait_until("a signal from every instance", 60, signalled)
        time.sleep(3)  # a second signal, if one were coming, would come now
        with fake.lock:
            signals = list(fake.signals)
        expected = {("server", "SUCCESS"), ("worker", "SUCCESS"), ("broken", "FAILURE")}
        for instance in instances:
            own = [s for s in signals if s["UniqueId"] == instance.instance_id]
            status = next(st for n, st in expected if n == instance.name)
            if [(s["StackName"], s["LogicalResourceId"], s["Status"]) for s in own] != [(stack, instance.group, status)]:
                fail(f"{instance.name} ({instance.instance_id}) should have sent exactly one {status} to "
                     f"{stack}/{instance.group}; CloudFormation got {own}")
        if len(signals) != len(instances):
            fail(f"expected {len(instances)} signals, CloudFormation got {signals}")
        if fake.rejected:
            fail(f"CloudFormation refused requests: {fake.rejected}")
        server_id = by_name["server"].instance_id
        answers = [state for target, state in fake.health_answers if target == server_id]
        if not answers or answers[-1] != "healthy" or answers.count("healthy") != 1:
            fail(f"the server should ask for its target health until healthy, then signal; the answers were {answers}")
        for name in ("server", "worker"):
            unit = f"imagery-{name}.service"
            shown = by_name[name].execute(["systemctl", "show", unit, "-p", "ActiveState", "-p", "NRestarts",
                                           "-p", "MainPID"]).split()
            properties = dict(p.split("=", 1) for p in shown)
            user = by_name[name].execute(["ps", "-o", "user=", "-p", properties["MainPID"]], check=False).stdout.strip()
            if properties["ActiveState"] != "active" or properties["NRestarts"] != "0" or user != "imagery":
                fail(f"{unit}: {properties}, running as {user!r}:\n{by_name[name].journal(unit)}")
        say(f"signals: server SUCCESS x1 (after target health {' -> '.join(answers)}), worker SUCCESS x1, broken "
            "instance FAILURE x1 (ERR trap), all Signature V4 with the instance's role; both units active as user "
            "imagery, no restarts")
        check_upload_forms(by_name["broken"])
    except TestFailure:
        for instance in instances:
            print(f"--- {instance.name}: user data ---\n{instance.journal('bake-test-user-data.service', 30)}", file=sys.stderr)
            for unit in ("imagery-server.service", "imagery-worker.service"):
                print(f"--- {instance.name}: {unit} ---\n{instance.journal(unit, 30)}", file=sys.stderr)
        print(f"--- signals ---\n{json.dumps(fake.signals, indent=1)}\nrejected: {fake.rejected}", file=sys.stderr)
        raise
    finally:
        stopping = time.monotonic()
        for instance in instances:
            instance.stop()
        for instance in instances:
            instance.wait_stopped()
        if instances:
            say(f"instances halted in {time.monotonic() - stopping:.1f} s")
        imds.shutdown()
        cloudformation_server.shutdown()
        moto.stop()


# --- Entry points --------------------------------------------------------------------------------------------

def in_network_namespace(bake_only):
    """Everything after the image download: in private network and mount namespaces, so only loopback exists."""
    run(["ip", "link", "set", "lo", "up"])
    run(["ip", "addr", "add", f"{IMDS_ADDRESS}/32", "dev", "lo"])
    # moto takes a while to import on a busy machine: start it while the bake runs.
    moto = {}
    starter = threading.Thread(target=lambda: moto.update(zip(("server", "port"), start_moto())), daemon=True)
    if not bake_only:
        starter.start()
    image = bake(base_image())
    check_baked_image(image)
    if bake_only:
        say("ok: baked with Packer's provisioner semantics (--bake-only: no boot)")
        return
    starter.join()
    if "server" not in moto:
        fail("moto did not start (see the error above)")
    boot_and_process(image, moto["server"], moto["port"])
    say("ok: baked with Packer's provisioner semantics, booted with EC2's, one image processed")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bake-only", action="store_true", help="stop after the bake and its checks")
    parser.add_argument("--in-netns", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    try:
        if os.geteuid() != 0:
            fail("needs root (mmdebstrap, systemd-nspawn, network namespaces); run it as root or through sudo")
        if args.in_netns:
            in_network_namespace(args.bake_only)
            return 0
        for tool in ("mmdebstrap", "systemd-nspawn", "ssh", "ssh-keygen", "dpkg-scanpackages", "unshare", "nsenter", "ip"):
            if shutil.which(tool) is None:
                fail(f"{tool} is not installed (make bake-deps installs what the bake test needs)")
        for binary in ("imagery-server", "imagery-worker"):
            if not os.access(os.path.join(ROOT, "packer", "build", "bin", binary), os.X_OK):
                fail(f"packer/build/bin/{binary} is missing: run `make stage` first")
        base_image()  # the only step that needs the network (Debian's mirror), so outside the namespace
        os.makedirs(WORK, exist_ok=True)
        return subprocess.call(["unshare", "--net", "--mount", "--", sys.executable, os.path.abspath(__file__), "--in-netns"]
                               + (["--bake-only"] if args.bake_only else []))
    except TestFailure as failure:
        print(f"bake-test: FAILED: {failure}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
