#!/usr/bin/env bash
# The local demo: moto on 127.0.0.1, the imagery-local stack deployed with `infra deploy`, the server
# and the worker as local processes configured from the stack outputs, one sample image pushed
# through the API until it is processed, and the page's URL. Ctrl-C stops everything it started.
#
# Called by `make demo` after `make deps`, `make moto-start` and `make demo-stack`.
set -euo pipefail
cd "$(dirname "$0")/.."
moto_url="${MOTO_URL:-http://127.0.0.1:5000}"
port="${IMAGERY_PORT:-8080}"
shared="${IMAGERY_SHARED_DIR:-../shared}"
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true \
  AWS_ENDPOINT_URL="$moto_url"

swift build --product imagery-server --product imagery-worker >/dev/null 2>&1 || {
  swift build --product imagery-server && swift build --product imagery-worker; }
bin="$(swift build --show-bin-path)"
mkdir -p .infra
swift run -q infra outputs --stack-name imagery-local --endpoint-url "$moto_url" --format env > .infra/imagery-local.env
export IMAGERY_ENV_FILE="$PWD/.infra/imagery-local.env"

pids=()
cleanup() {
  trap - INT TERM EXIT
  echo; echo "stopping the server, the worker and moto"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  make -s moto-stop || true
}
trap cleanup INT TERM EXIT

IMAGERY_PORT="$port" IMAGERY_HOST=127.0.0.1 "$bin/imagery-server" > .infra/imagery-server.log 2>&1 & pids+=($!)
"$bin/imagery-worker" run > .infra/imagery-worker.log 2>&1 & pids+=($!)
base="http://127.0.0.1:$port"
for _ in $(seq 1 100); do curl -fsS "$base/health" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fsS "$base/health" >/dev/null || { echo "the server did not come up; see .infra/imagery-server.log"; exit 1; }

id=$(curl -fsS -X POST -H 'Accept: application/json' "$base/image" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
sample="$shared/testdata/sepia/input-64x48.png"
curl -fsS -H 'Accept: application/json' -F "file=@$sample;type=image/png" "$base/image/$id/upload" >/dev/null
echo "uploaded $sample as image $id"
state=""
for _ in $(seq 1 150); do
  state=$(curl -fsS -H 'Accept: application/json' "$base/image/$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')
  [ "$state" = processed ] || [ "$state" = failed ] && break
  sleep 0.2
done
echo "image $id is $state: $base/image/$id"
[ "$state" = processed ] || { echo "see .infra/imagery-worker.log"; exit 1; }
echo
echo "Imagery runs locally: open $base/ in a browser (logs in .infra/imagery-*.log). Ctrl-C stops everything."
wait
