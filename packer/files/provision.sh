#!/usr/bin/env bash
# Installs Imagery onto a Debian 12 machine (Packer's shell provisioner), or into a scratch root for tests.
#
#   provision.sh [--root DIR] [--stage DIR]
#
# --stage  the staged tree made by `make stage` (bin/, public/, systemd/); default $IMAGERY_STAGE or
#          this script's directory.
# --root   install below DIR instead of /. Package installation, the SSM agent and systemctl are
#          skipped there (they act on the running system); files, modes and the user are not.
set -euo pipefail

root=""
stage="${IMAGERY_STAGE:-$(cd "$(dirname "$0")" && pwd)}"
while [ $# -gt 0 ]; do
  case "$1" in
    --root) root="${2:?--root needs a directory}"; shift 2 ;;
    --stage) stage="${2:?--stage needs a directory}"; shift 2 ;;
    *) echo "provision.sh: unknown argument '$1' (use --root DIR, --stage DIR)" >&2; exit 2 ;;
  esac
done

# Absolute paths: the asset copy below runs from inside the stage directory.
stage="$(cd "$stage" && pwd)"
if [ -n "$root" ]; then
  mkdir -p "$root"
  root="$(cd "$root" && pwd)"
fi

for required in bin/imagery-server bin/imagery-worker systemd/imagery-server.service systemd/imagery-worker.service; do
  [ -e "$stage/$required" ] || { echo "provision.sh: $stage/$required is missing; run 'make stage' first" >&2; exit 1; }
done

log() { echo "provision: $*"; }

# Files belong to root so the service user cannot change its own code. A scratch-root run as an
# ordinary user keeps that user's ownership (it cannot chown).
owner=(-o root -g root)
if [ "$(id -u)" != 0 ]; then
  [ -n "$root" ] || { echo "provision.sh: must run as root (or with --root DIR)" >&2; exit 1; }
  owner=()
fi

if [ -z "$root" ]; then
  # The libraries the binaries link directly (checked by `make release`; their own dependencies come
  # with them), CA certificates for TLS
  # to AWS, and nothing else. Swift's runtime is linked statically.
  log "installing runtime packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends \
    ca-certificates curl libcurl4 libxml2 libjpeg62-turbo libpng16-16 zlib1g
  apt-get clean
  rm -rf /var/lib/apt/lists/*
  # The stack grants Session Manager instead of SSH, so the agent must be on the image.
  if ! dpkg-query -W -f='${Status}' amazon-ssm-agent 2>/dev/null | grep -q "ok installed"; then
    token=$(curl -fsS -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' http://169.254.169.254/latest/api/token)
    region=$(curl -fsS -H "X-aws-ec2-metadata-token: $token" http://169.254.169.254/latest/meta-data/placement/region)
    log "installing the SSM agent for $region"
    curl -fsSL -o /tmp/amazon-ssm-agent.deb \
      "https://s3.$region.amazonaws.com/amazon-ssm-$region/latest/debian_amd64/amazon-ssm-agent.deb"
    dpkg -i /tmp/amazon-ssm-agent.deb
    rm -f /tmp/amazon-ssm-agent.deb
    systemctl enable amazon-ssm-agent
  fi
fi

# A dedicated system user without a login or a home directory.
if [ -z "$root" ]; then
  getent passwd imagery >/dev/null || useradd --system --user-group --no-create-home --home-dir /nonexistent \
    --shell /usr/sbin/nologin imagery
elif [ -f "$root/etc/passwd" ] && [ "$(id -u)" = 0 ]; then
  grep -q '^imagery:' "$root/etc/passwd" || useradd --root "$root" --system --user-group --no-create-home \
    --home-dir /nonexistent --shell /usr/sbin/nologin imagery
else
  log "no $root/etc/passwd, or not root: skipping the imagery user"
fi

log "installing binaries, web assets and units"
install -d -m 0755 "$root/opt/imagery" "$root/opt/imagery/bin" "$root/opt/imagery/public" "$root/etc/imagery" \
  "$root/etc/systemd/system"
install -m 0755 "${owner[@]}" "$stage/bin/imagery-server" "$stage/bin/imagery-worker" "$root/opt/imagery/bin/"
if [ -d "$stage/public" ]; then
  (cd "$stage/public" && find . -type d -exec install -d -m 0755 "${owner[@]}" "$root/opt/imagery/public/{}" \;)
  (cd "$stage/public" && find . -type f -exec install -m 0644 "${owner[@]}" "{}" "$root/opt/imagery/public/{}" \;)
fi
install -m 0644 "${owner[@]}" "$stage/systemd/imagery-server.service" "$stage/systemd/imagery-worker.service" \
  "$root/etc/systemd/system/"

# Installed, not enabled: each instance's UserData writes /etc/imagery/env and starts its one service.
if [ -z "$root" ]; then
  systemctl daemon-reload
fi
log "done"
