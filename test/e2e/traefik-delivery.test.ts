/**
 * `deploy --all-nodes` gives every node's Traefik its own failover file, through that node's engine.
 * Three Docker engines in network namespaces (scripts/cluster/nodes.sh, with this file's own prefix
 * and subnet so it never collides with test/e2e/cluster.test.ts), found through the stand-in
 * `tailscale`. Each node runs a stand-in "traefik": the busybox test image labelled
 * `c2ts.proxy=traefik`, with a host directory bind-mounted as its dynamic directory. No Traefik
 * binary here: the test checks what a Traefik would be given, and that a reader polling the
 * directories while files are delivered only ever sees whole files.
 *
 * Needs root, `ip netns`, nsenter and dockerd; skipped loudly without them (fails under CI=true).
 * The engines are stopped at the end; C2TS_KEEP_NODES=1 keeps them.
 */
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  c2ts,
  nodeDocker,
  nodesOf,
  nodesShFor,
  prepareProject,
  ROOT,
  type ClusterLayout,
  type ClusterProject,
} from "../../scripts/cluster/harness.mjs";
import { traefikConfigProblems } from "../../src/proxy/traefik-schema.js";

const LAYOUT: ClusterLayout = { prefix: "c2tstfk", net: "10.254.117" };
const NODES = nodesOf(LAYOUT);
const FILE = "failover-fallbacks.yaml";
const DYNAMIC = "/etc/traefik/dynamic";

function prerequisitesMissing(): string | undefined {
  if (process.platform !== "linux") return "not Linux";
  if (process.getuid?.() !== 0) return "not root (network namespaces and extra dockerd need root)";
  if (spawnSync("ip", ["netns", "list"], { stdio: "ignore" }).status !== 0) return "`ip netns` does not work here";
  if (spawnSync("nsenter", ["--version"], { stdio: "ignore" }).status !== 0) return "nsenter is missing";
  if (spawnSync("dockerd", ["--version"], { stdio: "ignore" }).status !== 0) return "dockerd is missing";
  return undefined;
}

const missing = prerequisitesMissing();
if (missing && process.env.CI) throw new Error(`Traefik delivery e2e test cannot run in CI: ${missing}`);
if (missing) console.warn(`\n!!! SKIPPING the Traefik delivery test (test/e2e/traefik-delivery.test.ts): ${missing}\n`);

function ensureBuilt(): void {
  if (existsSync(join(ROOT, "dist/cli/main.js"))) return;
  spawnSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"], {
    cwd: ROOT,
    stdio: "ignore",
  });
  if (!existsSync(join(ROOT, "dist/cli/main.js"))) throw new Error("building dist/ failed");
}

/**
 * A separate process that reads every node's directory as fast as it can until SIGTERM, then prints
 * each distinct content it saw per directory (only the final name; temporaries are skipped), how
 * often the file was missing after it had first appeared, and any entry that is neither the file
 * nor a c2ts temporary.
 */
const READER = `
const fs = require("node:fs");
const dirs = process.argv.slice(1);
const seen = Object.fromEntries(dirs.map((d) => [d, {}]));
const gaps = Object.fromEntries(dirs.map((d) => [d, 0]));
const strangers = new Set();
let reads = 0, stop = false;
process.on("SIGTERM", () => (stop = true));
function batch() {
  const until = Date.now() + 20;
  while (Date.now() < until) {
    for (const d of dirs) {
      let text;
      for (const name of fs.readdirSync(d)) {
        if (name === ${JSON.stringify(FILE)}) {
          try { text = fs.readFileSync(d + "/" + name, "utf8"); } catch (e) { if (e.code !== "ENOENT") throw e; }
        } else if (!(name.startsWith(".") && name.endsWith(".tmp"))) strangers.add(d + "/" + name);
      }
      if (text === undefined) {
        // Once delivered, the file must never be missing: Traefik would drop its routes.
        if (Object.keys(seen[d]).length > 0) gaps[d]++;
        continue;
      }
      reads++;
      seen[d][text] = (seen[d][text] ?? 0) + 1;
    }
  }
  if (stop) {
    process.stdout.write(JSON.stringify({ reads, seen, gaps, strangers: [...strangers] }));
    process.exit(0);
  }
  setImmediate(batch);
}
process.stdout.write("ready\\n");
batch();
`;

interface ReaderReport {
  reads: number;
  seen: Record<string, Record<string, number>>;
  gaps: Record<string, number>;
  strangers: string[];
}

async function startReader(dirs: string[]): Promise<() => Promise<ReaderReport>> {
  const child = spawn(process.execPath, ["-e", READER, ...dirs], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`reader exited early (${code})`)));
    const check = () => (out.startsWith("ready\n") ? resolve() : setTimeout(check, 10));
    check();
  });
  return async () => {
    child.removeAllListeners("exit");
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    return JSON.parse(out.slice("ready\n".length)) as ReaderReport;
  };
}

interface Lb {
  servers: { url: string }[];
  passHostHeader?: boolean;
}

describe.skipIf(Boolean(missing))("deploy --all-nodes delivers each node's Traefik file (3 namespace engines)", () => {
  const name = `c2ts-e2e-tfk-${randomBytes(3).toString("hex")}`;
  const standIn = `${name}-traefik`;
  let project: ClusterProject;
  let work: string;
  const dynamicDir = (node: string) => join(work, "dynamic", node);
  const generated = (round: string, node: string) => join(work, round, node, "traefik/dynamic", FILE);

  /** The stand-in Traefik on `node`: labelled for c2ts, the node's own host directory as its dynamic dir. */
  const startStandIn = (node: (typeof NODES)[number]) =>
    nodeDocker(node, [
      "run",
      "-d",
      "--init",
      "--name",
      standIn,
      "--label",
      "c2ts.proxy=traefik",
      "-v",
      `${dynamicDir(node.name)}:${DYNAMIC}`,
      "c2ts-test/busybox:latest",
      "sleep",
      "86400",
    ]);

  /** `c2ts proxy --all-nodes` into work/<round>: what each node's Traefik should hold. */
  const generate = async (round: string, env: Record<string, string> = {}) => {
    const r = await c2ts({ ...project, env: { ...project.env, ...env } }, [
      "proxy",
      "--all-nodes",
      "--out",
      join(work, round),
    ]);
    expect(r.code, r.stderr).toBe(0);
    return r;
  };

  const deploy = (env: Record<string, string> = {}) =>
    c2ts({ ...project, env: { ...project.env, ...env } }, ["deploy", "--all-nodes"]);

  beforeAll(async () => {
    ensureBuilt();
    await nodesShFor(LAYOUT, "up");
    project = await prepareProject(name, { layout: LAYOUT, fixture: join(ROOT, "fixtures/cluster-traefik") });
    work = mkdtempSync(join(tmpdir(), "c2ts-tfk-"));
    for (const n of NODES) mkdirSync(dynamicDir(n.name), { recursive: true });
  }, 300_000);

  afterAll(async () => {
    if (project) {
      await c2ts(project, ["down", "--all-nodes"]).catch(() => undefined);
      for (const n of NODES) await nodeDocker(n, ["rm", "-f", standIn]).catch(() => undefined);
      rmSync(project.dir, { recursive: true, force: true });
    }
    if (work) rmSync(work, { recursive: true, force: true });
    if (!process.env.C2TS_KEEP_NODES) await nodesShFor(LAYOUT, "down");
  }, 300_000);

  it("c2ts proxy --all-nodes writes DIR/<node>/… for every node, without an 'assuming' warning", async () => {
    const r = await generate("expected");
    expect(r.stderr).not.toMatch(/assuming|not routed/);
    for (const n of NODES) {
      expect(readdirSync(join(work, "expected", n.name)).sort()).toEqual(["haproxy", "traefik"]);
      const text = readFileSync(generated("expected", n.name), "utf8");
      const config = parse(text) as { http: { services: Record<string, { loadBalancer?: Lb }> } };
      expect(traefikConfigProblems(config)).toEqual([]);
      for (const other of NODES) {
        const app = config.http.services[`app_node_${other.name}`].loadBalancer!;
        const api = config.http.services[`api_node_${other.name}`].loadBalancer!;
        if (other.name === n.name) expect(app.servers).toEqual([{ url: "http://app:3000" }]);
        else
          expect(app).toMatchObject({
            servers: [{ url: `https://app.${other.name}.home.test` }],
            passHostHeader: false,
          });
        expect(api.servers).toEqual([{ url: `http://${other.ip}:${project.ports.web}` }]);
      }
    }
  }, 60_000);

  it("delivers to the nodes running a Traefik and reports the one that does not", async () => {
    await startStandIn(NODES[0]);
    await startStandIn(NODES[1]);
    const r = await deploy();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/node n3: no running Traefik container \(image traefik or label c2ts\.proxy=traefik\)/);
    for (const n of NODES.slice(0, 2)) {
      expect(r.stderr).toContain(`traefik config delivered to ${n.name}: ${standIn}:${DYNAMIC}/${FILE}`);
      expect(readdirSync(dynamicDir(n.name))).toEqual([FILE]);
      expect(readFileSync(join(dynamicDir(n.name), FILE), "utf8")).toBe(
        readFileSync(generated("expected", n.name), "utf8"),
      );
    }
    expect(readdirSync(dynamicDir("n3"))).toEqual([]);
  }, 240_000);

  it("every node's directory holds exactly its own file; a polling reader never sees a partial one", async () => {
    await startStandIn(NODES[2]);
    const rounds = ["3s", "4s", "5s"];
    for (const interval of rounds) await generate(`round-${interval}`, { HC_INTERVAL: interval });
    const stopReader = await startReader(NODES.map((n) => dynamicDir(n.name)));
    for (const interval of rounds) {
      const r = await deploy({ HC_INTERVAL: interval });
      expect(r.code, r.stderr).toBe(0);
      for (const n of NODES) expect(r.stderr).toContain(`traefik config delivered to ${n.name}:`);
    }
    const report = await stopReader();

    const own = (node: string) =>
      ["expected", ...rounds.map((i) => `round-${i}`)].map((d) => readFileSync(generated(d, node), "utf8"));
    for (const n of NODES) {
      const versions = own(n.name);
      const seen = Object.keys(report.seen[dynamicDir(n.name)]);
      // Whole files only, and only this node's own ones (each names its node in the header).
      for (const text of seen) expect(versions, `partial or foreign file seen on ${n.name}`).toContain(text);
      expect(seen.length, `versions seen on ${n.name}`).toBeGreaterThanOrEqual(2);
      expect(report.gaps[dynamicDir(n.name)], `reads that found no file on ${n.name} after its first delivery`).toBe(0);
      expect(readdirSync(dynamicDir(n.name))).toEqual([FILE]);
      expect(readFileSync(join(dynamicDir(n.name), FILE), "utf8")).toBe(versions.at(-1));
      expect(versions.at(-1)).toContain(`node "${n.name}"`);
    }
    expect(report.strangers).toEqual([]);
    console.log(`reader: ${report.reads} reads of the three directories during ${rounds.length} deliveries`);
  }, 300_000);
});
