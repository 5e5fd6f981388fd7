// Deploy benchmark: c2ts against docker-compose 1.29 on the same engine, in one run.
//
// For each size N it generates a stack of N busybox services in layers of 5 (every service after
// the first layer depends on one service of the layer before with condition service_healthy, the
// stack issue 13 describes), healthchecks every second, one named volume and two networks, then
// measures for each tool:
//   cold     `up -d` / `deploy` until every container is running and healthy
//   no-op    the same command again, nothing changed
//   change   one env var of one leaf service changed, until it is healthy again
//   down     removal of containers, networks and the volume
// plus the engine's own floors for a copy of the stack (another c2ts deploy in the same run), driven
// straight through the Engine API from this process (see measureFloor): start (all at once, no
// order), force (rm -f all at once: the issue's floor for down) and ordered (graceful, layer by
// layer, as Compose's and c2ts's down stop), and `node -e ""` timed under the stack's load,
// and a variant with 10 s healthcheck intervals: c2ts cold deploys with and without --no-probe
// (what readiness probing changes for real stacks, whose intervals are 10-30 s).
// docker-compose 1.29 has no --wait, so after each command both tools are polled through the
// Engine API until the project is healthy (c2ts waits by itself; the poll then ends at once).
// The table shows that total, the command alone ("cmd") and the CPU time of c2ts's process
// (user+sys, from /usr/bin/time when present). The no-op target is judged on the command alone:
// nothing needs waiting for, and the poll is the harness's cost, not the tool's.
//
//   node scripts/bench-deploy.mjs [--sizes 30,60] (or BENCH_DEPLOY_SIZES=30,60) [--runs 3] [--settle 10] [--only c2ts|compose]
//                                 [--health-interval 1s] [--timeout 300] [--c2ts "node bin/c2ts.js"]
//                                 [--probe-variant 10s]  (interval of the probing variant; "" skips it)
// --settle waits that many seconds before each tool's turn (the kernel tears network namespaces
// down well after a `down` returns); --c2ts runs another build, e.g. a copy outside the checkout.
// Every exec healthcheck costs a `runc exec` (about 90 ms of CPU on this 2-core machine): 20 of them
// a second keep both cores busy, so at N >= 20 with 1 s checks the stack alone oversubscribes the
// CPU, which slows both tools alike; the "stack load" row shows by how much.
// Build first (npm run build). Touches only projects named c2tsbench-*-<random>.
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { request } from "node:http";
import { median } from "./bench-util.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const IMAGE = "c2ts-test/busybox:latest";
const LAYER = 5;
const STEPS = ["cold", "noop", "change", "down"];
// Targets from issue 13, as fractions of docker-compose's time (down: of the engine's force-remove floor).
const TARGETS = { cold: 0.6, noop: 0.2, change: 0.3, down: 1.1 };
const NOOP_WALL_MAX_S = 0.3;

const { values: flags } = parseArgs({
  options: {
    sizes: { type: "string", default: process.env.BENCH_DEPLOY_SIZES || "30,60" },
    runs: { type: "string", default: "3" },
    settle: { type: "string", default: "10" },
    only: { type: "string" },
    c2ts: { type: "string", default: `${process.execPath} ${join(ROOT, "bin/c2ts.js")}` },
    timeout: { type: "string", default: "300" },
    "health-interval": { type: "string", default: "1s" },
    "probe-variant": { type: "string", default: "10s" },
  },
});
const sizes = flags.sizes.split(",").map((s) => Number.parseInt(s, 10));
const runs = Number.parseInt(flags.runs, 10);
const settleMs = Number(flags.settle) * 1000;
const timeoutMs = Number(flags.timeout) * 1000;
const [c2tsCmd, ...c2tsPrefix] = flags.c2ts.split(" ").filter(Boolean);
const tools = flags.only ? [flags.only] : ["compose", "c2ts"];

/** The generated stack; `changed` gives the last service an extra env var. */
function stackYaml(n, changed, interval = flags["health-interval"]) {
  const lines = ["services:"];
  for (let i = 0; i < n; i++) {
    const layer = Math.floor(i / LAYER);
    lines.push(
      `  s${i}:`,
      `    image: ${IMAGE}`,
      "    init: true",
      '    command: ["sleep", "3600"]',
      "    healthcheck:",
      '      test: ["CMD", "test", "-d", "/data"]',
      `      interval: ${interval}`,
      "      timeout: 5s",
      "      retries: 30",
      "    volumes: [shared:/data]",
      `    networks: [${i % LAYER === 0 ? "front, back" : i % 2 === 0 ? "front" : "back"}]`,
      "    environment:",
      `      INDEX: "${i}"`,
    );
    if (changed && i === n - 1) lines.push('      CHANGED: "yes"');
    if (layer > 0) lines.push("    depends_on:", `      s${i - LAYER}:`, "        condition: service_healthy");
  }
  lines.push("networks:", "  front: {}", "  back: {}", "volumes:", "  shared: {}", "");
  return lines.join("\n");
}

const TIME = existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;
let current; // the tool process running now, killed on Ctrl-C before cleaning up
let cpuFile;

/** Run a tool to completion; resolves to its CPU seconds (user+sys) when measurable. */
function run(cmd, args, env = process.env) {
  const [file, argv] = TIME ? [TIME, ["-f", "%U %S", "-o", cpuFile, cmd, ...args]] : [cmd, args];
  return new Promise((resolve, reject) => {
    // Own process group, so Ctrl-C can stop the tool and its children (behind /usr/bin/time).
    const child = spawn(file, argv, { env, stdio: ["ignore", "ignore", "pipe"], detached: true });
    current = child;
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("exit", (code) => {
      current = undefined;
      if (code !== 0) {
        reject(new Error(`${cmd} ${args.join(" ")} exited ${code}:\n${stderr.split("\n").slice(-15).join("\n")}`));
        return;
      }
      if (!TIME) return resolve(NaN);
      const [user, sys] = readFileSync(cpuFile, "utf8").trim().split("\n").pop().split(" ").map(Number);
      resolve(user + sys);
    });
  });
}

const composeEnv = { ...process.env, COMPOSE_HTTP_TIMEOUT: "600" };
const tool = {
  compose: {
    label: "docker-compose 1.29",
    up: (file, project) => run("docker-compose", ["-f", file, "-p", project, "up", "-d"], composeEnv),
    down: (file, project) => run("docker-compose", ["-f", file, "-p", project, "down", "-v"], composeEnv),
  },
  c2ts: {
    label: "c2ts",
    up: (file, project, extra = []) =>
      run(c2tsCmd, [...c2tsPrefix, "deploy", "-f", file, "-p", project, "--timeout", String(flags.timeout), ...extra]),
    down: (file, project) => run(c2tsCmd, [...c2tsPrefix, "down", "-f", file, "-p", project, "--volumes"]),
  },
};

/** IDs of one of our projects' objects, by its label: `args` is ["ps", "-a"], ["network", "ls"] or ["volume", "ls"]. */
function projectIds(project, args) {
  return execFileSync("docker", [...args, "-q", "--filter", `label=com.docker.compose.project=${project}`], {
    encoding: "utf8",
  })
    .split("\n")
    .filter(Boolean);
}

/** The project's containers as the Engine API lists them (one request, no CLI start-up). */
async function listProject(project) {
  const filters = encodeURIComponent(JSON.stringify({ label: [`com.docker.compose.project=${project}`] }));
  return JSON.parse(await engineCall("GET", `/containers/json?all=1&filters=${filters}`));
}

/** "running/healthy", "running/starting", "exited/" …: State plus the health the Status text ends with. */
function containerState(c) {
  const health = /\((healthy|unhealthy|health: starting)\)$/.exec(c.Status)?.[1]?.replace("health: ", "") ?? "";
  return `${c.State}/${health}`;
}

/**
 * Poll the Engine API until the project has n running containers, all healthy. Straight to the
 * socket from this process: a `docker` CLI poll costs seconds of its own under the stack's load,
 * which both tools would be charged for.
 */
async function waitHealthy(project, n) {
  const t0 = Date.now();
  const deadline = t0 + timeoutMs;
  let last = "";
  for (;;) {
    const states = (await listProject(project)).map(containerState);
    if (states.length === n && states.every((s) => s === "running/healthy" || s === "running/")) {
      // A long wait after a tool said it was done is worth knowing about.
      if (Date.now() - t0 > 5000)
        console.error(`  ${project}: waited ${((Date.now() - t0) / 1000).toFixed(1)}s for ${last}`);
      return;
    }
    const counts = {};
    for (const s of states) counts[s] = (counts[s] ?? 0) + 1;
    last =
      `${states.length}/${n} containers, ` +
      Object.entries(counts)
        .map(([s, c]) => `${c} ${s}`)
        .join(", ");
    if (Date.now() > deadline) throw new Error(`${project}: not healthy after ${timeoutMs / 1000}s (${last})`);
    await sleep(100);
  }
}

/** Down returns once the containers are removed: check that none is left. */
function assertGone(project) {
  const left = projectIds(project, ["ps", "-a"]);
  if (left.length) throw new Error(`${project}: ${left.length} containers left after down`);
}

const elapsed = (t0) => (performance.now() - t0) / 1000;

/** Run one step: the tool's command, then (unless down) the poll until healthy. */
async function step(command, project, n) {
  const t0 = performance.now();
  const cpu = await command();
  const cmd = elapsed(t0);
  if (n !== undefined) await waitHealthy(project, n);
  return { total: elapsed(t0), cmd, cpu };
}

/** Remove whatever is left of one of our projects, only by its own label. */
function purge(project) {
  const list = (args) => projectIds(project, args);
  const quiet = (args) => {
    try {
      execFileSync("docker", args, { stdio: "ignore" });
    } catch {
      // already gone
    }
  };
  // Requests a killed tool had in flight may still create things: go round until nothing is left.
  for (let round = 0; round < 5; round++) {
    const ids = list(["ps", "-a"]);
    const nets = list(["network", "ls"]);
    const vols = list(["volume", "ls"]);
    if (!ids.length && !nets.length && !vols.length) return;
    if (ids.length) quiet(["rm", "-f", "-v", ...ids]);
    if (nets.length) quiet(["network", "rm", ...nets]);
    if (vols.length) quiet(["volume", "rm", "-f", ...vols]);
    execFileSync("sleep", ["2"]);
  }
}

async function measure(name, n, dir) {
  const project = `c2tsbench-${name === "compose" ? "dc" : "c2ts"}-${randomBytes(3).toString("hex")}`;
  live.add(project);
  const file = join(dir, `${project}.yml`);
  writeFileSync(file, stackYaml(n, false));
  const t = tool[name];
  try {
    const cold = await step(() => t.up(file, project), project, n);
    const noop = await step(() => t.up(file, project), project, n);
    noop.load = name === "c2ts" ? await stackLoad() : NaN;
    noop.node = name === "c2ts" ? await nodeStartup() : NaN;
    writeFileSync(file, stackYaml(n, true));
    const change = await step(() => t.up(file, project), project, n);
    const down = await step(() => t.down(file, project), project);
    assertGone(project);
    return { cold, noop, change, down };
  } finally {
    purge(project);
    live.delete(project);
  }
}

/** One Engine API call on the local socket (DOCKER_HOST unix:// or the default one). */
function engineCall(method, path) {
  const host = process.env.DOCKER_HOST ?? "";
  const socketPath = host.startsWith("unix://") ? host.slice("unix://".length) : "/var/run/docker.sock";
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path, headers: { "content-length": 0 } }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () =>
        res.statusCode < 300 || res.statusCode === 304 || res.statusCode === 404
          ? resolve(body)
          : reject(new Error(`${method} ${path}: ${res.statusCode} ${body.trim()}`)),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

/**
 * The engine's floors, each measured on a c2ts-deployed copy of the stack, driven straight through
 * the Engine API from this process (no CLI start-up, no dependency order unless said):
 *   start    every container stopped, then all started at once, until all are healthy: what a cold
 *            deploy would cost with no depends_on at all (creation excluded; both tools create ahead)
 *   force    every container force-removed at once (SIGKILL), then networks and the volume: the
 *            issue's floor for down
 *   ordered  each layer stopped gracefully after the layer that depends on it (a layer at once),
 *            then containers, networks and the volume removed: what a down that keeps Compose's
 *            order costs the engine (shown beside the force ratio)
 */
async function measureFloor(n, dir, kind) {
  const project = `c2tsbench-floor-${randomBytes(3).toString("hex")}`;
  live.add(project);
  const file = join(dir, `${project}.yml`);
  writeFileSync(file, stackYaml(n, false));
  try {
    await step(() => tool.c2ts.up(file, project), project, n);
    const containers = await listProject(project);
    const ids = containers.map((c) => c.Id);
    const [nets, vols] = [projectIds(project, ["network", "ls"]), projectIds(project, ["volume", "ls"])];
    if (kind === "start") {
      await Promise.all(ids.map((id) => engineCall("POST", `/containers/${id}/stop`)));
      const t0 = performance.now();
      await Promise.all(ids.map((id) => engineCall("POST", `/containers/${id}/start`)));
      await waitHealthy(project, n);
      return elapsed(t0);
    }
    const byLayer = [];
    for (const c of containers) {
      const layer = Math.floor(Number(c.Labels["com.docker.compose.service"].slice(1)) / LAYER);
      (byLayer[layer] ??= []).push(c.Id);
    }
    const t0 = performance.now();
    if (kind === "ordered") {
      for (const layer of [...byLayer].reverse())
        await Promise.all((layer ?? []).map((id) => engineCall("POST", `/containers/${id}/stop`)));
    }
    await Promise.all(ids.map((id) => engineCall("DELETE", `/containers/${id}?force=1&v=1`)));
    await Promise.all(nets.map((id) => engineCall("DELETE", `/networks/${id}`)));
    await Promise.all(vols.map((name) => engineCall("DELETE", `/volumes/${name}`)));
    return elapsed(t0);
  } finally {
    purge(project);
    live.delete(project);
  }
}

/**
 * Median wall time of `node -e ""`, run while the stack is up: what any Node program pays to start
 * under the load of the stack's own healthchecks, the floor under a no-op's wall time.
 */
async function nodeStartup() {
  const times = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    execFileSync(process.execPath, ["-e", ""]);
    times.push(elapsed(t0));
  }
  return median(times);
}

/**
 * The share of this machine's CPU the running stack keeps busy by itself (its healthchecks), over
 * 5 s with no tool running, from /proc/stat; NaN when the engine is elsewhere (DOCKER_HOST tcp/ssh).
 */
async function stackLoad() {
  const host = process.env.DOCKER_HOST ?? "";
  if ((host && !host.startsWith("unix://")) || !existsSync("/proc/stat")) return NaN;
  const sample = () => {
    const ticks = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1, 9).map(Number);
    return { idle: ticks[3] + ticks[4], total: ticks.reduce((a, b) => a + b, 0) };
  };
  const before = sample();
  await sleep(5000);
  const after = sample();
  return 1 - (after.idle - before.idle) / (after.total - before.total);
}

/** c2ts cold deploy until all healthy with `interval` healthchecks, with or without readiness probing. */
async function measureProbe(n, dir, interval, probe) {
  const project = `c2tsbench-probe-${randomBytes(3).toString("hex")}`;
  live.add(project);
  const file = join(dir, `${project}.yml`);
  writeFileSync(file, stackYaml(n, false, interval));
  try {
    return (await step(() => tool.c2ts.up(file, project, probe ? [] : ["--no-probe"]), project, n)).total;
  } finally {
    purge(project);
    live.delete(project);
  }
}

const live = new Set();
function cleanupAndExit(code) {
  if (current?.pid) {
    try {
      process.kill(-current.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  for (const p of live) purge(p);
  process.exit(code);
}
process.on("SIGINT", () => cleanupAndExit(130));
process.on("SIGTERM", () => cleanupAndExit(143));

/** The medians table of one size; printed as soon as that size is done. */
function printTable(n, results, engineVersion, floors) {
  const [start, ordered, force] = ["start", "ordered", "force"].map((k) =>
    floors[k].length ? median(floors[k]) : NaN,
  );
  const c2tsMedian = (field) => (results.c2ts.length ? median(results.c2ts.map((m) => m.noop[field])) : NaN);
  const [nodeStart, load] = [c2tsMedian("node"), c2tsMedian("load")];
  console.log(`\nN = ${n} services: medians of ${runs} run(s), engine ${engineVersion}, ${cpus().length} cores,`);
  console.log(
    `healthchecks every ${flags["health-interval"]}; total = command + poll until healthy, cmd = command alone,`,
  );
  console.log("cpu = user+sys of the c2ts process; down is judged against the engine's force-remove floor (issue 13)");
  const fmt = (v, unit = "s") => (Number.isNaN(v) ? "-" : `${v.toFixed(2)}${unit}`);
  const header = ["step", "compose", "c2ts", "ratio", "compose cmd", "c2ts cmd", "cmd ratio", "c2ts cpu", "target"];
  const rows = [header];
  for (const s of STEPS) {
    const med = (name, field) => (results[name].length ? median(results[name].map((m) => m[s][field])) : NaN);
    const [dc, c2, dcCmd, c2Cmd, c2Cpu] = [
      med("compose", "total"),
      med("c2ts", "total"),
      med("compose", "cmd"),
      med("c2ts", "cmd"),
      med("c2ts", "cpu"),
    ];
    const target = TARGETS[s];
    const judged = s === "noop" ? c2Cmd / dcCmd : s === "down" ? c2 / force : c2 / dc;
    const wallOk = s !== "noop" || n !== 30 || c2Cmd < NOOP_WALL_MAX_S;
    const met = judged <= target && wallOk;
    const what =
      s === "noop"
        ? ` (cmd)${n === 30 ? ` and < ${NOOP_WALL_MAX_S} s` : ""}`
        : s === "down"
          ? ` force floor (${(c2 / ordered).toFixed(2)}× ordered floor)`
          : s === "cold"
            ? ` (${(c2 / start).toFixed(2)}× start floor)`
            : "";
    const verdict =
      target === undefined || Number.isNaN(judged)
        ? ""
        : `${judged.toFixed(2)}× ≤ ${target}×${what}: ${met ? "met" : "MISSED"}`;
    rows.push([
      s,
      fmt(dc),
      fmt(c2),
      fmt(c2 / dc, "×"),
      fmt(dcCmd),
      fmt(c2Cmd),
      fmt(c2Cmd / dcCmd, "×"),
      fmt(c2Cpu),
      verdict,
    ]);
  }
  const floorRow = (name, value, what) => rows.push([name, "", value, "", "", "", "", "", what]);
  floorRow("start", fmt(start), "floor: all stopped containers started at once, until healthy (Engine API)");
  floorRow("ordered", fmt(ordered), "floor: stop layer by layer with grace, then remove (Engine API)");
  floorRow("force", fmt(force), "floor: rm -f all at once, then networks and volume (Engine API)");
  floorRow("node -e", fmt(nodeStart), 'floor: `node -e ""` while the stack runs (median of 5)');
  floorRow(
    "stack load",
    Number.isNaN(load) ? "-" : `${(load * 100).toFixed(0)}%`,
    `CPU busy with the stack up and no tool running (5 s, ${cpus().length} cores): its healthchecks`,
  );
  const widths = header.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) {
    console.log(
      r.map((c, i) => (i === 0 || i === r.length - 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  "),
    );
  }
}

async function main() {
  execFileSync("bash", [join(ROOT, "scripts/engine/start-dockerd.sh")], { stdio: "inherit" });
  execFileSync("bash", [join(ROOT, "scripts/engine/build-test-image.sh")], { stdio: "inherit" });
  const engineVersion = execFileSync("docker", ["version", "--format", "{{.Server.Version}}"], {
    encoding: "utf8",
  }).trim();
  const dir = mkdtempSync(join(tmpdir(), "c2ts-bench-deploy-"));
  cpuFile = join(dir, "cpu");
  const results = {};
  try {
    for (const n of sizes) {
      results[n] = { compose: [], c2ts: [] };
      for (let r = 0; r < runs; r++) {
        // Alternate who goes first: the engine is slower right after a down (namespace teardown).
        const order = r % 2 === 0 ? tools : [...tools].reverse();
        for (const name of order) {
          if (settleMs > 0) await sleep(settleMs);
          const m = await measure(name, n, dir);
          results[n][name].push(m);
          console.error(
            `N=${n} run ${r + 1}/${runs} ${tool[name].label}: ` +
              STEPS.map((s) => `${s} ${m[s].total.toFixed(2)}s (cmd ${m[s].cmd.toFixed(2)}s)`).join("  "),
          );
        }
      }
      const floors = { start: [], ordered: [], force: [] };
      if (tools.includes("c2ts")) {
        for (const kind of ["start", "ordered", "force"]) {
          if (settleMs > 0) await sleep(settleMs);
          floors[kind].push(await measureFloor(n, dir, kind));
          console.error(`N=${n} ${kind} floor: ${floors[kind].at(-1).toFixed(2)}s`);
        }
      }
      printTable(n, results[n], engineVersion, floors);
    }
    if (flags["probe-variant"] && tools.includes("c2ts")) {
      const n = sizes[0];
      const interval = flags["probe-variant"];
      const timed = {};
      for (const probe of [true, false]) {
        if (settleMs > 0) await sleep(settleMs);
        timed[probe] = await measureProbe(n, dir, interval, probe);
        console.error(
          `N=${n} interval ${interval} c2ts ${probe ? "with" : "--no-probe"}: cold ${timed[probe].toFixed(2)}s`,
        );
      }
      console.log(`\nN = ${n}, healthchecks every ${interval}: cold until all healthy (c2ts)`);
      console.log(`  with readiness probing  ${timed.true.toFixed(2)}s`);
      console.log(`  --no-probe              ${timed.false.toFixed(2)}s`);
      console.log(`  ratio                   ${(timed.true / timed.false).toFixed(2)}×`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  cleanupAndExit(1);
});
