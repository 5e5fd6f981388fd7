/**
 * `c2ts nodes join` on three Docker engines, each in its own network namespace (scripts/cluster/nodes.sh
 * with the c2tssm prefix and its own bridge, apart from the cluster test's nodes): one swarm with
 * three managers, labelled nodes, a second run that changes nothing, and a 3-replica service with
 * `build:` (built on every node through its own engine, tagged by content) spread one task per node
 * answering on every node's host-mode port; a second deploy builds and updates nothing.
 *
 * Needs root, `ip netns` and dockerd; skipped with a notice otherwise (failed under CI=true).
 * C2TS_KEEP_NODES=1 keeps the engines.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { C2TS_BIN, httpGet, NODES_SH, run } from "../../scripts/cluster/harness.mjs";

const ENV = {
  C2TS_CLUSTER_COUNT: "3",
  C2TS_CLUSTER_NET: "10.254.79",
  C2TS_CLUSTER_PREFIX: "c2tssm",
};
const NODES = [1, 2, 3].map((i) => ({ name: `sm${i}`, ip: `10.254.79.${i}`, sock: `unix:///run/c2tssm-n${i}.sock` }));
const PROJECT = "i12sc";
const PORT = 18090;

function prerequisitesMissing(): string | undefined {
  if (process.platform !== "linux") return "not Linux";
  if (process.getuid?.() !== 0) return "not root";
  if (spawnSync("ip", ["netns", "list"], { stdio: "ignore" }).status !== 0) return "`ip netns` does not work here";
  if (spawnSync("dockerd", ["--version"], { stdio: "ignore" }).status !== 0) return "dockerd is missing";
  return undefined;
}
const missing = prerequisitesMissing();
if (missing && process.env.CI === "true") throw new Error(`swarm cluster e2e prerequisites missing: ${missing}`);
if (missing) console.warn(`SKIPPING test/e2e/swarm-cluster.test.ts: ${missing}`);

const CLUSTER = `import { defineCluster } from "c2ts";
export default defineCluster({
  domain: "swarm.test",
  orchestrator: "swarm",
  tiers: ["primary", "secondary"],
  nodes: [
${NODES.map((n, i) => `    { name: "${n.name}", address: "${n.ip}", engine: "${n.sock}", tier: "${i === 0 ? "primary" : "secondary"}" },`).join("\n")}
  ],
  localNode: "sm1",
});
`;

const COMPOSE = `
name: ${PROJECT}
services:
  web:
    build: ./web
    init: true
    command: ["sh", "-c", "hostname > /tmp/index.html; exec httpd -f -p 80 -h /tmp"]
    healthcheck: { test: ["CMD", "wget", "-q", "-O-", "http://127.0.0.1/"], interval: 1s, timeout: 2s, retries: 3 }
    ports: [ { target: 80, published: ${PORT}, mode: host } ]
    deploy:
      endpoint_mode: dnsrr
      replicas: 3
      placement: { max_replicas_per_node: 1 }
`;

let dir = "";
const c2ts = (args: string[], timeoutMs = 300_000) =>
  run("node", [C2TS_BIN, ...args, "-f", "compose.yaml"], {
    cwd: dir,
    env: { ...process.env, DOCKER_HOST: "", NO_COLOR: "1" },
    timeoutMs,
  });

describe.skipIf(Boolean(missing))("c2ts nodes join on three namespace engines", () => {
  beforeAll(async () => {
    const up = await run("bash", [NODES_SH, "up"], { env: { ...process.env, ...ENV }, timeoutMs: 300_000 });
    if (up.code !== 0) throw new Error(`nodes.sh up failed:\n${up.stderr}`);
    dir = mkdtempSync(join(tmpdir(), "c2ts-swarm-cluster-"));
    writeFileSync(join(dir, "c2ts.config.ts"), CLUSTER);
    writeFileSync(join(dir, "compose.yaml"), COMPOSE);
    mkdirSync(join(dir, "web"));
    writeFileSync(join(dir, "web", "Dockerfile"), "FROM c2ts-test/busybox:latest\nCOPY motd /etc/motd\n");
    writeFileSync(join(dir, "web", "motd"), "built by c2ts on this node\n");
  }, 300_000);

  afterAll(async () => {
    if (dir) {
      await c2ts(["down"]);
      rmSync(dir, { recursive: true, force: true });
    }
    if (!process.env.C2TS_KEEP_NODES) await run("bash", [NODES_SH, "down"], { env: { ...process.env, ...ENV } });
  }, 300_000);

  it("forms a 3-manager swarm, initialised on the first node by tier; a second run changes nothing", async () => {
    const first = await c2ts(["nodes", "join", "--json"]);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const report = (JSON.parse(first.stdout) as { nodes: Array<{ node: string; action: string; role?: string }> })
      .nodes;
    // From scratch: sm1 initialises and the others join; on kept engines they are already members.
    if (report[0]!.action === "initialized") {
      expect(report.map((r) => r.action)).toEqual(["initialized", "joined", "joined"]);
    }
    expect(report.map((r) => r.role)).toEqual(["manager", "manager", "manager"]);

    const again = await c2ts(["nodes", "join", "--json"]);
    expect(JSON.parse(again.stdout)).toEqual({
      nodes: NODES.map((n) => ({ node: n.name, action: "unchanged", role: "manager" })),
    });
    const ls = await run("docker", ["-H", NODES[0]!.sock, "node", "ls", "--format", "{{.ManagerStatus}} {{.Status}}"]);
    const rows = ls.stdout.trim().split("\n").sort();
    expect(rows).toHaveLength(3);
    expect(rows.every((r) => /^(Leader|Reachable) Ready$/.test(r))).toBe(true);

    const nodes = JSON.parse((await c2ts(["nodes", "--json"])).stdout) as {
      nodes: Array<{ name: string; swarm?: { role: string; state: string } }>;
    };
    for (const n of nodes.nodes) expect(n.swarm, n.name).toMatchObject({ role: "manager", state: "ready" });
  }, 300_000);

  it("builds the image on every node, tagged by content, and spreads 3 replicas one per node on host-mode ports", async () => {
    const r = await c2ts(["deploy"], 400_000);
    expect(r.code, r.stderr).toBe(0);
    const ps = JSON.parse((await c2ts(["ps", "--json"])).stdout) as Array<{
      node: string;
      state: string;
      desiredState: string;
      image: string;
    }>;
    const running = ps.filter((t) => t.desiredState === "running" && t.state === "running");
    expect(running.map((t) => t.node).sort()).toEqual(["sm1", "sm2", "sm3"]);
    const images = [...new Set(running.map((t) => t.image))];
    expect(images).toHaveLength(1);
    expect(images[0]).toMatch(/^i12sc-web:c2ts-[0-9a-f]{12}$/);
    for (const n of NODES) {
      // Each engine built it itself (no registry, no load): the tag and the copied file are there.
      const inspect = await run("docker", ["-H", n.sock, "run", "--rm", images[0]!, "cat", "/etc/motd"]);
      expect(inspect.stdout, `${n.name}: ${inspect.stderr}`).toBe("built by c2ts on this node\n");
      const res = await httpGet(`http://${n.ip}:${PORT}/`);
      expect(res.status, `${n.name}: ${res.error ?? ""}`).toBe(200);
    }
  }, 400_000);

  it("a second deploy with the context unchanged builds nothing and updates no service", async () => {
    const version = async () =>
      (
        await run("docker", ["-H", NODES[0]!.sock, "service", "inspect", "-f", "{{.Version.Index}}", `${PROJECT}_web`])
      ).stdout.trim();
    const before = await version();
    const r = await c2ts(["deploy", "--json"], 200_000);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout
      .trim()
      .split("\n")
      .filter((l) => l.startsWith("{"));
    const events = lines.map(
      (l) => JSON.parse(l) as { type: string; resource?: string; status?: string; done?: object },
    );
    expect(events.filter((e) => e.resource === "image" && e.status === "Building")).toEqual([]);
    expect(events.find((e) => e.type === "summary")?.done).not.toHaveProperty("build-image");
    expect(await version()).toBe(before);
  }, 200_000);

  it("plan builds nothing but shows the new content tag when the build context changed", async () => {
    writeFileSync(join(dir, "web", "motd"), "changed\n");
    const r = await c2ts(["plan", "--json"], 120_000);
    expect(r.code, r.stderr).toBe(2);
    const plan = JSON.parse(r.stdout) as {
      operations: Array<{
        kind: string;
        service?: string;
        changes?: Array<{ path: string; before?: string; after?: string }>;
      }>;
    };
    const update = plan.operations.find((o) => o.kind === "update-service" && o.service === "web");
    const image = update?.changes?.find((c) => c.path === "TaskTemplate.ContainerSpec.Image");
    expect(image?.before).toMatch(/^"?i12sc-web:c2ts-[0-9a-f]{12}"?$/);
    expect(image?.after).toMatch(/^"?i12sc-web:c2ts-[0-9a-f]{12}"?$/);
    expect(image?.after).not.toBe(image?.before);
    const tag = image!.after!.replace(/"/g, "");
    const onNode = await run("docker", ["-H", NODES[1]!.sock, "image", "inspect", tag]);
    expect(onNode.code, "plan built nothing").not.toBe(0);
  }, 120_000);
});
