import { afterAll, describe, expect, it } from "vitest";
import type { ServiceConfig } from "../../src/compose/model.js";
import { deploy, planExitCode, plan } from "../../src/runtime/index.js";
import type { DeployEvent } from "../../src/runtime/events.js";
import {
  containerIds,
  dockerCli,
  engine,
  engineReady,
  fileHealthcheck,
  project,
  purge,
  recorder,
  service,
  uniqueProject,
} from "./helpers.js";

const name = uniqueProject("dag");

const job = (overrides: Partial<ServiceConfig> = {}) =>
  service({ command: ["sh", "-c", "sleep 0.3; echo job done"], ...overrides });
const healthy = (overrides: Partial<ServiceConfig> = {}) =>
  service({
    command: ["sh", "-c", "sleep 0.5; touch /tmp/ready; exec sleep 3600"],
    healthcheck: fileHealthcheck(),
    ...overrides,
  });
const dep = (
  condition: "service_started" | "service_healthy" | "service_completed_successfully",
  extra: { required?: boolean; restart?: boolean } = {},
) => ({
  condition,
  required: extra.required ?? true,
  ...(extra.restart ? { restart: true } : {}),
});

/** Ten services using every depends_on condition, required:false and restart:true. */
function stack(apiEnv = "1") {
  return project(name, {
    init: job(),
    db: healthy({ depends_on: { init: dep("service_completed_successfully") } }),
    cache: healthy(),
    migrate: job({ depends_on: { db: dep("service_healthy") } }),
    api: healthy({
      environment: { API_VERSION: apiEnv },
      depends_on: {
        db: dep("service_healthy"),
        cache: dep("service_healthy"),
        migrate: dep("service_completed_successfully"),
      },
    }),
    worker: service({ depends_on: { api: dep("service_started"), cache: dep("service_healthy") } }),
    web: service({ depends_on: { api: dep("service_healthy", { restart: true }) } }),
    proxy: service({
      depends_on: { web: dep("service_started") },
      ports: [{ mode: "ingress", target: 8080, protocol: "tcp" }],
    }),
    metrics: service({ depends_on: { api: dep("service_healthy", { required: false }) } }),
    cron: service({ depends_on: { worker: dep("service_started"), init: dep("service_completed_successfully") } }),
  });
}

function firstTime(events: DeployEvent[], container: string, status: DeployEvent["status"]): number {
  const e = events.find((ev) => ev.name === `${name}-${container}-1` && ev.status === status);
  if (!e) throw new Error(`no ${status} event for ${container}`);
  return e.time;
}

describe.skipIf(!engineReady)("a 10-service DAG", () => {
  afterAll(async () => {
    await purge(name);
  });

  it(
    "starts in dependency order honouring every condition, then a second deploy touches nothing",
    { timeout: 120_000 },
    async () => {
      const e = await engine();
      const rec = recorder();
      const r = await deploy(stack(), { engine: e, onEvent: rec.onEvent });
      expect(r.result.errors).toEqual([]);
      expect(r.result.ok).toBe(true);
      expect(r.result.done["create-container"]).toBe(10);

      const ev = rec.events;
      // service_completed_successfully: db starts only after init exited 0
      expect(firstTime(ev, "db", "Starting")).toBeGreaterThanOrEqual(firstTime(ev, "init", "Exited"));
      // service_healthy: migrate after db healthy; api after db, cache healthy and migrate completed
      expect(firstTime(ev, "migrate", "Starting")).toBeGreaterThanOrEqual(firstTime(ev, "db", "Healthy"));
      expect(firstTime(ev, "api", "Starting")).toBeGreaterThanOrEqual(firstTime(ev, "migrate", "Exited"));
      expect(firstTime(ev, "api", "Starting")).toBeGreaterThanOrEqual(firstTime(ev, "cache", "Healthy"));
      // service_started: worker after api started
      expect(firstTime(ev, "worker", "Starting")).toBeGreaterThanOrEqual(firstTime(ev, "api", "Started"));
      expect(firstTime(ev, "proxy", "Starting")).toBeGreaterThanOrEqual(firstTime(ev, "web", "Started"));
      expect(firstTime(ev, "web", "Starting")).toBeGreaterThanOrEqual(firstTime(ev, "api", "Healthy"));

      for (const s of ["db", "cache", "api", "worker", "web", "proxy", "metrics", "cron"]) {
        expect(dockerCli(["inspect", "-f", "{{.State.Status}}", `${name}-${s}-1`]), s).toBe("running");
      }
      for (const s of ["init", "migrate"]) {
        expect(dockerCli(["inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", `${name}-${s}-1`]), s).toBe(
          "exited 0",
        );
      }

      const ids = await containerIds(name);
      const p = await plan(stack(), { engine: e });
      expect(p.operations).toEqual([]);
      expect(planExitCode(p)).toBe(0);
      const t0 = Date.now();
      const again = await deploy(stack(), { engine: e, wait: true });
      const elapsed = Date.now() - t0;
      expect(again.plan.operations).toEqual([]);
      expect(again.result.ok).toBe(true);
      expect(elapsed).toBeLessThan(1000);
      expect(await containerIds(name)).toEqual(ids);
    },
  );

  it(
    "recreates a dependency and restarts its restart:true dependents, nothing else",
    { timeout: 120_000 },
    async () => {
      const e = await engine();
      const before = await containerIds(name);
      const webStarted = dockerCli(["inspect", "-f", "{{.State.StartedAt}}", `${name}-web-1`]);
      const p = await plan(stack("2"), { engine: e });
      expect(p.operations.map((o) => `${o.kind}:${"service" in o ? o.service : ""}`)).toEqual([
        "recreate-container:api",
        "restart-container:web",
      ]);
      const r = await deploy(stack("2"), { engine: e, wait: true });
      expect(r.result.ok).toBe(true);
      const after = await containerIds(name);
      for (const [n, id] of Object.entries(before)) {
        if (n.endsWith("-api-1")) expect(after[n]).not.toBe(id);
        else expect(after[n], n).toBe(id);
      }
      expect(dockerCli(["inspect", "-f", "{{.State.StartedAt}}", `${name}-web-1`])).not.toBe(webStarted);
    },
  );
});
