#!/usr/bin/env python3
"""Runs the staged release binaries (packer/build/) the way an instance would, against moto.

1. moto on a free 127.0.0.1 port; the imagery-local stack created in it with CloudFormation.
2. The environment file rendered from the full template's UserData (its `!Sub` block, with the
   stack's physical ids substituted), exactly the lines an instance writes to /etc/imagery/env.
3. packer/build/bin/imagery-server and imagery-worker started from the staged tree with that file
   (IMAGERY_ENV_FILE) and the staged web assets; /health must answer 200.
4. One image end to end through the HTTP API: create, upload, processed, the PNG served back.

Exit status 0 on success; otherwise a message that says which step failed.
"""
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid

import imagery_api  # scripts/imagery_api.py, beside this file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STAGE = os.path.join(ROOT, "packer", "build")


def fail(message):
    print(f"staged-smoke-test: {message}", file=sys.stderr)
    sys.exit(1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def user_data_env_lines(role, physical):
    """The /etc/imagery/env lines of `role`'s launch template, with ${...} resolved."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    def tagged(loader, tag, node):
        if isinstance(node, yaml.ScalarNode):
            return {tag: loader.construct_scalar(node)}
        if isinstance(node, yaml.SequenceNode):
            return {tag: loader.construct_sequence(node, deep=True)}
        return {tag: loader.construct_mapping(node, deep=True)}

    Loader.add_multi_constructor("!", tagged)
    with open(os.path.join(ROOT, "templates", "imagery.yaml")) as f:
        template = yaml.load(f, Loader=Loader)
    logical = "ServerLaunchTemplate" if role == "server" else "WorkerLaunchTemplate"
    user_data = template["Resources"][logical]["Properties"]["LaunchTemplateData"]["UserData"]
    # The multi-constructor gets the tag suffix: `!Sub` arrives as "Sub".
    script = user_data["Fn::Base64"]["Sub"]
    body = re.search(r"<<'ENV'\n(.*?)\nENV\n", script, re.S)
    if not body:
        fail(f"{logical} UserData has no env-file heredoc")

    def substitute(match):
        name = match.group(1)
        if name not in physical:
            fail(f"UserData refers to ${{{name}}}, which the smoke test cannot resolve")
        return physical[name]

    return re.sub(r"\$\{([^}]+)\}", substitute, body.group(1)) + "\n"


def wait_until(what, deadline_seconds, check):
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    fail(f"timed out after {deadline_seconds} s waiting for {what}")


def main():
    for binary in ("imagery-server", "imagery-worker"):
        if not os.access(os.path.join(STAGE, "bin", binary), os.X_OK):
            fail(f"{STAGE}/bin/{binary} is missing: run `make stage` first")
    image_path = os.path.join(ROOT, "Tests", "Fixtures", "sepia", "input-64x48.png")
    if not os.path.exists(image_path):
        fail(f"{image_path} not found (Tests/Fixtures is part of the repository: git checkout -- Tests/Fixtures)")

    children = []
    work = tempfile.mkdtemp(prefix="imagery-staged-")
    try:
        moto = subprocess.Popen(
            [sys.executable, os.path.join(ROOT, "scripts", "moto-server.py"), "--port", "0", "--stdin-lifeline"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        children.append(moto)
        line = moto.stdout.readline().strip()
        if not line.startswith("ready "):
            fail(f"moto did not start: {line!r}")
        endpoint = line.split(" ", 1)[1]

        import boto3

        session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1")
        cloudformation = session.client("cloudformation", endpoint_url=endpoint)
        stack = "imagery-staged-" + uuid.uuid4().hex[:8]
        with open(os.path.join(ROOT, "templates", "imagery-local.yaml")) as f:
            cloudformation.create_stack(StackName=stack, TemplateBody=f.read())
        outputs = {o["OutputKey"]: o["OutputValue"] for o in cloudformation.describe_stacks(StackName=stack)["Stacks"][0]["Outputs"]}
        # What `${Name}` means in the UserData's !Sub: the resources' Ref values, which the outputs carry.
        physical = {"SQSQueue": outputs["QueueUrl"], "Bucket": outputs["BucketName"], "Table": outputs["TableName"],
                    "AWS::Region": "us-east-1", "AWS::StackName": stack,
                    # Not part of imagery-local; off EC2 the server does not wait for target health anyway.
                    "LoadBalancerTargetGroup": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/imagery/0"}

        port = free_port()
        base_environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
            # Not on EC2: the readiness signal is skipped with one log line instead of waiting for IMDS.
            "AWS_EC2_METADATA_DISABLED": "true",
        }
        processes = {}
        for role in ("server", "worker"):
            env_file = os.path.join(work, f"{role}.env")
            with open(env_file, "w") as f:
                f.write(user_data_env_lines(role, physical))
            environment = dict(base_environment, IMAGERY_ENV_FILE=env_file)
            if role == "server":
                environment.update(IMAGERY_PUBLIC_DIR=os.path.join(STAGE, "public"), IMAGERY_PORT=str(port),
                                   IMAGERY_HOST="127.0.0.1")
            log = open(os.path.join(work, f"{role}.log"), "w")
            arguments = [os.path.join(STAGE, "bin", f"imagery-{role}")] + (["run"] if role == "worker" else [])
            process = subprocess.Popen(arguments, env=environment, stdout=log, stderr=subprocess.STDOUT, cwd=work)
            children.append(process)
            processes[role] = (process, log.name)

        base = f"http://127.0.0.1:{port}"

        def healthy():
            try:
                status, _ = imagery_api.http("GET", f"{base}/health", timeout=2)
                return status == 200
            except OSError:
                return False

        wait_until("GET /health to answer 200", 30, healthy)
        status, page = imagery_api.http("GET", f"{base}/")
        if status != 200 or b"<html" not in page.lower():
            fail(f"GET / answered {status}")

        with open(image_path, "rb") as f:
            payload = f.read()
        try:
            image_id, record, png = imagery_api.process_one_png(base, payload, 60, (64, 48))
        except imagery_api.APIFailure as error:
            fail(str(error))
        width, height = 64, 48
        print(f"staged-smoke-test: ok: health 200, page served, image {image_id} processed "
              f"(version {record.get('version')}), {len(png)}-byte {width}x{height} PNG from the staged binaries")
    except SystemExit:
        for role in ("server", "worker"):
            path = os.path.join(work, f"{role}.log")
            if os.path.exists(path):
                print(f"--- {role} log ---\n" + open(path).read()[-3000:], file=sys.stderr)
        raise
    finally:
        for child in reversed(children):
            if child.poll() is None:
                if child.stdin:
                    child.stdin.close()
                else:
                    child.send_signal(signal.SIGTERM)
                try:
                    child.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    child.kill()


if __name__ == "__main__":
    main()
