#!/usr/bin/env bash
# Installs and starts everything c2ts's tests and demo need on a fresh Debian machine (as root):
# system packages, a Docker engine, the registry-free busybox test image, and node modules.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for pair in dockerd:docker.io busybox:busybox-static haproxy:haproxy docker-compose:docker-compose ip:iproute2 nsenter:util-linux; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || need+=("${pair#*:}")
done
[ -x /bin/busybox ] || need+=(busybox-static)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi

# Builds need nothing more: c2ts drives the BuildKit built into dockerd (docker.io) over its API.
bash scripts/engine/start-dockerd.sh
bash scripts/engine/build-test-image.sh

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
[ -f dist/cli/main.js ] || npm run build
