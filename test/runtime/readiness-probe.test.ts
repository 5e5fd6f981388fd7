import { describe, expect, it } from "vitest";
import type { ContainerInspect } from "../../src/runtime/engine.js";
import { deploy } from "../../src/runtime/index.js";
import { probeDelays, probeEnabled, probeExecSpec } from "../../src/runtime/readiness-probe.js";
import { FakeEngine } from "./fake-engine.js";
import { proj, svc } from "./fixtures.js";

function inspected(config: Partial<ContainerInspect["Config"]>): ContainerInspect {
  return { Id: "x", Name: "/x", Image: "i", State: { Status: "running", Running: true, ExitCode: 0 }, Config: config };
}

describe("readiness probe", () => {
  it("runs the healthcheck test as the engine would: CMD as is, CMD-SHELL through the container's shell, as its user", () => {
    expect(
      probeExecSpec(inspected({ Healthcheck: { Test: ["CMD", "pg_isready", "-q"] }, User: "pg", WorkingDir: "/w" })),
    ).toEqual({
      Cmd: ["pg_isready", "-q"],
      User: "pg",
      WorkingDir: "/w",
    });
    expect(probeExecSpec(inspected({ Healthcheck: { Test: ["CMD-SHELL", "curl -f localhost"] } }))).toEqual({
      Cmd: ["/bin/sh", "-c", "curl -f localhost"],
    });
    expect(
      probeExecSpec(inspected({ Healthcheck: { Test: ["CMD-SHELL", "x"] }, Shell: ["/bin/bash", "-ec"] }))?.Cmd,
    ).toEqual(["/bin/bash", "-ec", "x"]);
    expect(probeExecSpec(inspected({ Healthcheck: { Test: ["NONE"] } }))).toBeUndefined();
    expect(probeExecSpec(inspected({}))).toBeUndefined();
  });

  it("backs off 100 ms, doubling, up to the interval", () => {
    const next = probeDelays(1000);
    expect([next(), next(), next(), next(), next(), next()]).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it("is on unless --no-probe or x-c2ts.readiness_probe: false (service wins over top level)", () => {
    const p = proj({ a: svc(), b: svc({ "x-c2ts": { readiness_probe: true } } as never) }, {
      "x-c2ts": { readiness_probe: false },
    } as never);
    expect(probeEnabled(proj({ a: svc() }), "a", false)).toBe(true);
    expect(probeEnabled(proj({ a: svc() }), "a", true)).toBe(false);
    expect(probeEnabled(p, "a", false)).toBe(false);
    expect(probeEnabled(p, "b", false)).toBe(true);
  });

  it("releases a service_healthy dependent once the test passes, before the engine reports healthy", async () => {
    const e = new FakeEngine();
    e.images.set("busybox:latest", "sha256:bb");
    let attempts = 0;
    e.onExec = (c) => (c.name === "demo-db-1" && ++attempts < 3 ? { exitCode: 1 } : { exitCode: 0 });
    const p = proj({
      db: svc({ healthcheck: { test: ["CMD", "ready"], interval: "10s" } }),
      web: svc({ depends_on: { db: { condition: "service_healthy", required: true } } }),
    });
    const events: string[] = [];
    const r = await deploy(p, {
      engine: e,
      onEvent: (ev) => events.push(`${ev.status} ${ev.name} ${ev.message ?? ""}`.trim()),
    });
    expect(r.result.errors).toEqual([]);
    expect(e.calls.filter((c) => c.startsWith("exec"))).toEqual(Array(3).fill("exec demo-db-1 ready"));
    expect(e.calls).toContain("start demo-web-1");
    expect(events).toContain("Healthy demo-db-1 health check passed (probe)");
  });
});
