#!/usr/bin/env node
// c2ts deploy vs `docker stack deploy --detach=false` on a single-node swarm (the namespace engine of
// scripts/cluster/nodes.sh with the c2tssw prefix, never the shared engine): N services in layers of
// 5, each layer depending on the one before with service_healthy, health checks every 1 s.
// Measures a cold deploy (until every task is healthy), a no-op redeploy (and how many services it
// updated), and a one-service change. Prints medians and ratios; asserts nothing.
// The stack's own health checks are 30 `runc exec` a second while it is up: on a small shared
// machine that load slows every task start c2ts waits for, while docker stack's figure is mostly
// its fixed 5 s stability wait per service (30 of them, one after the other). Report the load average.
//
//   npm run bench:swarm            (BENCH_RUNS=3, BENCH_SERVICES=30)
/* global setTimeout -- Node global */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { C2TS_BIN, NODES_SH, run } from "./cluster/harness.mjs";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const N = Number(process.env.BENCH_SERVICES ?? 30);
const LAYER = 5;
const ENV = {
  C2TS_CLUSTER_COUNT: "1",
  C2TS_CLUSTER_NET: "10.254.78",
  C2TS_CLUSTER_PREFIX: "c2tssw",
};
const SOCK = "unix:///run/c2tssw-n1.sock";

/** The stack; `longDepends` gives c2ts service_healthy, docker stack's schema only takes the list form (and ignores it). */
function compose(version, longDepends) {
  const lines = ["services:"];
  for (let i = 0; i < N; i++) {
    const layer = Math.floor(i / LAYER);
    const deps = layer === 0 ? [] : Array.from({ length: LAYER }, (_, j) => `s${(layer - 1) * LAYER + j}`);
    lines.push(
      `  s${i}:`,
      `    image: c2ts-test/busybox:latest`,
      `    init: true`,
      `    command: ["sh", "-c", "echo ok > /tmp/index.html; exec httpd -f -p 80 -h /tmp"]`,
      `    environment: { VERSION: "${i === N - 1 ? version : 1}" }`,
      `    healthcheck: { test: ["CMD", "wget", "-q", "-O-", "http://127.0.0.1/"], interval: 1s, timeout: 3s, retries: 3, start_period: 0s }`,
      `    deploy: { endpoint_mode: dnsrr }`,
    );
    if (deps.length && longDepends) {
      lines.push(`    depends_on:`);
      for (const d of deps) lines.push(`      ${d}: { condition: service_healthy }`);
    } else if (deps.length) lines.push(`    depends_on: [${deps.join(", ")}]`);
  }
  return lines.join("\n") + "\n";
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function must(cmd, args, opts) {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

async function versions(stack) {
  const ids = (
    await must("docker", ["-H", SOCK, "service", "ls", "-q", "--filter", `label=com.docker.stack.namespace=${stack}`])
  ).stdout
    .split("\n")
    .filter(Boolean);
  if (!ids.length) return {};
  const out = await must("docker", [
    "-H",
    SOCK,
    "service",
    "inspect",
    ...ids,
    "--format",
    "{{.Spec.Name}} {{.Version.Index}}",
  ]);
  return Object.fromEntries(
    out.stdout
      .trim()
      .split("\n")
      .map((l) => l.split(" ")),
  );
}

const changed = (a, b) => Object.keys(b).filter((k) => a[k] !== b[k]).length;

async function main() {
  await must("bash", [NODES_SH, "up"], { env: { ...process.env, ...ENV } });
  const dir = mkdtempSync(join(tmpdir(), "c2ts-bench-swarm-"));
  writeFileSync(
    join(dir, "c2ts.config.ts"),
    `import { defineCluster } from "c2ts";\nexport default defineCluster({ domain: "bench.test", orchestrator: "swarm", nodes: [{ name: "sw1", address: "10.254.78.1", engine: "${SOCK}" }], localNode: "sw1" });\n`,
  );
  const env = { ...process.env, DOCKER_HOST: SOCK, NO_COLOR: "1" };
  writeFileSync(join(dir, "compose.yaml"), compose(1, true));
  await must("node", [C2TS_BIN, "nodes", "join", "-f", "compose.yaml"], { cwd: dir, env });
  const c2ts = (args) =>
    must("node", [C2TS_BIN, ...args, "-f", "compose.yaml", "-p", "benchc2ts"], { cwd: dir, env, timeoutMs: 900_000 });
  const stack = (args) => must("docker", ["-H", SOCK, "stack", ...args], { cwd: dir, env, timeoutMs: 900_000 });
  const results = {
    c2ts: { cold: [], noop: [], change: [], noopUpdates: [] },
    stack: { cold: [], noop: [], change: [], noopUpdates: [] },
  };

  for (let r = 0; r < RUNS; r++) {
    // c2ts
    writeFileSync(join(dir, "compose.yaml"), compose(1, true));
    await c2ts(["down"]);
    results.c2ts.cold.push((await c2ts(["deploy"])).ms);
    let before = await versions("benchc2ts");
    results.c2ts.noop.push((await c2ts(["deploy"])).ms);
    results.c2ts.noopUpdates.push(changed(before, await versions("benchc2ts")));
    writeFileSync(join(dir, "compose.yaml"), compose(2, true));
    results.c2ts.change.push((await c2ts(["deploy"])).ms);
    await c2ts(["down"]);

    // docker stack deploy
    writeFileSync(join(dir, "stack.yaml"), compose(1, false));
    results.stack.cold.push((await stack(["deploy", "--detach=false", "-c", "stack.yaml", "benchstack"])).ms);
    before = await versions("benchstack");
    results.stack.noop.push((await stack(["deploy", "--detach=false", "-c", "stack.yaml", "benchstack"])).ms);
    results.stack.noopUpdates.push(changed(before, await versions("benchstack")));
    writeFileSync(join(dir, "stack.yaml"), compose(2, false));
    results.stack.change.push((await stack(["deploy", "--detach=false", "-c", "stack.yaml", "benchstack"])).ms);
    await stack(["rm", "benchstack"]);
    // stack rm returns before the tasks are gone; the next cold deploy must start from nothing.
    for (let i = 0; i < 120 && Object.keys(await versions("benchstack")).length; i++)
      await new Promise((res) => setTimeout(res, 500));
    await new Promise((res) => setTimeout(res, 5000));
    console.error(`run ${r + 1}/${RUNS} done`);
  }
  rmSync(dir, { recursive: true, force: true });

  const row = (name, key) => {
    const a = median(results.c2ts[key]);
    const b = median(results.stack[key]);
    return `| ${name} | ${(a / 1000).toFixed(2)} s | ${(b / 1000).toFixed(2)} s | ${(a / b).toFixed(2)}× |`;
  };
  console.log(`bench:swarm — ${N} services in layers of ${LAYER}, health checks every 1 s, ${RUNS} run(s), medians`);
  console.log("| case | c2ts deploy | docker stack deploy --detach=false | ratio |");
  console.log("| --- | --- | --- | --- |");
  console.log(row("cold, to all tasks healthy", "cold"));
  console.log(row("no-op redeploy", "noop"));
  console.log(row("one service changed", "change"));
  console.log(
    `services updated by a no-op redeploy: c2ts ${median(results.c2ts.noopUpdates)}, docker stack ${median(results.stack.noopUpdates)}`,
  );
}

main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
