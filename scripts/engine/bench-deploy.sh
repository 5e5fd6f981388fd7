#!/usr/bin/env bash
# Cold deploy, no-op deploy and down of a generated N-service stack (default 60; every service
# beyond the first ten waits for the one ten before it), with docker-compose 1.29 and with c2ts
# (dist/ runtime driven by the loader), back to back on the same engine. Prints seconds per step.
# The kernel keeps tearing down network namespaces well after a `down` returns, which slows the
# next run, so each tool starts only once the engine has settled (SETTLE seconds, default 20);
# ORDER=c2ts-first swaps who goes first.
#   bash scripts/engine/bench-deploy.sh [N]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

N=${1:-60}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

bash scripts/engine/start-dockerd.sh
bash scripts/engine/build-test-image.sh
[ -f dist/runtime/index.js ] || npm run build >/dev/null

{
  echo 'version: "2.4"'
  echo 'services:'
  for i in $(seq 0 $((N - 1))); do
    echo "  s$i:"
    echo "    image: c2ts-test/busybox:latest"
    echo "    init: true"
    echo '    command: ["sleep", "3600"]'
    echo "    environment: {N: \"$i\"}"
    if [ "$i" -ge 10 ]; then echo "    depends_on: [s$((i - 10))]"; fi
  done
} > "$work/docker-compose.yml"

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

c2ts() {
  node --input-type=module -e '
    const [cmd, file, name] = process.argv.slice(1);
    const { loadProject } = await import(process.cwd() + "/dist/compose/loader.js");
    const runtime = await import(process.cwd() + "/dist/runtime/index.js");
    const { project } = await loadProject({ files: [file], projectName: name });
    const r = cmd === "down" ? await runtime.down(project) : await runtime.deploy(project);
    if (!r.result.ok) { console.error(JSON.stringify(r.result.errors)); process.exit(1); }
  ' "$@"
}

results=()
run_compose() {
  command -v docker-compose >/dev/null 2>&1 || return 0
  sleep "${SETTLE:-20}"
  local t0 t1 t2 t3
  t0=$(now); docker-compose -f "$work/docker-compose.yml" -p c2tsbench-dc up -d >/dev/null 2>&1; t1=$(now)
  docker-compose -f "$work/docker-compose.yml" -p c2tsbench-dc up -d >/dev/null 2>&1; t2=$(now)
  docker-compose -f "$work/docker-compose.yml" -p c2tsbench-dc down >/dev/null 2>&1; t3=$(now)
  results+=("docker-compose $(docker-compose version --short 2>/dev/null): cold $(secs "$t0" "$t1")s  no-op $(secs "$t1" "$t2")s  down $(secs "$t2" "$t3")s")
}
run_c2ts() {
  sleep "${SETTLE:-20}"
  local t0 t1 t2 t3
  t0=$(now); c2ts deploy "$work/docker-compose.yml" c2tsbench-c2ts; t1=$(now)
  c2ts deploy "$work/docker-compose.yml" c2tsbench-c2ts; t2=$(now)
  c2ts down "$work/docker-compose.yml" c2tsbench-c2ts; t3=$(now)
  results+=("c2ts: cold $(secs "$t0" "$t1")s  no-op $(secs "$t1" "$t2")s  down $(secs "$t2" "$t3")s")
}
if [ "${ORDER:-}" = "c2ts-first" ]; then run_c2ts; run_compose; else run_compose; run_c2ts; fi

echo "$N services, engine $(docker version --format '{{.Server.Version}}'), load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%s\n' "${results[@]}"
