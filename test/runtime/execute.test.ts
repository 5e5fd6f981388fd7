import { describe, expect, it, vi } from "vitest";
import { deploy, down } from "../../src/runtime/index.js";
import { EngineError } from "../../src/runtime/engine.js";
import { ContainerWatcher, STABLE_RUN_MS, judge } from "../../src/runtime/wait.js";
import { FakeEngine } from "./fake-engine.js";
import { proj, svc } from "./fixtures.js";

const healthcheck = { test: ["CMD", "true"], interval: "1s" };
/** Fresh containers get a random temporary name before their rename. */
const normalize = (calls: string[]) => calls.map((c) => c.replace(/\b[0-9a-f]{12}_/g, "<tmp>_"));

function engineWithImages(): FakeEngine {
  const e = new FakeEngine();
  e.images.set("busybox:latest", "sha256:bb");
  return e;
}

describe("executing a deploy (fake engine)", () => {
  it("waits for health events before starting dependents, then a second deploy is a no-op", async () => {
    const e = engineWithImages();
    e.onStart = (c, eng) => {
      if (c.name === "demo-db-1") setTimeout(() => eng.setHealth(c.id, "healthy"), 20);
    };
    const p = proj({
      db: svc({ healthcheck }),
      web: svc({ depends_on: { db: { condition: "service_healthy", required: true } } }),
    });
    const r = await deploy(p, { engine: e, probe: false });
    expect(r.result.errors).toEqual([]);
    // Containers are created ahead; only the start of web waits for db's health.
    const calls = normalize(e.calls);
    expect(calls[0]).toBe("network demo_default");
    expect(calls.slice(1, 5).sort()).toEqual([
      "create <tmp>_demo-db-1",
      "create <tmp>_demo-web-1",
      "rename <tmp>_demo-db-1 demo-db-1",
      "rename <tmp>_demo-web-1 demo-web-1",
    ]);
    expect(calls.slice(5)).toEqual(["start demo-db-1", "start demo-web-1"]);
    e.calls.length = 0;
    const again = await deploy(p, { engine: e });
    expect(again.plan.operations).toEqual([]);
    expect(e.calls).toEqual([]);
  });

  it("creates a container that joins another service's network namespace only once that container exists", async () => {
    const e = engineWithImages();
    const p = proj({ db: svc(), sidecar: svc({ network_mode: "service:db" }), solo: svc() });
    const r = await deploy(p, { engine: e });
    expect(r.result.errors).toEqual([]);
    const calls = normalize(e.calls);
    expect(calls.indexOf("create <tmp>_demo-sidecar-1")).toBeGreaterThan(calls.indexOf("start demo-db-1"));
    expect(calls.indexOf("create <tmp>_demo-solo-1")).toBeLessThan(calls.indexOf("start demo-db-1"));
    const sidecar = [...e.containers.values()].find((c) => c.name === "demo-sidecar-1")!;
    expect(sidecar.spec.HostConfig?.NetworkMode).toBe("container:demo-db-1");
  });

  it("creates a container with links only once the linked container exists, linked under its final name", async () => {
    const e = engineWithImages();
    const p = proj({ db: svc(), web: svc({ links: ["db:database"] }) });
    const r = await deploy(p, { engine: e });
    expect(r.result.errors).toEqual([]);
    const calls = normalize(e.calls);
    expect(calls.indexOf("create <tmp>_demo-web-1")).toBeGreaterThan(calls.indexOf("rename <tmp>_demo-db-1 demo-db-1"));
    const web = [...e.containers.values()].find((c) => c.name === "demo-web-1")!;
    expect(web.spec.HostConfig?.Links).toEqual(["demo-db-1:database"]);
  });

  it("fails dependents of an unhealthy service with its health output; optional dependents and other branches start", async () => {
    const e = engineWithImages();
    e.onStart = (c, eng) => {
      if (c.name === "demo-db-1") setTimeout(() => eng.setHealth(c.id, "unhealthy", "connection refused\n"), 10);
    };
    const p = proj({
      db: svc({ healthcheck }),
      web: svc({ depends_on: { db: { condition: "service_healthy", required: true } } }),
      edge: svc({ depends_on: { web: { condition: "service_started", required: true } } }),
      opt: svc({ depends_on: { db: { condition: "service_healthy", required: false } } }),
      solo: svc(),
    });
    const r = await deploy(p, { engine: e, probe: false });
    expect(r.result.ok).toBe(false);
    expect(r.result.errors).toEqual([
      {
        resource: "service",
        name: "web",
        service: "web",
        message:
          "dependency failed to start: container demo-db-1 is unhealthy (restarted 0 times): last health check (exit 1): connection refused; last output:\n  last words",
      },
    ]);
    expect(r.result.skipped.map((s) => `${s.name}: ${s.message}`)).toEqual(["edge: dependency web failed"]);
    expect(e.calls).toContain("start demo-opt-1");
    expect(e.calls).toContain("start demo-solo-1");
    expect(e.calls).not.toContain("start demo-web-1");
  });

  it("with wait, does not wait on services skipped for a failed dependency (their containers exist, unstarted)", async () => {
    const e = engineWithImages();
    e.onStart = (c, eng) => {
      if (c.name === "demo-db-1") setTimeout(() => eng.setHealth(c.id, "unhealthy", "down\n"), 10);
    };
    const p = proj({
      db: svc({ healthcheck }),
      web: svc({ depends_on: { db: { condition: "service_healthy", required: true } } }),
    });
    const t0 = Date.now();
    const r = await deploy(p, { engine: e, probe: false, wait: true, waitTimeoutMs: 5000 });
    expect(Date.now() - t0).toBeLessThan(4000);
    expect(r.result.errors.map((x) => `${x.name}: ${x.message}`)).toEqual([
      "web: dependency failed to start: container demo-db-1 is unhealthy (restarted 0 times): last health check (exit 1): down; last output:\n  last words",
      "demo-db-1: container demo-db-1 is unhealthy (restarted 0 times): last health check (exit 1): down; last output:\n  last words",
    ]);
  });

  it("reports a job that did not complete successfully with its exit code and last log lines", async () => {
    const e = engineWithImages();
    e.onStart = (c, eng) => {
      if (c.name === "demo-migrate-1") setTimeout(() => eng.exit(c.id, 3), 10);
    };
    const p = proj({
      migrate: svc(),
      app: svc({ depends_on: { migrate: { condition: "service_completed_successfully", required: true } } }),
    });
    const r = await deploy(p, { engine: e });
    expect(r.result.errors[0].message).toBe(
      "dependency failed to start: service migrate didn't complete successfully: exit 3; last output:\n  last words",
    );
  });

  it("removes a container whose set-up failed instead of leaving it half configured", async () => {
    const e = engineWithImages();
    e.putArchive = async () => {
      throw new Error("disk full");
    };
    const p = proj({ web: svc({ configs: [{ source: "c" }] }) }, { configs: { c: { name: "demo_c", content: "x" } } });
    const r = await deploy(p, { engine: e });
    expect(r.result.errors.map((x) => x.message)).toEqual(["disk full"]);
    expect(e.containers.size).toBe(0);
  });

  it("recreates under a temporary name, then stops and removes the old container and renames the new one", async () => {
    const e = engineWithImages();
    await deploy(proj({ web: svc({ environment: { V: "1" } }) }), { engine: e });
    const oldId = [...e.containers.values()][0].id;
    e.calls.length = 0;
    const r = await deploy(proj({ web: svc({ environment: { V: "2" } }) }), { engine: e });
    expect(r.result.errors).toEqual([]);
    const tmp = `${oldId.slice(0, 12)}_demo-web-1`;
    expect(e.calls).toEqual([
      `create ${tmp}`,
      "stop demo-web-1",
      "remove demo-web-1",
      `rename ${tmp} demo-web-1`,
      "start demo-web-1",
    ]);
  });

  it("with wait, returns only once every container is healthy (or running without a healthcheck)", async () => {
    const e = engineWithImages();
    let healthyAt = 0;
    e.onStart = (c, eng) => {
      if (c.name === "demo-db-1") {
        setTimeout(() => {
          healthyAt = Date.now();
          eng.setHealth(c.id, "healthy");
        }, 50);
      }
    };
    const r = await deploy(proj({ db: svc({ healthcheck }), web: svc() }), { engine: e, wait: true });
    expect(r.result.errors).toEqual([]);
    expect(healthyAt).toBeGreaterThan(0);
    expect(Date.now()).toBeGreaterThanOrEqual(healthyAt);
  });

  it("stops waiting when the deploy is aborted and reports it as interrupted", async () => {
    const e = engineWithImages();
    const ac = new AbortController();
    e.onStart = (c) => {
      if (c.name === "demo-db-1") setTimeout(() => ac.abort(), 20);
    };
    const p = proj({
      db: svc({ healthcheck }),
      web: svc({ depends_on: { db: { condition: "service_healthy", required: true } } }),
    });
    const r = await deploy(p, { engine: e, probe: false, signal: ac.signal });
    expect(r.result.interrupted).toBe(true);
    expect(r.result.errors).toEqual([]);
    expect(r.result.skipped.map((x) => `${x.name}: ${x.message}`)).toEqual(["web: interrupted"]);
    expect(e.calls).not.toContain("start demo-web-1");
  });

  it("pulls missing images before creating containers and records the image ID", async () => {
    const e = new FakeEngine();
    const r = await deploy(proj({ web: svc({ image: "nginx:1" }) }), { engine: e });
    expect(r.result.errors).toEqual([]);
    expect(e.calls.slice(0, 2)).toEqual(["pull nginx:1", "network demo_default"]);
    expect(e.calls).toContain("start demo-web-1");
    expect([...e.containers.values()][0].spec.Labels!["com.docker.compose.image"]).toBe("sha256:nginx:1");
  });
});

describe("down (fake engine)", () => {
  it("removes dependents first and warns instead of failing on moby#42119", async () => {
    const e = engineWithImages();
    const p = proj({ db: svc(), web: svc({ depends_on: { db: { condition: "service_started", required: true } } }) });
    await deploy(p, { engine: e });
    e.calls.length = 0;
    e.removeNetworkError = () =>
      new EngineError("error while removing network: network demo_default id abc has active endpoints", 403);
    const events: string[] = [];
    const r = await down(p, { engine: e, onEvent: (ev) => events.push(`${ev.status} ${ev.name}`) });
    expect(r.result.ok).toBe(true);
    // The dependency stops once its dependent has stopped; removals do not hold up the walk.
    const at = (call: string) => e.calls.indexOf(call);
    expect(e.calls).toHaveLength(5);
    expect(at("stop demo-web-1")).toBe(0);
    expect(at("stop demo-db-1")).toBeGreaterThan(at("stop demo-web-1"));
    expect(at("remove demo-web-1")).toBeGreaterThan(at("stop demo-web-1"));
    expect(at("remove demo-db-1")).toBeGreaterThan(at("stop demo-db-1"));
    expect(e.calls.at(-1)).toBe("rm-network demo_default");
    expect(r.result.warnings).toEqual([
      "network demo_default still reports active endpoints although no container is attached (moby#42119); left in place",
    ]);
  });

  it("stops a dependency once its dependent's process died (die event), before that stop returns", async () => {
    const e = engineWithImages();
    const dep = { depends_on: { db: { condition: "service_started" as const, required: true } } };
    const p = proj({ db: svc(), web: svc(dep), worker: svc(dep) });
    await deploy(p, { engine: e });
    e.calls.length = 0;
    e.stopCleanupMs = 150;
    const r = await down(p, { engine: e });
    expect(r.result.ok).toBe(true);
    const at = (call: string) => e.calls.indexOf(call);
    // Both dependents died before db was stopped; their stops returned later (the engine's clean-up).
    for (const dependent of ["demo-web-1", "demo-worker-1"]) {
      expect(at("stop demo-db-1")).toBeGreaterThan(at(`stop ${dependent}`));
      expect(at("stop demo-db-1")).toBeLessThan(at(`stopped ${dependent}`));
      expect(at(`remove ${dependent}`)).toBeGreaterThan(at(`stopped ${dependent}`));
    }
    expect(e.containers.size).toBe(0);
  });

  it("without a die event after the stop's kill (a container that had exited), waits for the stop to return", async () => {
    const e = engineWithImages();
    const p = proj({ db: svc(), web: svc({ depends_on: { db: { condition: "service_started", required: true } } }) });
    await deploy(p, { engine: e });
    const web = [...e.containers.values()].find((c) => c.name === "demo-web-1")!;
    web.state = "exited";
    e.calls.length = 0;
    e.stopCleanupMs = 50;
    await down(p, { engine: e });
    expect(e.calls.indexOf("stop demo-db-1")).toBeGreaterThan(e.calls.indexOf("stop demo-web-1"));
    expect(e.calls.indexOf("stopped demo-db-1")).toBeGreaterThan(e.calls.indexOf("stop demo-db-1"));
  });
});

describe("ContainerWatcher", () => {
  it("re-inspects a waited-on container on its state events, not on the exec events of its health checks", async () => {
    const e = engineWithImages();
    await deploy(proj({ db: svc({ healthcheck }) }), { engine: e, wait: false });
    const db = [...e.containers.values()].find((c) => c.name === "demo-db-1")!;
    const watcher = new ContainerWatcher(e, "demo");
    await watcher.start();
    const inspects = vi.spyOn(e, "inspectContainer");
    const healthy = watcher.waitFor(db.id, "healthy", 5000);
    await vi.waitFor(() => expect(inspects).toHaveBeenCalledTimes(1));
    for (const action of ["exec_create: true", "exec_start: true", "exec_die"]) e.emit(db.id, action);
    await new Promise((r) => setTimeout(r, 20));
    expect(inspects).toHaveBeenCalledTimes(1);
    e.setHealth(db.id, "healthy");
    await healthy;
    expect(inspects).toHaveBeenCalledTimes(2);
    watcher.close();
  });
});

describe("judge", () => {
  const info = (state: Record<string, unknown>, healthcheck = true) => ({
    Id: "x",
    Name: "/demo-db-1",
    Image: "i",
    State: { Status: "running", Running: true, ExitCode: 0, ...state },
    Config: {
      Labels: { "com.docker.compose.service": "db" },
      ...(healthcheck ? { Healthcheck: { Test: ["CMD", "true"] } } : {}),
    },
  });
  it("decides conditions from an inspect result", () => {
    expect(judge(info({ Health: { Status: "starting" } }), "healthy")).toEqual({ done: false });
    expect(judge(info({ Health: { Status: "healthy" } }), "healthy")).toEqual({ done: true });
    expect(judge(info({}, false), "healthy")).toEqual({
      done: true,
      error: "container demo-db-1 has no healthcheck configured",
    });
    expect(judge(info({}, false), "running_or_healthy")).toEqual({ done: true });
    expect(judge(info({ Status: "exited", ExitCode: 1 }), "healthy")).toEqual({
      done: true,
      error: "container demo-db-1 exited (exit 1, restarted 0 times)",
    });
    expect(judge(info({ Status: "exited", ExitCode: 0 }), "completed")).toEqual({ done: true });
    expect(judge(info({ Status: "exited", ExitCode: 2 }), "completed")).toEqual({
      done: true,
      error: "service db didn't complete successfully: exit 2",
    });
  });

  it("counts a container without healthcheck as started only once it has run STABLE_RUN_MS", () => {
    const started = "2026-01-01T00:00:00.000Z";
    const t0 = Date.parse(started);
    const running = info({ StartedAt: started }, false);
    expect(judge(running, "running_or_healthy", t0 + 100)).toEqual({ done: false, recheckAt: t0 + STABLE_RUN_MS });
    expect(judge(running, "running_or_healthy", t0 + STABLE_RUN_MS)).toEqual({ done: true });
  });

  it("fails a restarting or restarted container with its exit code and restart count", () => {
    const first = info({ StartedAt: "2026-01-01T00:00:00.000Z" }, false);
    const restarting = { ...info({ Status: "restarting", Running: true, ExitCode: 1 }, false), RestartCount: 3 };
    expect(judge(restarting, "running_or_healthy")).toEqual({
      done: true,
      error: "container demo-db-1 is restarting (exit 1, restarted 3 times)",
    });
    // running again, but started anew since the wait began: a crash loop caught between restarts
    const again = { ...info({ StartedAt: "2026-01-01T00:00:01.000Z" }, false), RestartCount: 1 };
    // running again: inspect says exit 0, the die event said 1
    expect(judge(again, "running_or_healthy", Date.parse("2026-01-01T00:00:05Z"), first, 1)).toEqual({
      done: true,
      error: "container demo-db-1 is restarting (exit 1, restarted 1 time)",
    });
    const unhealthy = {
      ...info({ Health: { Status: "unhealthy", Log: [{ ExitCode: 1, Output: "no db\n" }] } }),
      RestartCount: 0,
    };
    expect(judge(unhealthy, "healthy")).toEqual({
      done: true,
      error: "container demo-db-1 is unhealthy (restarted 0 times): last health check (exit 1): no db",
    });
  });
});

describe("lifecycle hooks (fake engine)", () => {
  const hook = (command: string[], extra: Record<string, unknown> = {}) => ({ command, ...extra });

  it("runs post_start hooks in order after the start, with user, privileges, working dir and environment", async () => {
    const e = engineWithImages();
    const specs: unknown[] = [];
    e.onExec = (_c, spec) => {
      specs.push(spec);
      return { lines: ["chowned"] };
    };
    const p = proj({
      app: svc({
        post_start: [
          hook(["chown", "-R", "1001", "/data"], { user: "root", privileged: true, working_dir: "/data" }),
          hook(["sh", "-c", "echo $A"], { environment: { A: "1", B: null } }),
        ],
      }),
    });
    const events: string[] = [];
    const r = await deploy(p, { engine: e, onEvent: (ev) => events.push(`${ev.status} ${ev.message ?? ""}`.trim()) });
    expect(r.result.errors).toEqual([]);
    expect(normalize(e.calls).slice(-3)).toEqual([
      "start demo-app-1",
      "exec demo-app-1 chown -R 1001 /data",
      "exec demo-app-1 sh -c echo $A",
    ]);
    expect(specs).toEqual([
      { Cmd: ["chown", "-R", "1001", "/data"], User: "root", Privileged: true, WorkingDir: "/data" },
      { Cmd: ["sh", "-c", "echo $A"], Env: ["A=1", "B"] },
    ]);
    expect(events).toContain("Hook post_start: chown -R 1001 /data");
    expect(events).toContain("Hook chowned");
    expect(events.indexOf("Started")).toBeGreaterThan(events.indexOf("Hook chowned"));
  });

  it("fails the service, and skips its dependents, when a post_start hook exits non-zero", async () => {
    const e = engineWithImages();
    e.onExec = () => ({ exitCode: 3 });
    const p = proj({
      app: svc({ post_start: [hook(["false"]), hook(["never-run"])] }),
      web: svc({ depends_on: { app: { condition: "service_started", required: true } } }),
    });
    const r = await deploy(p, { engine: e });
    expect(r.result.ok).toBe(false);
    expect(r.result.errors.map((x) => x.message)).toEqual(["app post_start hook exited with status 3"]);
    expect(r.result.skipped.map((x) => x.name)).toEqual(["web"]);
    expect(e.calls).not.toContain("exec demo-app-1 never-run");
  });

  it("runs pre_stop hooks before the stop on down and on recreate; a stopped container skips them", async () => {
    const e = engineWithImages();
    const p = (v: string) => proj({ app: svc({ environment: { V: v }, pre_stop: [hook(["flush"])] }) });
    await deploy(p("1"), { engine: e });
    e.calls.length = 0;
    await deploy(p("2"), { engine: e });
    expect(normalize(e.calls).slice(0, 3)).toEqual([
      "create <tmp>_demo-app-1",
      "exec demo-app-1 flush",
      "stop demo-app-1",
    ]);
    e.calls.length = 0;
    await down(p("2"), { engine: e });
    expect(e.calls.slice(0, 2)).toEqual(["exec demo-app-1 flush", "stop demo-app-1"]);

    await deploy(p("2"), { engine: e });
    const c = [...e.containers.values()][0];
    await e.stopContainer(c.id);
    e.calls.length = 0;
    const r = await down(p("2"), { engine: e });
    expect(r.result.errors).toEqual([]);
    expect(e.calls.slice(0, 2)).toEqual(["exec demo-app-1 flush", "stop demo-app-1"]);
  });
});

describe("a network whose configuration changed (fake engine)", () => {
  const withNet = (internal: boolean, services = { app: svc(), other: svc({ networks: { side: null } }) }) =>
    proj(services, {
      networks: { default: { name: "demo_default", ipam: {}, internal }, side: { name: "demo_side", ipam: {} } },
    });

  it("is recreated with the containers on it: stopped, disconnected, network replaced, containers recreated", async () => {
    const e = engineWithImages();
    await deploy(withNet(false), { engine: e });
    e.calls.length = 0;
    const events: string[] = [];
    const r = await deploy(withNet(true), { engine: e, onEvent: (ev) => events.push(`${ev.status} ${ev.name}`) });
    expect(r.result.errors).toEqual([]);
    expect(r.plan.operations.map((o) => `${o.kind} ${"name" in o ? o.name : ""} (${o.reason})`)).toEqual([
      "recreate-network demo_default (configuration changed)",
      "recreate-container demo-app-1 (network demo_default is recreated)",
    ]);
    const calls = normalize(e.calls);
    expect(calls.slice(0, 4)).toEqual([
      "stop demo-app-1",
      "disconnect demo_default demo-app-1",
      "rm-network demo_default",
      "network demo_default",
    ]);
    expect(calls.slice(4)).toEqual(
      expect.arrayContaining(["create <tmp>_demo-app-1", "remove demo-app-1", "start demo-app-1"]),
    );
    expect(calls).not.toContain("stop demo-other-1");
    expect(events).toContain("Recreated demo_default");
    const again = await deploy(withNet(true), { engine: e });
    expect(again.plan.operations).toEqual([]);
  });

  it("is refused at plan time when services outside the deploy use it", async () => {
    const e = engineWithImages();
    await deploy(withNet(false), { engine: e });
    await expect(
      deploy(withNet(true, { app: svc(), other: svc() }), { engine: e, services: ["other"] }),
    ).rejects.toThrow(
      /network demo_default changed and must be recreated, but it is also used by service\(s\) outside this deploy: app/,
    );
  });
});
