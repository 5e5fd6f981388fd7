#!/usr/bin/env bash
# Make sure a Docker engine answers on the local socket; safe to run any number of times.
# Installs docker.io + busybox-static when missing, starts dockerd in the background
# (log: /tmp/c2ts-dockerd.log) and waits up to 60 s for `docker info`.
set -euo pipefail

LOG=/tmp/c2ts-dockerd.log
SOCK=/var/run/docker.sock
TIMEOUT=${C2TS_DOCKERD_TIMEOUT:-60}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi
}

engine_answers() {
  [ -S "$SOCK" ] && docker -H "unix://$SOCK" info >/dev/null 2>&1
}

install_missing() {
  local missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  command -v docker >/dev/null 2>&1 || missing+=(docker.io)
  [ -x /bin/busybox ] && file_is_static /bin/busybox || missing+=(busybox-static)
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "start-dockerd: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# busybox-static is what gets copied into a FROM-scratch image, so it must not need a libc.
file_is_static() {
  ! ldd "$1" >/dev/null 2>&1
}

# With an explicit remote DOCKER_HOST there is nothing to start locally.
if [ -n "${DOCKER_HOST:-}" ] && [ "${DOCKER_HOST#unix://}" = "$DOCKER_HOST" ]; then
  docker info >/dev/null
  exit 0
fi

install_missing

if engine_answers; then
  exit 0
fi

if ! pgrep -x dockerd >/dev/null 2>&1; then
  echo "start-dockerd: starting dockerd (log: $LOG)" >&2
  as_root setsid bash -c "nohup dockerd >>'$LOG' 2>&1 </dev/null &"
fi

deadline=$((SECONDS + TIMEOUT))
until engine_answers; do
  if [ $SECONDS -ge $deadline ]; then
    echo "start-dockerd: dockerd did not answer within ${TIMEOUT}s; last log lines:" >&2
    tail -n 30 "$LOG" >&2 || true
    exit 1
  fi
  sleep 0.3
done
echo "start-dockerd: engine ready ($(docker version --format '{{.Server.Version}}' 2>/dev/null))" >&2
