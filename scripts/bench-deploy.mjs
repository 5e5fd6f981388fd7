// Deploy benchmark: c2ts against docker-compose 1.29 on the same engine, in one run.
//
// For each size N it generates a stack of N busybox services in layers of 5 (every service after
// the first layer depends on one service of the layer before, alternating service_healthy and
// service_started), healthchecks every second, one named volume and two networks, then measures
// for each tool:
//   cold     `up -d` / `deploy` until every container is running and healthy
//   no-op    the same command again, nothing changed
//   change   one env var of one leaf service changed, until it is healthy again
//   down     removal of containers, networks and the volume
// docker-compose 1.29 has no --wait, so after each command both tools are polled with
// `docker inspect` until the project is healthy (c2ts waits by itself; the poll then ends at once).
//
//   node scripts/bench-deploy.mjs [--sizes 30,60] [--runs 3] [--settle 10] [--only c2ts|compose]
//                                 [--c2ts "node bin/c2ts.js"]
// Build first (npm run build). Touches only projects named c2tsbench-*-<random>.
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { median } from "./bench-util.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const IMAGE = "c2ts-test/busybox:latest";
const LAYER = 5;
const STEPS = ["cold", "noop", "change", "down"];
// Targets from the brief, as fractions of docker-compose's time.
const TARGETS = { cold: 0.5, noop: 0.05, change: undefined, down: 0.3 };

const { values: flags } = parseArgs({
  options: {
    sizes: { type: "string", default: "30,60" },
    runs: { type: "string", default: "3" },
    settle: { type: "string", default: "10" },
    only: { type: "string" },
    c2ts: { type: "string", default: `${process.execPath} ${join(ROOT, "bin/c2ts.js")}` },
    timeout: { type: "string", default: "300" },
  },
});
const sizes = flags.sizes.split(",").map((s) => Number.parseInt(s, 10));
const runs = Number.parseInt(flags.runs, 10);
const settleMs = Number(flags.settle) * 1000;
const timeoutMs = Number(flags.timeout) * 1000;
const [c2tsCmd, ...c2tsPrefix] = flags.c2ts.split(" ").filter(Boolean);
const tools = flags.only ? [flags.only] : ["compose", "c2ts"];

/** The generated stack; `changed` gives the last service an extra env var. */
function stackYaml(n, changed) {
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
      "      interval: 1s",
      "      timeout: 5s",
      "      retries: 30",
      "    volumes: [shared:/data]",
      `    networks: [${i % LAYER === 0 ? "front, back" : i % 2 === 0 ? "front" : "back"}]`,
      "    environment:",
      `      INDEX: "${i}"`,
    );
    if (changed && i === n - 1) lines.push('      CHANGED: "yes"');
    if (layer > 0) {
      const condition = i % 2 === 0 ? "service_healthy" : "service_started";
      lines.push("    depends_on:", `      s${i - LAYER}:`, `        condition: ${condition}`);
    }
  }
  lines.push("networks:", "  front: {}", "  back: {}", "volumes:", "  shared: {}", "");
  return lines.join("\n");
}

function run(cmd, args, env = process.env) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${cmd} ${args.join(" ")} exited ${code}:\n${stderr.split("\n").slice(-15).join("\n")}`));
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
    up: (file, project) => run(c2tsCmd, [...c2tsPrefix, "deploy", "-f", file, "-p", project, "--timeout", String(flags.timeout)]),
    down: (file, project) => run(c2tsCmd, [...c2tsPrefix, "down", "-f", file, "-p", project, "--volumes"]),
  },
};

function projectContainers(project) {
  return execFileSync("docker", ["ps", "-aq", "--filter", `label=com.docker.compose.project=${project}`], {
    encoding: "utf8",
  })
    .split("\n")
    .filter(Boolean);
}

/** Poll `docker inspect` until the project has n running containers, all healthy. */
async function waitHealthy(project, n) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ids = projectContainers(project);
    if (ids.length === n) {
      const states = execFileSync(
        "docker",
        ["inspect", "-f", "{{.State.Status}}/{{if .State.Health}}{{.State.Health.Status}}{{end}}", ...ids],
        { encoding: "utf8" },
      )
        .split("\n")
        .filter(Boolean);
      if (states.every((s) => s === "running/healthy" || s === "running/")) return;
    }
    if (Date.now() > deadline) throw new Error(`${project}: not healthy after ${timeoutMs / 1000}s`);
    await sleep(200);
  }
}

/** Poll until no container of the project is left (down returns once they are removed; checks it). */
function assertGone(project) {
  const left = projectContainers(project);
  if (left.length) throw new Error(`${project}: ${left.length} containers left after down`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const seconds = async (fn) => {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
};

/** Remove whatever is left of one of our projects, only by its own label. */
function purge(project) {
  const label = `label=com.docker.compose.project=${project}`;
  const list = (args) => execFileSync("docker", [...args, "-q", "--filter", label], { encoding: "utf8" }).split("\n").filter(Boolean);
  const quiet = (args) => {
    try {
      execFileSync("docker", args, { stdio: "ignore" });
    } catch {
      // already gone
    }
  };
  const ids = list(["ps", "-a"]);
  if (ids.length) quiet(["rm", "-f", "-v", ...ids]);
  const nets = list(["network", "ls"]);
  if (nets.length) quiet(["network", "rm", ...nets]);
  const vols = list(["volume", "ls"]);
  if (vols.length) quiet(["volume", "rm", "-f", ...vols]);
}

async function measure(name, n, dir) {
  const project = `c2tsbench-${name === "compose" ? "dc" : "c2ts"}-${randomBytes(3).toString("hex")}`;
  live.add(project);
  const file = join(dir, `${project}.yml`);
  writeFileSync(file, stackYaml(n, false));
  const t = tool[name];
  try {
    const cold = await seconds(async () => {
      await t.up(file, project);
      await waitHealthy(project, n);
    });
    const noop = await seconds(async () => {
      await t.up(file, project);
      await waitHealthy(project, n);
    });
    writeFileSync(file, stackYaml(n, true));
    const change = await seconds(async () => {
      await t.up(file, project);
      await waitHealthy(project, n);
    });
    const down = await seconds(() => t.down(file, project));
    assertGone(project);
    return { cold, noop, change, down };
  } finally {
    purge(project);
    live.delete(project);
  }
}

const live = new Set();
function cleanupAndExit(code) {
  for (const p of live) purge(p);
  process.exit(code);
}
process.on("SIGINT", () => cleanupAndExit(130));
process.on("SIGTERM", () => cleanupAndExit(143));

async function main() {
  execFileSync("bash", [join(ROOT, "scripts/engine/start-dockerd.sh")], { stdio: "inherit" });
  execFileSync("bash", [join(ROOT, "scripts/engine/build-test-image.sh")], { stdio: "inherit" });
  const engineVersion = execFileSync("docker", ["version", "--format", "{{.Server.Version}}"], { encoding: "utf8" }).trim();
  const dir = mkdtempSync(join(tmpdir(), "c2ts-bench-deploy-"));
  const results = {};
  try {
    for (const n of sizes) {
      results[n] = { compose: [], c2ts: [] };
      for (let r = 0; r < runs; r++) {
        // Alternate who goes first: the engine is slower right after a down (namespace teardown).
        const order = r % 2 === 0 ? tools : [...tools].reverse();
        for (const name of order) {
          await sleep(settleMs);
          const m = await measure(name, n, dir);
          results[n][name].push(m);
          console.error(
            `N=${n} run ${r + 1}/${runs} ${tool[name].label}: ` +
              STEPS.map((s) => `${s} ${m[s].toFixed(2)}s`).join("  "),
          );
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  console.log(
    `\nDeploy benchmark: medians of ${runs} run(s), engine ${engineVersion}, ${(await import("node:os")).cpus().length} cores`,
  );
  for (const n of sizes) {
    console.log(`\nN = ${n} services`);
    console.log(`${"step".padEnd(8)} ${"compose".padStart(9)} ${"c2ts".padStart(9)} ${"ratio".padStart(7)}  target`);
    for (const step of STEPS) {
      const med = (name) => (results[n][name].length ? median(results[n][name].map((m) => m[step])) : NaN);
      const dc = med("compose");
      const c2 = med("c2ts");
      const ratio = c2 / dc;
      const target = TARGETS[step];
      const verdict =
        target === undefined || Number.isNaN(ratio)
          ? ""
          : `≤ ${target}×${step === "noop" ? " and < 1 s" : ""}: ${ratio <= target && (step !== "noop" || c2 < 1) ? "met" : "MISSED"}`;
      const fmt = (v) => (Number.isNaN(v) ? "-" : `${v.toFixed(2)}s`).padStart(9);
      console.log(
        `${step.padEnd(8)} ${fmt(dc)} ${fmt(c2)} ${(Number.isNaN(ratio) ? "-" : ratio.toFixed(2) + "×").padStart(7)}  ${verdict}`,
      );
    }
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  cleanupAndExit(1);
});
