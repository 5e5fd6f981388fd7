// What test/e2e/cluster.test.ts and scripts/bench-cluster.mjs share: a throw-away project directory
// wired to the namespace engines of nodes.sh through the stand-in `tailscale`, the built CLI,
// HAProxy as a child process, and the client loop that measures a failover.
/* global fetch, AbortSignal, performance, setTimeout, clearTimeout -- Node 20 globals */
import { execFile, spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const NODES_SH = join(ROOT, "scripts/cluster/nodes.sh");
export const C2TS_BIN = join(ROOT, "bin/c2ts.js");
const FIXTURES = join(ROOT, "fixtures/cluster");

/**
 * Which cluster of nodes.sh: the prefix of its namespaces, links, sockets and state directories, and
 * its /24 (the fixtures say 10.254.77; other subnets are substituted when a project is prepared).
 * Test files that bring up their own cluster pick their own, so they never collide.
 */
export const DEFAULT_LAYOUT = { prefix: "c2ts", net: "10.254.77" };
const FIXTURE_NET = "10.254.77";

/** The nodes nodes.sh creates for `layout`, in the order the stand-in Tailscale lists them. */
export function nodesOf(layout = DEFAULT_LAYOUT) {
  return [1, 2, 3].map((i) => ({
    name: `n${i}`,
    ip: `${layout.net}.${i}`,
    socket: `/run/${layout.prefix}-n${i}.sock`,
  }));
}

/** The nodes of the default cluster. */
export const NODES = nodesOf();

/** Runs a command; resolves with its output and exit code, never rejects on a non-zero exit. */
export function run(cmd, args, { cwd, env, timeoutMs = 300_000 } = {}) {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    execFile(cmd, args, { cwd, env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const ms = performance.now() - start;
      if (error && typeof error.code !== "number") return reject(Object.assign(error, { stdout, stderr }));
      resolve({ code: error ? error.code : 0, stdout, stderr, ms });
    });
  });
}

/** `bash scripts/cluster/nodes.sh <args>` for the default cluster; throws with its stderr when it fails. */
export function nodesSh(...args) {
  return nodesShFor(DEFAULT_LAYOUT, ...args);
}

/** Same, for the cluster `layout` describes. */
export async function nodesShFor(layout, ...args) {
  const env = { ...process.env, C2TS_CLUSTER_PREFIX: layout.prefix, C2TS_CLUSTER_NET: layout.net };
  const r = await run("bash", [NODES_SH, ...args], { env, timeoutMs: 300_000 });
  if (r.code !== 0) throw new Error(`nodes.sh ${args.join(" ")} failed (${r.code}):\n${r.stderr}`);
  return r.stdout;
}

/** A TCP port nothing on the host listens on right now (on every address). */
export async function freePort() {
  const server = createServer();
  await new Promise((resolve, reject) => server.once("error", reject).listen(0, resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * A temporary project directory holding the cluster fixture (compose.yaml, c2ts.config.ts; from
 * `fixture`, default fixtures/cluster) and a bin/ with the stand-in `tailscale`, addresses moved to
 * `layout`'s subnet; `env` puts that bin/ first on PATH and sets the project name and the ports the
 * fixture interpolates.
 */
export async function prepareProject(name, { layout = DEFAULT_LAYOUT, fixture = FIXTURES } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "c2ts-cluster-"));
  mkdirSync(join(dir, "bin"));
  const copy = (from, to) =>
    writeFileSync(to, readFileSync(from, "utf8").replaceAll(`${FIXTURE_NET}.`, `${layout.net}.`));
  for (const f of ["compose.yaml", "c2ts.config.ts"]) copy(join(fixture, f), join(dir, f));
  for (const f of ["tailscale", "tailscale-status.json"]) copy(join(FIXTURES, f), join(dir, "bin", f));
  chmodSync(join(dir, "bin", "tailscale"), 0o755);
  const ports = { pong: await freePort(), web: await freePort(), stats: await freePort() };
  const env = {
    ...process.env,
    PATH: `${join(dir, "bin")}:${process.env.PATH ?? ""}`,
    C2TS_CLUSTER_PROJECT: name,
    PONG_PORT: String(ports.pong),
    WEB_PORT: String(ports.web),
    HAPROXY_STATS_PORT: String(ports.stats),
    NO_COLOR: "1",
  };
  delete env.DOCKER_HOST;
  return { dir, env, ports };
}

/** `node bin/c2ts.js <args>` in the project directory. */
export function c2ts(project, args, timeoutMs = 300_000) {
  return run(process.execPath, [C2TS_BIN, ...args], { cwd: project.dir, env: project.env, timeoutMs });
}

/** Same, but throws with the output when the command fails. */
export async function c2tsOk(project, args, timeoutMs) {
  const r = await c2ts(project, args, timeoutMs);
  if (r.code !== 0) throw new Error(`c2ts ${args.join(" ")} exited ${r.code}:\n${r.stderr}\n${r.stdout}`);
  return r;
}

/** One Redis-style round trip: connect, `PING`, expect `+PONG` within `timeoutMs`. */
export function ping(port, timeoutMs = 1000, host = "127.0.0.1") {
  return new Promise((resolve) => {
    let data = "";
    let done = false;
    const socket = connect({ host, port });
    const finish = (ok, error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ok, ...(error ? { error } : {}) });
    };
    const timer = setTimeout(() => finish(false, "timeout"), timeoutMs);
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk) => {
      data += chunk.toString("latin1");
      if (data.includes("+PONG\r\n")) finish(true);
      else if (data.includes("\r\n")) finish(false, `answer ${JSON.stringify(data)}`);
    });
    socket.on("error", (e) => finish(false, e.code ?? e.message));
    socket.on("close", () => finish(false, data ? `closed after ${JSON.stringify(data)}` : "closed"));
  });
}

/** Status and session counters per server of one backend, from HAProxy's CSV stats page. */
export async function backendStats(statsPort, backend) {
  const res = await fetch(`http://127.0.0.1:${statsPort}/;csv`);
  const lines = (await res.text()).split("\n");
  const header = lines[0].replace(/^# /, "").split(",");
  const col = (name) => header.indexOf(name);
  const out = {};
  for (const line of lines.slice(1)) {
    const cols = line.split(",");
    if (cols[0] !== backend || !cols[1] || cols[1] === "BACKEND") continue;
    out[cols[1]] = { status: cols[col("status")], sessions: Number(cols[col("stot")]) };
  }
  return out;
}

/**
 * Starts `haproxy -f <cfg> -db` and waits until every server of `backend` has been checked UP
 * (so the measurement starts from a steady state). The caller stops it with `stopHaproxy`.
 * `masterWorker`: run it as master and worker (-W), so that `reloadHaproxy` can reload it without
 * losing connections (since HAProxy 2.2 the new worker takes over the listening sockets).
 */
export async function startHaproxy(cfg, statsPort, backend, { timeoutMs = 15_000, masterWorker = false } = {}) {
  const child = spawn("haproxy", ["-f", cfg, "-db", ...(masterWorker ? ["-W"] : [])], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = [];
  child.stdout.on("data", (d) => output.push(d.toString()));
  child.stderr.on("data", (d) => output.push(d.toString()));
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  const haproxy = { child, output, exited };
  await untilServersUp(haproxy, statsPort, backend, undefined, timeoutMs);
  return haproxy;
}

/**
 * Reloads an HAProxy started with `masterWorker` after its config file changed (SIGUSR2 to the
 * master) and waits until the new worker reports every one of `servers` UP.
 */
export async function reloadHaproxy(haproxy, statsPort, backend, servers, { timeoutMs = 20_000 } = {}) {
  haproxy.child.kill("SIGUSR2");
  await untilServersUp(haproxy, statsPort, backend, servers, timeoutMs);
}

async function untilServersUp(haproxy, statsPort, backend, servers, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let last = {};
  for (;;) {
    const early = await Promise.race([haproxy.exited, new Promise((r) => setTimeout(() => r(undefined), 200))]);
    if (early) throw new Error(`haproxy exited (${JSON.stringify(early)}):\n${haproxy.output.join("")}`);
    last = await backendStats(statsPort, backend).catch(() => ({}));
    const names = servers ?? Object.keys(last);
    if (names.length > 0 && names.every((n) => last[n]?.status === "UP")) return;
    if (Date.now() > deadline) {
      haproxy.child.kill("SIGKILL");
      throw new Error(
        `haproxy servers not all UP within ${timeoutMs} ms: ${JSON.stringify(last)}\n${haproxy.output.join("")}`,
      );
    }
  }
}

export async function stopHaproxy(haproxy) {
  if (!haproxy || haproxy.child.exitCode !== null || haproxy.child.signalCode !== null) return;
  haproxy.child.kill("SIGTERM");
  const timer = setTimeout(() => haproxy.child.kill("SIGKILL"), 5000);
  await haproxy.exited;
  clearTimeout(timer);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until HAProxy sees the servers `up` (default: every server of `backend`) UP and `count` requests in a row succeed through
 * `port` (in `expectedServer`'s session counter when given), so a measurement starts from a steady state.
 */
export async function waitSteady(
  port,
  statsPort,
  backend,
  { count = 10, timeoutMs = 20_000, expectedServer, up } = {},
) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    const before = await backendStats(statsPort, backend).catch(() => ({}));
    const names = up ?? Object.keys(before);
    if (names.length > 0 && names.every((n) => before[n]?.status === "UP")) {
      const results = [];
      for (let i = 0; i < count; i++) results.push(await ping(port, 3000));
      const after = await backendStats(statsPort, backend).catch(() => ({}));
      const served = expectedServer
        ? (after[expectedServer]?.sessions ?? 0) - (before[expectedServer]?.sessions ?? 0)
        : count;
      if (results.every((r) => r.ok) && served === count) return;
      last = { results: results.filter((r) => !r.ok), served, stats: after };
    } else {
      last = { stats: before };
    }
    if (Date.now() > deadline) throw new Error(`no steady state within ${timeoutMs} ms: ${JSON.stringify(last)}`);
    await sleep(300);
  }
}

/** Takes a node off the network, as `nodes.sh cut` does, without a shell in between (timing matters). */
export async function cutNode(name, layout = DEFAULT_LAYOUT) {
  const r = await run("ip", ["link", "set", `${layout.prefix}-${name}h`, "down"]);
  if (r.code !== 0) throw new Error(`cannot cut ${name}: ${r.stderr}`);
}

export async function healNode(name, layout = DEFAULT_LAYOUT) {
  const r = await run("ip", ["link", "set", `${layout.prefix}-${name}h`, "up"]);
  if (r.code !== 0) throw new Error(`cannot heal ${name}: ${r.stderr}`);
}

/** The docker CLI against one node's engine (its unix socket); throws with the output when it fails. */
export async function nodeDocker(node, args) {
  const r = await run("docker", ["-H", `unix://${node.socket}`, ...args]);
  if (r.code !== 0) throw new Error(`docker ${args.join(" ")} on ${node.name} failed (${r.code}):\n${r.stderr}`);
  return r.stdout;
}

/**
 * Open-loop client through HAProxy: a new connection every `everyMs`, each with its own
 * `requestTimeoutMs` (a hung request does not delay the next), `warmupMs` of steady traffic, then
 * `kill()`, then traffic until `settleMs` after the kill (or, given `until`, `settleMs` after that
 * promise settled: the test's own steps after the kill) or `maxMs` in all. Times are relative to
 * the moment kill() was called:
 *   failoverMs      — start of the first request after which no request failed (0 if none failed
 *                     after the kill, Infinity if the last request failed);
 *   failed          — requests that failed (timeout, reset, close, wrong answer);
 *   firstSuccessMs  — start of the first request sent after the kill took effect that succeeded
 *                     (unlike failoverMs, not moved by a later, unrelated failure);
 *   failedBeforeKill — of those, the ones sent while everything was healthy: more than `graceMs`
 *                     before the kill (a request still in flight when its server vanishes is lost
 *                     with it, and on a loaded machine an answer can take a few hundred ms).
 */
export async function measureFailover({
  port,
  kill,
  everyMs = 50,
  requestTimeoutMs = 3000,
  warmupMs = 1000,
  settleMs = 4000,
  maxMs = 20_000,
  graceMs = 300,
  until,
}) {
  const requests = [];
  const t0 = performance.now();
  let untilAt;
  until?.then(
    () => (untilAt = performance.now() - t0),
    () => (untilAt = performance.now() - t0),
  );
  let killAt;
  let killTookMs;
  let killPromise;
  for (;;) {
    const now = performance.now() - t0;
    if (killAt === undefined && now >= warmupMs) {
      killAt = now;
      killPromise = kill().then(() => (killTookMs = performance.now() - t0 - killAt));
    }
    const settledFrom = until ? untilAt : killAt;
    if (now >= maxMs || (killAt !== undefined && settledFrom !== undefined && now >= settledFrom + settleMs)) break;
    const request = { start: now };
    requests.push(request);
    request.done = ping(port, requestTimeoutMs).then((r) => Object.assign(request, r, { end: performance.now() - t0 }));
    const next = t0 + requests.length * everyMs;
    await sleep(Math.max(0, next - performance.now()));
  }
  await killPromise;
  await Promise.all(requests.map((r) => r.done));
  const before = requests.filter((r) => r.start < killAt - graceMs);
  const after = requests.filter((r) => r.start >= killAt - graceMs);
  const lastFailure = after.reduce((last, r, i) => (r.ok ? last : i), -1);
  const failoverMs =
    lastFailure < 0
      ? 0
      : lastFailure + 1 < after.length
        ? Math.max(0, after[lastFailure + 1].start - killAt)
        : Infinity;
  const failed = requests.filter((r) => !r.ok);
  const firstSuccess = after.find((r) => r.ok && r.start >= killAt + killTookMs);
  return {
    requests: requests.length,
    failed: failed.length,
    failedBeforeKill: before.filter((r) => !r.ok).length,
    failoverMs,
    firstSuccessMs: firstSuccess ? firstSuccess.start - killAt : Infinity,
    killTookMs,
    /** Longest time a successful request took after the kill (a stall rather than a failure). */
    slowestAfterKillMs: Math.max(0, ...after.filter((r) => r.ok && r.start >= killAt).map((r) => r.end - r.start)),
    errors: [...new Set(failed.map((r) => r.error))],
    timeline: requests.map((r) => ({ start: Math.round(r.start - killAt), ok: r.ok, ms: Math.round(r.end - r.start) })),
  };
}

/** GET http://<ip>:<port>/ with a short timeout; resolves with status and body, or an error. */
export async function httpGet(url, timeoutMs = 3000) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return { status: res.status, body: await res.text() };
  } catch (e) {
    return { status: 0, body: "", error: e.cause?.code ?? e.message };
  }
}
