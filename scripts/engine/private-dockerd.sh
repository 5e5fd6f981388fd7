#!/usr/bin/env bash
# A throw-away Docker engine that a test may freeze (SIGSTOP) or kill, never the shared one.
#
#   bash scripts/engine/private-dockerd.sh up DIR     start dockerd in its own network namespace,
#                                                     state under DIR, socket DIR/docker.sock; load
#                                                     the test image; print dockerd's pid
#   bash scripts/engine/private-dockerd.sh down DIR   stop it (SIGCONT first, in case it is frozen)
#                                                     and remove DIR
#
# `unshare --net`: its bridges and iptables rules live in a namespace of their own and vanish with
# it; the namespace has only loopback, which is all a test needs (it talks over the unix socket).
set -euo pipefail
IMAGE=${C2TS_TEST_IMAGE:-c2ts-test/busybox:latest}
TIMEOUT=${C2TS_DOCKERD_TIMEOUT:-60}
cmd=${1:?up|down}
dir=${2:?state directory}

case "$cmd" in
  up)
    mkdir -p "$dir/data" "$dir/exec"
    sock="$dir/docker.sock"
    setsid unshare --net dockerd --data-root "$dir/data" --exec-root "$dir/exec" --pidfile "$dir/dockerd.pid" \
      -H "unix://$sock" --iptables=false --ip6tables=false --bridge none --tls=false \
      --cgroup-parent c2ts-private-dockerd >"$dir/dockerd.log" 2>&1 </dev/null &
    for _ in $(seq 1 $((TIMEOUT * 5))); do
      if [ -S "$sock" ] && docker -H "unix://$sock" info >/dev/null 2>&1; then break; fi
      sleep 0.2
    done
    docker -H "unix://$sock" info >/dev/null 2>&1 || { tail -20 "$dir/dockerd.log" >&2; exit 1; }
    docker save "$IMAGE" | docker -H "unix://$sock" load >/dev/null
    echo "$(cat "$dir/dockerd.pid")"
    ;;
  down)
    if [ -f "$dir/dockerd.pid" ]; then
      pid=$(cat "$dir/dockerd.pid")
      if kill -0 "$pid" 2>/dev/null; then
        kill -CONT "$pid" 2>/dev/null || true
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$pid" 2>/dev/null || true
      fi
    fi
    # Mounts dockerd may have left (overlay layers, shm) go before the directory.
    grep -o " $dir/[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 up|down DIR" >&2; exit 2 ;;
esac
