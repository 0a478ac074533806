#!/usr/bin/env python3
"""The example package (Examples/JobService) as its user would run it, against a moto of its own.

Builds the package (a separate SwiftPM package that depends on this repository by path), runs its tests
(the template snapshot), `jobs synth --check`, then `deploy`, `outputs` (JSON and env), `status`,
`destroy`, and checks that the stack is gone. Exits non-zero with the failing step on the first problem.
"""
import json
import os
import pathlib
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "Examples" / "JobService"


def fail(message: str) -> None:
    print(f"example-test: FAIL: {message}", file=sys.stderr)
    print("example-test: moto's log is Examples/JobService/.infra/moto.log", file=sys.stderr)
    sys.exit(1)


def run(args, env=None, expect=0, quiet=False):
    started = time.monotonic()
    result = subprocess.run(args, cwd=PACKAGE, env=env, capture_output=True, text=True)
    took = time.monotonic() - started
    if not quiet:
        shown = [pathlib.Path(args[0]).name, *map(str, args[1:])]
        print(f"example-test: {' '.join(shown)}: exit {result.returncode} ({took:.1f} s)")
    if expect is not None and result.returncode != expect:
        fail(f"{' '.join(map(str, args))} exited {result.returncode}, expected {expect}\n"
             f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}")
    return result


def main() -> None:
    swift = os.environ.get("SWIFT", "swift")
    run([swift, "build"])
    run([swift, "test"])
    bin_path = pathlib.Path(run([swift, "build", "--show-bin-path"], quiet=True).stdout.strip())
    jobs = str(bin_path / "jobs")
    run([jobs, "synth", "--check"])

    log_path = PACKAGE / ".infra" / "moto.log"
    log_path.parent.mkdir(exist_ok=True)
    log = open(log_path, "w")
    moto = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "moto-server.py"), "--port", "0"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        line = moto.stdout.readline().strip() if moto.stdout else ""
        if not line.startswith("ready "):
            fail(f"moto did not start (said {line!r}); install it with `make deps`")
        endpoint = line.split(" ", 1)[1]
        env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_REGION="us-east-1",
                   AWS_EC2_METADATA_DISABLED="true", AWS_ENDPOINT_URL=endpoint)
        stack = ["--stack-name", "jobs-example"]
        deployed = run([jobs, "deploy", *stack, "--yes", "--progress", "events"], env=env)
        if "CREATE_COMPLETE" not in deployed.stdout:
            fail(f"deploy did not report CREATE_COMPLETE:\n{deployed.stdout}")
        outputs = json.loads(run([jobs, "outputs", *stack], env=env).stdout)
        expected = {"IntakeQueueUrl", "RetryQueueUrl", "JobsTableName", "ResultsBucketName"}
        if set(outputs) != expected:
            fail(f"outputs are {sorted(outputs)}, expected {sorted(expected)}")
        if not outputs["IntakeQueueUrl"].endswith("IntakeQueue") and "Intake" not in outputs["IntakeQueueUrl"]:
            fail(f"IntakeQueueUrl does not name the intake queue: {outputs['IntakeQueueUrl']}")
        lines = run([jobs, "outputs", *stack, "--format", "env"], env=env).stdout.splitlines()
        for variable, output in [("JOBS_INTAKE_QUEUE_URL", "IntakeQueueUrl"), ("JOBS_RETRY_QUEUE_URL", "RetryQueueUrl"),
                                 ("JOBS_TABLE", "JobsTableName"), ("JOBS_RESULTS_BUCKET", "ResultsBucketName")]:
            if f"{variable}={outputs[output]}" not in lines:
                fail(f"outputs --format env lacks {variable}={outputs[output]}:\n" + "\n".join(lines))
        status = run([jobs, "status", *stack], env=env).stdout
        for resource in ["IntakeQueue", "IntakeDLQueue", "RetryQueue", "RetryDLQueue", "Jobs", "Results", "WorkerRole"]:
            if f"  {resource} " not in status:
                fail(f"status does not list {resource}:\n{status}")
        run([jobs, "destroy", *stack, "--yes", "--progress", "events"], env=env)
        gone = run([jobs, "status", *stack], env=env, expect=1)
        if "does not exist" not in gone.stderr:
            fail(f"after destroy, status should say the stack does not exist:\n{gone.stderr}")
        again = run([jobs, "destroy", *stack, "--yes"], env=env)
        if "othing to destroy" not in again.stdout + again.stderr:
            fail(f"a second destroy should have nothing to destroy:\n{again.stdout}{again.stderr}")
    finally:
        if moto.stdin:
            moto.stdin.close()
        moto.terminate()
        moto.wait(timeout=10)
        log.close()
    print("example-test: PASS (build, snapshot test, synth --check, deploy, outputs, status, destroy against moto)")


if __name__ == "__main__":
    main()
