/**
 * The Swarm executor on a real single-node swarm: a Docker engine in its own network namespace
 * (scripts/cluster/nodes.sh with the c2tssw prefix, never the shared engine), made a swarm by
 * `c2ts nodes join`, deployed to with `c2ts deploy` through `orchestrator: "swarm"`.
 *
 * The kernel here has no IPVS, so services use endpoint_mode dnsrr and host-mode ports.
 * Needs root, `ip netns`, nsenter and dockerd; skipped with a notice otherwise (failed under CI=true).
 * The engine is stopped at the end; C2TS_KEEP_NODES=1 keeps it.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { C2TS_BIN, httpGet, NODES_SH, run } from "../../scripts/cluster/harness.mjs";

const SWARM_ENV = {
  C2TS_CLUSTER_COUNT: "1",
  C2TS_CLUSTER_NET: "10.254.78",
  C2TS_CLUSTER_PREFIX: "c2tssw",
};
const SOCK = "unix:///run/c2tssw-n1.sock";
const NODE_IP = "10.254.78.1";
const PROJECT = "i12sw";
const EDGE_PORT = 18080;

function prerequisitesMissing(): string | undefined {
  if (process.platform !== "linux") return "not Linux";
  if (process.getuid?.() !== 0) return "not root (network namespaces and an extra dockerd need root)";
  if (spawnSync("ip", ["netns", "list"], { stdio: "ignore" }).status !== 0) return "`ip netns` does not work here";
  if (spawnSync("dockerd", ["--version"], { stdio: "ignore" }).status !== 0) return "dockerd is missing";
  return undefined;
}
const missing = prerequisitesMissing();
if (missing && process.env.CI === "true") throw new Error(`swarm e2e prerequisites missing: ${missing}`);
if (missing) console.warn(`SKIPPING test/e2e/swarm.test.ts: ${missing}`);

interface Knobs {
  apiPassword: string;
  edgeVersion: string;
  edgeBroken: boolean;
  webVersion: string;
}

/** ~10 services: a dependency chain with service_healthy, replicas, a secret, a config, a named volume, an overlay network, a host-mode port. */
function compose(k: Knobs): string {
  const httpd = (text: string) =>
    // Serve, and on SIGTERM keep serving 2 s so DNS round-robin clients move on first (graceful drain).
    `["sh", "-c", "echo ${text} > /tmp/index.html; httpd -f -p 80 -h /tmp & pid=$$!; trap 'sleep 2; kill $$pid; exit 0' TERM; wait $$pid"]`;
  const health = `{ test: ["CMD", "wget", "-q", "-O-", "http://127.0.0.1/"], interval: 1s, timeout: 2s, retries: 3 }`;
  const fast = `update_config: { monitor: 2s, delay: 0s }`;
  return `
name: ${PROJECT}
services:
  db:
    image: c2ts-test/busybox:latest
    init: true
    command: ${httpd("db")}
    healthcheck: ${health}
    volumes: [ "data:/data" ]
    secrets: [ token ]
    networks: [ back ]
    deploy: { endpoint_mode: dnsrr, ${fast} }
  cache:
    image: c2ts-test/busybox:latest
    init: true
    command: ${httpd("cache")}
    healthcheck: ${health}
    depends_on: { db: { condition: service_healthy } }
    networks: [ back ]
    deploy: { endpoint_mode: dnsrr, ${fast} }
  api:
    image: c2ts-test/busybox:latest
    init: true
    command: ${httpd("api")}
    healthcheck: ${health}
    environment: { API_PASSWORD: "${k.apiPassword}", MODE: prod }
    depends_on: { db: { condition: service_healthy }, cache: { condition: service_healthy } }
    configs: [ { source: settings, target: /etc/api.conf } ]
    networks: [ back ]
    deploy: { endpoint_mode: dnsrr, replicas: 2, ${fast} }
  worker:
    image: c2ts-test/busybox:latest
    init: true
    command: ["sleep", "100000"]
    depends_on: { api: { condition: service_healthy } }
    networks: [ back ]
    deploy: { endpoint_mode: dnsrr, replicas: 2 }
  web:
    image: c2ts-test/busybox:latest
    init: true
    command: ${httpd(k.webVersion)}
    healthcheck: ${health}
    depends_on: { api: { condition: service_healthy } }
    networks: [ back ]
    deploy: { endpoint_mode: dnsrr, replicas: 2, update_config: { order: start-first, monitor: 2s, delay: 0s } }
  client:
    image: c2ts-test/busybox:latest
    init: true
    command: ["sh", "-c", "ok=0; fail=0; while :; do if timeout 2 wget -q -O /dev/null http://web/; then ok=$$((ok+1)); else fail=$$((fail+1)); fi; echo $$ok $$fail > /tmp/stats; usleep 50000; done"]
    depends_on: { web: { condition: service_healthy } }
    networks: [ back ]
    deploy: { endpoint_mode: dnsrr }
  edge:
    image: c2ts-test/busybox:latest
    init: true
    command: ${k.edgeBroken ? `["httpd", "-f", "-p", "80", "-h", "/"]` : httpd(k.edgeVersion)}
    healthcheck: ${k.edgeBroken ? `{ test: ["CMD", "sh", "-c", "echo edge-check-broken; exit 1"], interval: 1s, timeout: 5s, retries: 2 }` : health}
    depends_on: { web: { condition: service_healthy } }
    networks: [ back ]
    ports: [ { target: 80, published: ${EDGE_PORT}, mode: host } ]
    deploy: { endpoint_mode: dnsrr, ${fast} }
  metrics:
    image: c2ts-test/busybox:latest
    init: true
    command: ["sleep", "100000"]
    networks: [ back ]
    deploy: { endpoint_mode: dnsrr }
  cron:
    image: c2ts-test/busybox:latest
    init: true
    command: ["sleep", "100000"]
    depends_on: [ db ]
    networks: [ back ]
    deploy: { endpoint_mode: dnsrr }
  admin:
    image: c2ts-test/busybox:latest
    init: true
    command: ["sleep", "100000"]
    depends_on: { api: { condition: service_started } }
    networks: [ back ]
    deploy: { endpoint_mode: dnsrr }
networks:
  back: {}
volumes:
  data: {}
secrets:
  token: { file: ./token.txt }
configs:
  settings: { content: "mode=prod" }
`;
}

const CLUSTER = `import { defineCluster } from "c2ts";
export default defineCluster({
  domain: "swarm.test",
  orchestrator: "swarm",
  nodes: [{ name: "sw1", address: "${NODE_IP}", engine: "${SOCK}", tier: "main" }],
  tiers: ["main"],
  localNode: "sw1",
});
`;

let dir = "";
const knobs: Knobs = { apiPassword: "hunter2-first", edgeVersion: "edge-v1", edgeBroken: false, webVersion: "web-v1" };

function write(k: Partial<Knobs> = {}): void {
  Object.assign(knobs, k);
  writeFileSync(join(dir, "compose.yaml"), compose(knobs));
}

// No DOCKER_HOST: the local engine is no swarm manager, so c2ts finds sw1 through the definition.
const c2ts = (args: string[], timeoutMs = 300_000) =>
  run("node", [C2TS_BIN, ...args, "-f", "compose.yaml"], {
    cwd: dir,
    env: { ...process.env, DOCKER_HOST: "", NO_COLOR: "1" },
    timeoutMs,
  });
const docker = (args: string[]) => run("docker", ["-H", SOCK, ...args]);

async function serviceVersions(): Promise<Record<string, number>> {
  const ids = (await docker(["service", "ls", "-q", "--filter", `label=com.docker.stack.namespace=${PROJECT}`])).stdout
    .split("\n")
    .filter(Boolean);
  const out = await docker(["service", "inspect", ...ids, "--format", "{{.Spec.Name}} {{.Version.Index}}"]);
  return Object.fromEntries(
    out.stdout
      .trim()
      .split("\n")
      .map((l) => l.split(" "))
      .map(([n, v]) => [n!, Number(v)]),
  );
}

async function names(kind: "secret" | "config" | "network" | "volume"): Promise<string[]> {
  const r = await docker([kind, "ls", "--format", "{{.Name}}"]);
  return r.stdout
    .split("\n")
    .filter((n) => n.startsWith(`${PROJECT}_`))
    .sort();
}

describe.skipIf(Boolean(missing))("swarm executor on a single-node swarm", () => {
  beforeAll(async () => {
    const up = await run("bash", [NODES_SH, "up"], { env: { ...process.env, ...SWARM_ENV }, timeoutMs: 300_000 });
    if (up.code !== 0) throw new Error(`nodes.sh up failed:\n${up.stderr}`);
    dir = mkdtempSync(join(tmpdir(), "c2ts-swarm-"));
    writeFileSync(join(dir, "c2ts.config.ts"), CLUSTER);
    writeFileSync(join(dir, "token.txt"), "token-one");
    write();
    // A leftover stack from an interrupted run goes first.
    await c2ts(["down", "--volumes"]);
  }, 300_000);

  afterAll(async () => {
    if (dir) {
      await c2ts(["down", "--volumes"]);
      rmSync(dir, { recursive: true, force: true });
    }
    if (!process.env.C2TS_KEEP_NODES) await run("bash", [NODES_SH, "down"], { env: { ...process.env, ...SWARM_ENV } });
  }, 300_000);

  it("c2ts nodes join forms the swarm, labels the node, and a second run changes nothing", async () => {
    const first = await c2ts(["nodes", "join", "--json"]);
    expect(first.code, first.stderr).toBe(0);
    const report = JSON.parse(first.stdout) as { nodes: Array<{ node: string; action: string; role?: string }> };
    expect(report.nodes).toHaveLength(1);
    expect(["initialized", "unchanged", "updated"]).toContain(report.nodes[0]!.action);
    const again = await c2ts(["nodes", "join", "--json"]);
    expect(JSON.parse(again.stdout)).toEqual({ nodes: [{ node: "sw1", action: "unchanged", role: "manager" }] });
    const labels = await docker(["node", "inspect", "self", "--format", "{{json .Spec.Labels}}"]);
    expect(JSON.parse(labels.stdout)).toMatchObject({ "c2ts.node": "sw1", "c2ts.tier": "main" });
    const listing = await c2ts(["nodes", "--json"]);
    const nodes = JSON.parse(listing.stdout) as {
      nodes: Array<{ name: string; swarm?: { role: string; state: string } }>;
    };
    expect(nodes.nodes[0]!.swarm).toMatchObject({ role: "manager", state: "ready", availability: "active" });
  }, 120_000);

  it("deploys every service healthy, in dependency order, with docker stack's names", async () => {
    const plan = await c2ts(["plan"]);
    expect(plan.code, plan.stderr).toBe(2);
    expect(plan.stdout).toContain(`create service ${PROJECT}_api`);
    const r = await c2ts(["deploy", "--json"], 400_000);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const events = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { resource?: string; name?: string; status?: string });
    // service_healthy: api is created only after every db and cache task was healthy.
    const at = (name: string, status: string) =>
      events.findIndex((e) => e.resource === "service" && e.name === name && e.status === status);
    expect(at(`${PROJECT}_db`, "Created")).toBeGreaterThanOrEqual(0);
    expect(at(`${PROJECT}_api`, "Creating")).toBeGreaterThan(at(`${PROJECT}_db`, "Created"));
    expect(at(`${PROJECT}_api`, "Creating")).toBeGreaterThan(at(`${PROJECT}_cache`, "Created"));
    expect(at(`${PROJECT}_web`, "Creating")).toBeGreaterThan(at(`${PROJECT}_api`, "Created"));
    expect(events.some((e) => e.resource === "task" && e.status === "Healthy")).toBe(true);

    const stack = await run("docker", [
      "-H",
      SOCK,
      "stack",
      "services",
      PROJECT,
      "--format",
      "{{.Name}} {{.Replicas}}",
    ]);
    const replicas = Object.fromEntries(
      stack.stdout
        .trim()
        .split("\n")
        .map((l) => l.split(" ")),
    );
    expect(Object.keys(replicas)).toHaveLength(10);
    expect(replicas[`${PROJECT}_api`]).toBe("2/2");
    expect(replicas[`${PROJECT}_web`]).toBe("2/2");
    expect(await names("secret")).toEqual([expect.stringMatching(new RegExp(`^${PROJECT}_token_[0-9a-f]{12}$`))]);
    expect(await names("config")).toHaveLength(1);
    expect(await names("network")).toEqual([`${PROJECT}_back`]);
    expect(await names("volume")).toEqual([`${PROJECT}_data`]);
    expect((await httpGet(`http://${NODE_IP}:${EDGE_PORT}/`)).body.trim()).toBe("edge-v1");

    const ps = JSON.parse((await c2ts(["ps", "--json"])).stdout) as Array<{
      service: string;
      state: string;
      desiredState: string;
    }>;
    const live = ps.filter((t) => t.desiredState === "running");
    expect(live).toHaveLength(13);
    expect(live.every((t) => t.state === "running")).toBe(true);
  }, 400_000);

  it("a second deploy updates no service (versions unchanged) and plan exits 0", async () => {
    const before = await serviceVersions();
    const plan = await c2ts(["plan"]);
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);
    const r = await c2ts(["deploy"]);
    expect(r.code, r.stderr).toBe(0);
    expect(await serviceVersions()).toEqual(before);
  }, 120_000);

  it("one environment change updates exactly that service; plan masks the secret value", async () => {
    const before = await serviceVersions();
    write({ apiPassword: "hunter2-second" });
    const plan = await c2ts(["plan"]);
    expect(plan.code).toBe(2);
    expect(plan.stdout).toContain("update service i12sw_api");
    expect(plan.stdout).toContain("TaskTemplate.ContainerSpec.Env.API_PASSWORD");
    expect(plan.stdout + plan.stderr).not.toContain("hunter2");
    const r = await c2ts(["deploy"]);
    expect(r.code, r.stderr).toBe(0);
    const after = await serviceVersions();
    const changed = Object.keys(after).filter((s) => after[s] !== before[s]);
    expect(changed).toEqual([`${PROJECT}_api`]);
  }, 200_000);

  it("a start-first update is watched by a client every 50 ms with no failed request", async () => {
    const container = (
      await docker(["ps", "-q", "--filter", `label=com.docker.swarm.service.name=${PROJECT}_client`])
    ).stdout.trim();
    expect(container).not.toBe("");
    const stats = async () =>
      (await docker(["exec", container, "cat", "/tmp/stats"])).stdout.trim().split(" ").map(Number) as [number, number];
    const [ok0, fail0] = await stats();
    write({ webVersion: "web-v2" });
    const r = await c2ts(["deploy"]);
    expect(r.code, r.stderr).toBe(0);
    await new Promise((res) => setTimeout(res, 1000));
    const [ok1, fail1] = await stats();
    console.log(`start-first update: ${ok1 - ok0} requests, ${fail1 - fail0} failed`);
    expect(ok1 - ok0).toBeGreaterThan(20);
    expect(fail1 - fail0).toBe(0);
  }, 200_000);

  it("an update whose tasks fail their health check rolls back, exits 1 with the reason, and the old version keeps answering", async () => {
    write({ edgeBroken: true, edgeVersion: "edge-v2" });
    let r;
    try {
      r = await c2ts(["deploy"]);
    } finally {
      write({ edgeBroken: false, edgeVersion: "edge-v1" });
    }
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/rolled back/);
    // The failing task's error and its last health check output (the echo, or the timeout under load).
    expect(r.stderr).toMatch(
      /unhealthy container; last health check \(exit -?\d+\): (edge-check-broken|Health check exceeded timeout)/,
    );
    expect((await httpGet(`http://${NODE_IP}:${EDGE_PORT}/`)).body.trim()).toBe("edge-v1");
    const back = await c2ts(["plan"]);
    expect(back.code, back.stdout).toBe(0);
  }, 200_000);

  it("a secret content change rotates the secret and removes the old version", async () => {
    const [old] = await names("secret");
    writeFileSync(join(dir, "token.txt"), "token-two");
    const r = await c2ts(["deploy"]);
    expect(r.code, r.stderr).toBe(0);
    const now = await names("secret");
    expect(now).toHaveLength(1);
    expect(now[0]).not.toBe(old);
    const inDb = await docker([
      "service",
      "inspect",
      `${PROJECT}_db`,
      "--format",
      "{{(index .Spec.TaskTemplate.ContainerSpec.Secrets 0).SecretName}}",
    ]);
    expect(inDb.stdout.trim()).toBe(now[0]);
  }, 200_000);

  it("down keeps the volume; down --volumes removes it", async () => {
    const r = await c2ts(["down"]);
    expect(r.code, r.stderr).toBe(0);
    expect(
      (await docker(["service", "ls", "-q", "--filter", `label=com.docker.stack.namespace=${PROJECT}`])).stdout.trim(),
    ).toBe("");
    expect(await names("secret")).toEqual([]);
    expect(await names("config")).toEqual([]);
    expect(await names("network")).toEqual([]);
    expect(await names("volume")).toEqual([`${PROJECT}_data`]);
    const v = await c2ts(["down", "--volumes"]);
    expect(v.code, v.stderr).toBe(0);
    expect(await names("volume")).toEqual([]);
  }, 200_000);
});
