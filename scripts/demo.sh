#!/usr/bin/env bash
# The local demo (`make demo`): builds infra, imagery-server and imagery-worker, starts moto on
# 127.0.0.1, deploys the imagery-local stack with `infra deploy`, runs the server and the worker as
# local processes configured from the stack's outputs, pushes the sample image in
# Tests/Fixtures/sepia through the API until it is processed, and prints the page's URL.
# Ctrl-C (SIGINT or SIGTERM) stops the server, the worker and the moto it started.
#
# MOTO_PORT (default 5000) and IMAGERY_PORT (default 8080) choose the ports.
set -euo pipefail
cd "$(dirname "$0")/.."
moto_port="${MOTO_PORT:-5000}"
port="${IMAGERY_PORT:-8080}"
moto_url="http://127.0.0.1:$moto_port"
base="http://127.0.0.1:$port"
sample="Tests/Fixtures/sepia/input-64x48.png"
moto_pid_file=".infra/moto.pid"
mkdir -p .infra

say() { printf 'demo: %s\n' "$*"; }
fail() { printf 'demo: %s\n' "$*" >&2; exit 1; }

# A moto that `make moto-start` left running on this port is used as it is and left running.
moto_pid=""
moto_started_here=false
reuse_moto=false
if [ -f "$moto_pid_file" ] && kill -0 "$(cat "$moto_pid_file")" 2>/dev/null &&
   curl -fsS -o /dev/null "$moto_url/moto-api/data.json" 2>/dev/null; then
  say "using the moto already running on $moto_url (pid $(cat "$moto_pid_file")); it stays running after the demo"
  reuse_moto=true
else
  python3 scripts/port-check.py "$moto_port" MOTO_PORT || exit 1
fi
python3 scripts/port-check.py "$port" IMAGERY_PORT || exit 1

say "building infra, imagery-server and imagery-worker (debug; the first build takes several minutes)"
for product in infra imagery-server imagery-worker; do
  swift build --product "$product" || fail "swift build --product $product failed (output above)"
done
bin="$(swift build --show-bin-path)"

pids=()
stopping=false
cleanup() {
  local status=$?
  trap - INT TERM EXIT
  # Stop everything first and talk afterwards: when Ctrl-C also ended whatever reads our output (a pipe
  # to tee, say), writing to it must not end this script before moto is stopped.
  trap '' PIPE
  $stopping && return
  stopping=true
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 50); do
    alive=false
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=true; done
    $alive || break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  if $moto_started_here && [ -n "$moto_pid" ]; then
    kill -TERM "$moto_pid" 2>/dev/null || true
    wait "$moto_pid" 2>/dev/null || true
    rm -f "$moto_pid_file"
  fi
  wait 2>/dev/null || true
  echo 2>/dev/null || true
  if $moto_started_here; then say "stopped the server, the worker and moto" 2>/dev/null || true
  else say "stopped the server and the worker (moto was running before the demo and still is)" 2>/dev/null || true; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if ! $reuse_moto; then
  say "starting moto on $moto_url (log .infra/moto.log)"
  python3 scripts/moto-server.py --port "$moto_port" > .infra/moto.log 2>&1 &
  moto_pid=$!
  moto_started_here=true
  echo "$moto_pid" > "$moto_pid_file"
  for _ in $(seq 1 300); do
    grep -q '^ready ' .infra/moto.log 2>/dev/null && break
    kill -0 "$moto_pid" 2>/dev/null || { cat .infra/moto.log >&2; fail "moto exited; is it installed? (make deps)"; }
    sleep 0.1
  done
  grep -q '^ready ' .infra/moto.log || fail "moto did not answer within 30 s; see .infra/moto.log"
fi

export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true \
  AWS_ENDPOINT_URL="$moto_url"
say "deploying the imagery-local stack (bucket, table, queue and dead-letter queue) to moto"
"$bin/infra" deploy --template imagery-local --stack-name imagery-local --no-validate --yes --progress events
"$bin/infra" outputs --stack-name imagery-local --format env > .infra/imagery-local.env
export IMAGERY_ENV_FILE="$PWD/.infra/imagery-local.env"

IMAGERY_PORT="$port" IMAGERY_HOST=127.0.0.1 "$bin/imagery-server" > .infra/imagery-server.log 2>&1 & pids+=($!)
server_pid=$!
"$bin/imagery-worker" run > .infra/imagery-worker.log 2>&1 & pids+=($!)
worker_pid=$!
for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "$base/health" 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.2
done
curl -fsS -o /dev/null "$base/health" 2>/dev/null ||
  { tail -n 20 .infra/imagery-server.log >&2; fail "the server did not come up on $base; its log is above (.infra/imagery-server.log)"; }
kill -0 "$worker_pid" 2>/dev/null ||
  { tail -n 20 .infra/imagery-worker.log >&2; fail "the worker exited; its log is above (.infra/imagery-worker.log)"; }
say "server on $base (pid $server_pid), worker (pid $worker_pid); logs in .infra/imagery-server.log and .infra/imagery-worker.log"

json_field() { python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
id=$(curl -fsS -X POST -H 'Accept: application/json' "$base/image" | json_field id)
curl -fsS -o /dev/null -H 'Accept: application/json' -F "file=@$sample;type=image/png" "$base/image/$id/upload"
say "uploaded $sample as image $id"
state=""
for _ in $(seq 1 150); do
  state=$(curl -fsS -H 'Accept: application/json' "$base/image/$id" | json_field state)
  [ "$state" = processed ] || [ "$state" = failed ] && break
  sleep 0.2
done
[ "$state" = processed ] ||
  { tail -n 20 .infra/imagery-worker.log >&2; fail "image $id is '$state', not processed; the worker's log is above"; }
say "image $id is processed: $base/#view=$id"
echo
echo "Imagery runs locally: open $base/ in a browser. Ctrl-C stops the server, the worker and moto."

# Until Ctrl-C, or until the server or the worker exits by itself (then say which, with its log).
set +e
wait -n "$server_pid" "$worker_pid"
kill -0 "$server_pid" 2>/dev/null || { tail -n 20 .infra/imagery-server.log >&2; fail "the server exited; its log is above"; }
tail -n 20 .infra/imagery-worker.log >&2
fail "the worker exited; its log is above"
