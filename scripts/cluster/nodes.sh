#!/usr/bin/env bash
# Three extra Docker engines, each a separate "host" in its own network namespace, for the cluster
# tests (test/e2e/cluster.test.ts) and scripts/bench-cluster.mjs.
#
#   bash scripts/cluster/nodes.sh up        create namespaces + bridge, start the engines, load the test image
#   bash scripts/cluster/nodes.sh down      stop the engines, remove namespaces, links and state dirs
#   bash scripts/cluster/nodes.sh status    one line per node: address, engine answering or not
#   bash scripts/cluster/nodes.sh cut NODE  take NODE off the network (its link goes down), as a crashed host
#   bash scripts/cluster/nodes.sh heal NODE bring NODE's link back
#
# Layout (all of it created here, nothing else touched), for PREFIX=c2ts and NET=10.254.77 (the
# defaults; C2TS_CLUSTER_PREFIX and C2TS_CLUSTER_NET choose others, so test files can each have their
# own cluster without colliding): bridge c2ts-br0 with 10.254.77.254/24 on the
# host; node nX = namespace c2ts-nX with eth0 = 10.254.77.X/24 (veth, host end c2ts-nXh on the bridge);
# dockerd of nX listens on unix:///run/c2ts-nX.sock and tcp://10.254.77.X:2375, state in
# /var/lib/c2ts-nX and /run/c2ts-nX, log in /tmp/c2ts-nX-dockerd.log, containers in the cgroup
# c2ts-nodes/nX (see CPU_SHARES below). The namespaces have no default
# route: they reach the host and each other, nothing beyond. Ports a node publishes are reachable
# from the host at 10.254.77.X.
#
# dockerd is started with `nsenter --net=…`, not `ip netns exec`: the latter also remounts /sys in a
# new mount namespace, which hides the cgroup hierarchy from dockerd. `--tls=false` because a TCP
# listener without TLS otherwise makes dockerd wait 15 s on purpose. Every step checks before it acts,
# so `up` and `down` can be run any number of times.
set -euo pipefail

# Fixed: fixtures/cluster/tailscale-status.json and scripts/cluster/harness.mjs name these nodes.
# Other test files (traefik delivery, swarm) run their own sets with another prefix, subnet and count.
COUNT=${C2TS_CLUSTER_COUNT:-3}
PREFIX=${C2TS_CLUSTER_PREFIX:-c2ts}
NET=${C2TS_CLUSTER_NET:-10.254.77}
# Interface names are at most 15 characters: "<prefix>-n1h".
[[ "$PREFIX" =~ ^[a-z][a-z0-9]{0,9}$ ]] || { echo "nodes.sh: C2TS_CLUSTER_PREFIX must be 1-10 lower-case letters/digits" >&2; exit 2; }
[[ "$NET" =~ ^10\.[0-9]{1,3}\.[0-9]{1,3}$ ]] || { echo "nodes.sh: C2TS_CLUSTER_NET must look like 10.254.77" >&2; exit 2; }
BRIDGE=$PREFIX-br0
HOST_IP="$NET.254"
IMAGE=${C2TS_TEST_IMAGE:-c2ts-test/busybox:latest}
TIMEOUT=${C2TS_DOCKERD_TIMEOUT:-60}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

log() { echo "nodes.sh: $*" >&2; }
die() { log "$*"; exit 1; }

ns() { echo "$PREFIX-n$1"; }
addr() { echo "$NET.$1"; }
sock() { echo "/run/$PREFIX-n$1.sock"; }
pidfile() { echo "/run/$PREFIX-n$1.pid"; }
data_root() { echo "/var/lib/$PREFIX-n$1"; }
exec_root() { echo "/run/$PREFIX-n$1"; }
logfile() { echo "/tmp/$PREFIX-n$1-dockerd.log"; }
# Container bridges inside each namespace; distinct only so that addresses in logs say which node.
bip() { echo "172.29.$1.1/24"; }
# The nodes' containers get their own cgroup, weighted above the default (CPU_SHARES, default 10240
# = ten ordinary processes): the failover test measures timing, and on a busy CI machine the
# containers would otherwise share one ordinary weight with every other container of the host.
CGROUP=$PREFIX-nodes
CPU_SHARES=${C2TS_CLUSTER_CPU_SHARES:-10240}
cgroup_parent() { echo "/$CGROUP/n$1"; }

node_index() {
  case "${1:-}" in
    n[0-9]*) echo "${1#n}" ;;
    *) die "unknown node \"${1:-}\" (use n1..n$COUNT)" ;;
  esac
}

engine_answers() {
  [ -S "$(sock "$1")" ] && timeout 5 docker -H "unix://$(sock "$1")" version --format '{{.Server.Version}}' >/dev/null 2>&1
}

engine_pid() {
  local pid
  pid=$(cat "$(pidfile "$1")" 2>/dev/null) || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

preflight() {
  [ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces, dockerd)"
  for cmd in ip nsenter dockerd docker timeout; do
    command -v "$cmd" >/dev/null 2>&1 || die "$cmd not found"
  done
}

# Node-to-node frames cross the bridge, and with br_netfilter loaded (the host's dockerd loads it)
# they go through the host's FORWARD chain, whose policy Docker sets to DROP; this rule lets them
# through, for this bridge only.
FORWARD_RULE=(-i "$BRIDGE" -o "$BRIDGE" -j ACCEPT)

setup_bridge() {
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link add "$BRIDGE" type bridge
  fi
  # Not grep -q: it can exit before ip has written everything, and under pipefail the SIGPIPE fails the test.
  ip addr show dev "$BRIDGE" | grep "inet $HOST_IP/" >/dev/null || ip addr add "$HOST_IP/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  if command -v iptables >/dev/null 2>&1 && ! iptables -C FORWARD "${FORWARD_RULE[@]}" 2>/dev/null; then
    iptables -I FORWARD 1 "${FORWARD_RULE[@]}"
  fi
}

setup_cgroup() {
  if [ -d /sys/fs/cgroup/cpu ] && [ ! -f /sys/fs/cgroup/cgroup.controllers ]; then
    mkdir -p "/sys/fs/cgroup/cpu/$CGROUP"
    echo "$CPU_SHARES" >"/sys/fs/cgroup/cpu/$CGROUP/cpu.shares" || true
  elif [ -f /sys/fs/cgroup/cgroup.controllers ]; then
    mkdir -p "/sys/fs/cgroup/$CGROUP"
    # cgroup v2 weight: 100 is the default, as 1024 shares are in v1.
    echo $((CPU_SHARES * 100 / 1024)) >"/sys/fs/cgroup/$CGROUP/cpu.weight" 2>/dev/null || true
  fi
}

remove_cgroup() {
  local d
  for d in /sys/fs/cgroup/*/"$CGROUP" "/sys/fs/cgroup/$CGROUP"; do
    [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
  return 0
}

setup_namespace() {
  local i=$1 name host_end
  name=$(ns "$i")
  host_end="${name}h"
  [ -e "/var/run/netns/$name" ] || ip netns add "$name"
  if ! ip link show "$host_end" >/dev/null 2>&1; then
    ip link add "$host_end" type veth peer name "${name}p" netns "$name"
    ip -n "$name" link set "${name}p" name eth0
  fi
  ip link set "$host_end" master "$BRIDGE"
  ip link set "$host_end" up
  ip -n "$name" link set lo up
  ip -n "$name" addr show dev eth0 | grep "inet $(addr "$i")/" >/dev/null || ip -n "$name" addr add "$(addr "$i")/24" dev eth0
  ip -n "$name" link set eth0 up
}

start_engine() {
  local i=$1
  engine_answers "$i" && return 0
  if ! engine_pid "$i" >/dev/null; then
    mkdir -p "$(data_root "$i")" "$(exec_root "$i")"
    log "starting dockerd of n$i at $(addr "$i") (log: $(logfile "$i"))"
    # setsid + nohup: the engine outlives this script and the test process that ran it.
    setsid nohup nsenter --net="/var/run/netns/$(ns "$i")" \
      dockerd \
      --data-root "$(data_root "$i")" \
      --exec-root "$(exec_root "$i")" \
      --pidfile "$(pidfile "$i")" \
      -H "unix://$(sock "$i")" \
      -H "tcp://$(addr "$i"):2375" \
      --tls=false \
      --bip "$(bip "$i")" \
      --cgroup-parent "$(cgroup_parent "$i")" \
      >>"$(logfile "$i")" 2>&1 </dev/null &
  fi
}

wait_engine() {
  local i=$1 deadline=$((SECONDS + TIMEOUT))
  until engine_answers "$i"; do
    if [ $SECONDS -ge $deadline ]; then
      log "dockerd of n$i did not answer within ${TIMEOUT}s; last log lines:"
      tail -n 30 "$(logfile "$i")" >&2 || true
      exit 1
    fi
    sleep 0.3
  done
}

load_image() {
  local i=$1 want have
  want=$(docker image inspect --format '{{.Id}}' "$IMAGE")
  have=$(docker -H "unix://$(sock "$i")" image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)
  [ "$want" = "$have" ] && return 0
  docker save "$IMAGE" | docker -H "unix://$(sock "$i")" load -q >/dev/null
}

up() {
  preflight
  bash "$root/scripts/engine/start-dockerd.sh"
  bash "$root/scripts/engine/build-test-image.sh"
  setup_bridge
  setup_cgroup
  # Nodes come up in parallel; a plain `wait` would also wait for the engines, which never end.
  local i pid pids=()
  for i in $(seq 1 "$COUNT"); do
    (setup_namespace "$i"; start_engine "$i"; wait_engine "$i"; load_image "$i") &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid"; done
  status
}

stop_engine() {
  local i=$1 pid deadline
  pid=$(engine_pid "$i") || return 0
  kill -TERM "$pid"
  deadline=$((SECONDS + 40))
  while kill -0 "$pid" 2>/dev/null; do
    if [ $SECONDS -ge $deadline ]; then
      log "dockerd of n$i ($pid) still running after 40s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.2
  done
}

# dockerd unmounts its layers on a clean stop; after a KILL some may be left behind.
unmount_under() {
  local dir=$1 mnt
  awk -v d="$dir" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/mounts | sort -r | while read -r mnt; do
    umount -l "$mnt" 2>/dev/null || true
  done
}

remove_node() {
  local i=$1 name
  name=$(ns "$i")
  ip link del "${name}h" 2>/dev/null || true
  [ -e "/var/run/netns/$name" ] && ip netns del "$name"
  unmount_under "$(exec_root "$i")"
  unmount_under "$(data_root "$i")"
  rm -rf "$(exec_root "$i")" "$(data_root "$i")" "$(sock "$i")" "$(pidfile "$i")"
}

down() {
  preflight
  local i pid stops=()
  for i in $(seq 1 "$COUNT"); do
    # A cut node's engine still runs; bring its link back so the stop is not slowed by anything.
    ip link set "$(ns "$i")h" up 2>/dev/null || true
    stop_engine "$i" & stops+=($!)
  done
  for pid in "${stops[@]}"; do wait "$pid"; done
  for i in $(seq 1 "$COUNT"); do remove_node "$i"; done
  ip link del "$BRIDGE" 2>/dev/null || true
  while command -v iptables >/dev/null 2>&1 && iptables -C FORWARD "${FORWARD_RULE[@]}" 2>/dev/null; do
    iptables -D FORWARD "${FORWARD_RULE[@]}"
  done
  remove_cgroup
  log "removed $COUNT nodes"
}

status() {
  local i state
  for i in $(seq 1 "$COUNT"); do
    if engine_answers "$i"; then state="engine up"; else state="engine down"; fi
    if ip link show "$(ns "$i")h" 2>/dev/null | grep -q 'state DOWN'; then state="$state, link cut"; fi
    echo "n$i $(addr "$i") tcp://$(addr "$i"):2375 $state"
  done
}

cut() {
  local i
  i=$(node_index "$1")
  ip link set "$(ns "$i")h" down
}

heal() {
  local i
  i=$(node_index "$1")
  ip link set "$(ns "$i")h" up
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  cut) cut "${2:-}" ;;
  heal) heal "${2:-}" ;;
  *) echo "usage: $0 up|down|status|cut NODE|heal NODE" >&2; exit 2 ;;
esac
