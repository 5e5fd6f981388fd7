// Benchmark for multi-node deploys and failover on the three namespace engines of
// scripts/cluster/nodes.sh (started here; stopped at the end unless C2TS_KEEP_NODES=1):
//   1. wall time of `c2ts deploy --all-nodes` against `--node n1`, then n2, then n3 run back to back
//      (the same stack, fixtures/cluster; `down --all-nodes` between runs; the order of the two
//      alternates from run to run), medians over RUNS (default 3); the ratio's target is ≤ 0.5;
//   2. failover through the generated HAProxy config: the time from taking n1 (the node serving the
//      traffic) off the network until requests succeed again, and how many failed, over FAILOVERS
//      (default 3) cuts.
// Needs root, dockerd, haproxy and a built CLI (npm run build). Run: npm run bench:cluster
/* global performance -- a Node 20 global */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { median } from "./bench-util.mjs";
import {
  c2ts,
  c2tsOk,
  cutNode,
  healNode,
  measureFailover,
  NODES,
  nodesSh,
  prepareProject,
  ROOT,
  startHaproxy,
  stopHaproxy,
  waitSteady,
} from "./cluster/harness.mjs";

const RUNS = Number(process.env.RUNS ?? 3);
const FAILOVERS = Number(process.env.FAILOVERS ?? 3);
const RATIO_TARGET = 0.5;

if (!existsSync(join(ROOT, "dist/cli/main.js"))) {
  console.error("bench-cluster: dist/ is missing; run `npm run build` first");
  process.exit(1);
}
if (process.getuid?.() !== 0) {
  console.error("bench-cluster: needs root (network namespaces, extra dockerd)");
  process.exit(1);
}

// The CLI's own parser of HAProxy times, from the build checked for above.
const { haproxyTimeMs } = await import("../dist/proxy/haproxy.js");

const sec = (ms) => `${(ms / 1000).toFixed(2)} s`;
const list = (values) => `[${values.map((v) => (v / 1000).toFixed(2)).join(", ")}]`;

console.error("bench-cluster: starting the namespace engines (scripts/cluster/nodes.sh up)…");
await nodesSh("up");
const project = await prepareProject("c2ts-bench-cluster");
let haproxy;
try {
  await c2ts(project, ["down", "--all-nodes"]);

  const parallel = [];
  const sequential = [];
  const perNode = Object.fromEntries(NODES.map((n) => [n.name, []]));
  for (let run = 0; run < RUNS; run++) {
    const order = run % 2 === 0 ? ["parallel", "sequential"] : ["sequential", "parallel"];
    for (const kind of order) {
      console.error(
        `bench-cluster: run ${run + 1}/${RUNS}: ${kind === "parallel" ? "deploy --all-nodes" : "deploy --node n1; n2; n3"}`,
      );
      if (kind === "parallel") {
        parallel.push((await c2tsOk(project, ["deploy", "--all-nodes"])).ms);
      } else {
        const start = performance.now();
        for (const n of NODES) perNode[n.name].push((await c2tsOk(project, ["deploy", "--node", n.name])).ms);
        sequential.push(performance.now() - start);
      }
      await c2tsOk(project, ["down", "--all-nodes"]);
    }
  }

  console.error("bench-cluster: failover runs");
  await c2tsOk(project, ["deploy", "--all-nodes"]);
  const out = join(project.dir, "out");
  await c2tsOk(project, ["proxy", "--out", out]);
  const cfg = join(out, "haproxy/haproxy.cfg");
  const text = readFileSync(cfg, "utf8");
  const inter = /server n1 \S+ check inter (\S+) fastinter \S+ fall (\d+)/.exec(text);
  if (!inter) throw new Error(`no "server n1 … check inter … fastinter … fall …" line in ${cfg}`);
  const interMs = haproxyTimeMs(inter[1]);
  const fall = Number(inter[2]);
  // The check window: the generated backend marks a vanished node down within inter × fall
  // (each check bounded by inter/4, failing servers re-checked every inter/4; see src/proxy/haproxy.ts).
  const bound = fall * interMs;
  haproxy = await startHaproxy(cfg, project.ports.stats, "be_pong");
  const failovers = [];
  for (let i = 0; i < FAILOVERS; i++) {
    await waitSteady(project.ports.pong, project.ports.stats, "be_pong", { expectedServer: "n1", timeoutMs: 60_000 });
    const m = await measureFailover({ port: project.ports.pong, kill: () => cutNode("n1"), settleMs: bound + 3000 });
    failovers.push(m);
    console.error(
      `bench-cluster: failover ${i + 1}/${FAILOVERS}: first backup answer ${m.firstSuccessMs.toFixed(0)} ms, no failure after ${m.failoverMs.toFixed(0)} ms, ${m.failed}/${m.requests} failed`,
    );
    await healNode("n1");
  }

  const pm = median(parallel);
  const sm = median(sequential);
  const ratio = pm / sm;
  const fm = median(failovers.map((f) => f.failoverMs));
  const fs = median(failovers.map((f) => f.firstSuccessMs));
  const lost = median(failovers.map((f) => f.failed));
  const rows = [
    ["deploy --all-nodes (3 nodes in parallel)", sec(pm), list(parallel)],
    ["deploy --node n1; n2; n3 (back to back)", sec(sm), list(sequential)],
    ...NODES.map((n) => [`  of which --node ${n.name}`, sec(median(perNode[n.name])), list(perNode[n.name])]),
    [
      "ratio all-nodes / sequential",
      ratio.toFixed(2),
      `target ≤ ${RATIO_TARGET}: ${ratio <= RATIO_TARGET ? "met" : "MISSED"}`,
    ],
    [
      `n1 cut → first answer from n2 (inter ${inter[1]} × fall ${inter[2]})`,
      `${fs.toFixed(0)} ms`,
      `[${failovers.map((f) => f.firstSuccessMs.toFixed(0)).join(", ")}] ms; check window inter × fall = ${bound} ms`,
    ],
    [
      "n1 cut → no failed request after",
      `${fm.toFixed(0)} ms`,
      `[${failovers.map((f) => f.failoverMs.toFixed(0)).join(", ")}] ms (Infinity: a request failed at the very end)`,
    ],
    [
      "failed requests per failover (1 every 50 ms)",
      String(lost),
      `[${failovers.map((f) => `${f.failed}/${f.requests}`).join(", ")}]`,
    ],
  ];
  const l1 = Math.max(...rows.map((r) => r[0].length));
  console.log(
    `\nc2ts cluster benchmark: 3 namespace engines, stack fixtures/cluster (2 services per node), ${RUNS} deploy runs, ${FAILOVERS} failovers`,
  );
  console.log(
    `machine: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")} load average at the end\n`,
  );
  console.log(`${"".padEnd(l1)}  ${"median".padStart(9)}  runs`);
  for (const [label, value, detail] of rows) console.log(`${label.padEnd(l1)}  ${value.padStart(9)}  ${detail}`);
} finally {
  await stopHaproxy(haproxy);
  await healNode("n1").catch(() => undefined);
  await c2ts(project, ["down", "--all-nodes"]).catch(() => undefined);
  rmSync(project.dir, { recursive: true, force: true });
  if (!process.env.C2TS_KEEP_NODES) await nodesSh("down");
}
