import { afterAll, describe, expect, it } from "vitest";
import { deploy } from "../../src/runtime/index.js";
import { dockerCli, engine, engineReady, project, purge, recorder, service, uniqueProject } from "./helpers.js";

const name = uniqueProject("unhealthy");

describe.skipIf(!engineReady)("a dependency that never turns healthy", () => {
  afterAll(async () => {
    await purge(name);
  });

  it(
    "fails its dependents fast with the health-check output while unrelated branches finish",
    { timeout: 120_000 },
    async () => {
      const e = await engine();
      const p = project(name, {
        bad: service({
          healthcheck: {
            test: ["CMD-SHELL", "echo 'db not accepting connections on 5432' >&2; exit 1"],
            interval: "300ms",
            timeout: "2s",
            retries: 2,
            start_period: "0s",
          },
        }),
        app: service({ depends_on: { bad: { condition: "service_healthy", required: true } } }),
        front: service({ depends_on: { app: { condition: "service_started", required: true } } }),
        optional: service({ depends_on: { bad: { condition: "service_healthy", required: false } } }),
        other: service(),
        other2: service({ depends_on: { other: { condition: "service_started", required: true } } }),
      });
      const rec = recorder();
      const t0 = Date.now();
      const r = await deploy(p, { engine: e, onEvent: rec.onEvent, waitTimeoutMs: 60_000 });
      const elapsed = Date.now() - t0;
      expect(r.result.ok).toBe(false);
      expect(elapsed).toBeLessThan(30_000);

      const appError = r.result.errors.find((x) => x.service === "app");
      expect(appError?.message).toMatch(/unhealthy/);
      expect(appError?.message).toContain("db not accepting connections on 5432");
      expect(r.result.skipped.map((s) => s.name)).toContain("front");

      // the app container was created but never started; unrelated branches and the optional dependent run
      expect(dockerCli(["inspect", "-f", "{{.State.Status}}", `${name}-app-1`])).toBe("created");
      for (const s of ["other", "other2", "optional"]) {
        expect(dockerCli(["inspect", "-f", "{{.State.Status}}", `${name}-${s}-1`]), s).toBe("running");
      }
      expect(r.result.warnings.some((w) => w.includes("optional dependency bad"))).toBe(true);
    },
  );
});
