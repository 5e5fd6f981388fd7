/**
 * Containers that are not what they seem: a crash loop caught running between two restarts, and a
 * paused container. Both used to pass for converged.
 */
import { afterAll, describe, expect, it } from "vitest";
import { deploy, plan } from "../../src/runtime/index.js";
import { dockerCli, engine, engineReady, project, purge, service, uniqueProject } from "./helpers.js";

const crash = uniqueProject("i14-crashloop");
const paused = uniqueProject("i14-paused");

describe.skipIf(!engineReady)("container faults", () => {
  afterAll(async () => {
    await purge(crash);
    await purge(paused);
  });

  it(
    "a crash-looping service without healthcheck fails the deploy with exit code, restarts and last output",
    { timeout: 60_000 },
    async () => {
      const e = await engine();
      const p = project(crash, {
        flaky: service({
          restart: "always",
          command: ["sh", "-c", "echo booting; sleep 0.5; echo 'fatal: no config' >&2; exit 1"],
        }),
        fine: service(),
      });
      const r = await deploy(p, { engine: e, wait: true, waitTimeoutMs: 30_000 });
      expect(r.result.ok).toBe(false);
      const err = r.result.errors.find((x) => x.service === "flaky");
      expect(err?.message).toMatch(/container .*flaky-1 (is restarting|exited) \(exit 1, restarted \d+ times?\)/);
      expect(err?.message).toContain("fatal: no config");
      expect(r.result.errors.some((x) => x.service === "fine")).toBe(false);
    },
  );

  it("a paused container is planned as an unpause and unpaused by deploy", { timeout: 60_000 }, async () => {
    const e = await engine();
    const p = project(paused, { web: service() });
    expect((await deploy(p, { engine: e, wait: true })).result.ok).toBe(true);
    dockerCli(["pause", `${paused}-web-1`]);
    const pl = await plan(p, { engine: e });
    expect(pl.operations.map((o) => `${o.kind} ${"reason" in o ? o.reason : ""}`)).toEqual([
      "start-container paused: unpause",
    ]);
    const r = await deploy(p, { engine: e, wait: true });
    expect(r.result.errors).toEqual([]);
    expect(r.result.ok).toBe(true);
    expect(dockerCli(["inspect", "-f", "{{.State.Status}}", `${paused}-web-1`])).toBe("running");
    expect((await plan(p, { engine: e })).operations).toEqual([]);
  });
});
