import { afterAll, describe, expect, it } from "vitest";
import { deploy } from "../../src/runtime/index.js";
import { dockerCli, engine, engineReady, project, purge, recorder, service, uniqueProject } from "./helpers.js";

const name = uniqueProject("i13-probe");
const INTERVAL_MS = 10_000;

/** Layer `n` turns ready 300 ms after it starts (the probe fails first, then passes on a retry). */
function layer(dependsOn?: string) {
  return service({
    command: ["sh", "-c", "sleep 0.3; touch /tmp/ready; exec sleep 3600"],
    healthcheck: {
      test: ["CMD", "test", "-f", "/tmp/ready"],
      interval: "10s",
      // A loaded machine makes the engine's exec slow: a short timeout would fail a passing test.
      timeout: "10s",
      retries: 3,
      start_period: "0s",
    },
    ...(dependsOn ? { depends_on: { [dependsOn]: { condition: "service_healthy", required: true } } } : {}),
  });
}

function healthOf(container: string): string {
  return dockerCli(["inspect", "-f", "{{.State.Health.Status}}", container]);
}

describe.skipIf(!engineReady)("readiness probing", () => {
  afterAll(async () => {
    await purge(name);
  });

  it(
    "starts a 3-layer service_healthy chain with 10 s intervals well within one interval, while the engine's status turns healthy by itself",
    { timeout: 120_000 },
    async () => {
      const e = await engine();
      const p = project(name, { l1: layer(), l2: layer("l1"), l3: layer("l2") });
      const rec = recorder();
      const t0 = Date.now();
      const r = await deploy(p, { engine: e, onEvent: rec.onEvent, wait: false });
      expect(r.result.errors).toEqual([]);
      const startedAt = (c: string) => rec.events.find((ev) => ev.name === c && ev.status === "Started")?.time ?? NaN;
      const allStarted = startedAt(`${name}-l3-1`) - t0;
      console.log(
        `3 layers, interval 10s: all started after ${allStarted} ms (without probing: at least ${(2 * INTERVAL_MS) / 1000} s)`,
      );
      // Without probing l3 could not start before two engine checks (2 × 10 s); well under one interval per layer.
      expect(allStarted).toBeLessThan(INTERVAL_MS);
      // Dependents were released by the probe: the engine had not run its first check yet.
      expect(
        rec.events
          .filter((ev) => ev.message === "health check passed (probe)")
          .map((ev) => ev.name)
          .sort(),
      ).toEqual([`${name}-l1-1`, `${name}-l2-1`]);
      for (const l of ["l1", "l2", "l3"]) expect(healthOf(`${name}-${l}-1`)).toBe("starting");

      // The engine's own status is untouched and turns healthy on its own clock.
      const deadline = Date.now() + 3 * INTERVAL_MS;
      const pending = new Set(["l1", "l2", "l3"]);
      while (pending.size && Date.now() < deadline) {
        for (const l of [...pending]) if (healthOf(`${name}-${l}-1`) === "healthy") pending.delete(l);
        await new Promise((res) => setTimeout(res, 500));
      }
      expect([...pending]).toEqual([]);
    },
  );
});
