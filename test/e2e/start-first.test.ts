import { afterAll, describe, expect, it } from "vitest";
import type { Project, ServiceConfig } from "../../src/compose/model.js";
import { deploy, formatPlan, plan } from "../../src/runtime/index.js";
import {
  containerIds,
  dockerCli,
  engine,
  engineReady,
  project,
  purge,
  recorder,
  service,
  uniqueProject,
} from "./helpers.js";

const names: string[] = [];
const HTTP_GET = "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 1 127.0.0.1 80 | grep -q .";

/** An HTTP server answering its REV, healthy once it answers; start-first unless `extra` says otherwise. */
function web(rev: string, extra: Partial<ServiceConfig> = {}): ServiceConfig {
  return service({
    environment: { REV: rev },
    command: ["sh", "-c", "mkdir -p /www && echo rev-$REV > /www/index.html && exec httpd -f -p 80 -h /www"],
    healthcheck: { test: ["CMD-SHELL", HTTP_GET], interval: "1s", timeout: "10s", retries: 3, start_period: "0s" },
    networks: { default: { aliases: ["app"] } },
    deploy: { update_config: { order: "start-first" } },
    ...extra,
  } as Partial<ServiceConfig>);
}

/**
 * Requests http://app/ every 50 ms, resolving the alias for each request, and logs "ok <body>" or
 * "fail". nc, not wget: this busybox's static wget crashes resolving names (nc crashes only on exit,
 * after the answer, hence the stderr redirect).
 */
const client = service({
  command: [
    "sh",
    "-c",
    `while true; do body=$( (printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 app 80 | tail -n 1) 2>/dev/null); ` +
      `if [ -n "$body" ]; then echo "ok $body"; else echo "fail"; fi; sleep 0.05; done 2>/dev/null`,
  ],
});

function webContainers(name: string): Promise<string[]> {
  return containerIds(name).then((ids) =>
    Object.keys(ids)
      .filter((n) => n.startsWith(`${name}-web-`))
      .sort(),
  );
}

describe.skipIf(!engineReady)("start-first updates", () => {
  afterAll(async () => {
    for (const n of names) await purge(n);
  });

  it("keeps a service behind its alias answering through 5 consecutive updates", { timeout: 240_000 }, async () => {
    const name = uniqueProject("i13-sf");
    names.push(name);
    const e = await engine();
    const stack = (rev: string): Project => project(name, { web: web(rev), client });
    expect((await deploy(stack("0"), { engine: e, wait: true })).result.errors).toEqual([]);
    const since = new Date().toISOString();
    const seen: string[] = [];
    for (let rev = 1; rev <= 5; rev++) {
      const r = await deploy(stack(String(rev)), { engine: e });
      expect(r.result.errors).toEqual([]);
      const webs = await webContainers(name);
      expect(webs).toEqual([`${name}-web-${rev + 1}`]);
      seen.push(...webs);
    }
    // The client answers slowly on a loaded machine: let it reach the last revision.
    for (let i = 0; i < 40 && !dockerCli(["logs", "--tail", "5", `${name}-client-1`]).includes("rev-5"); i++)
      await new Promise((res) => setTimeout(res, 250));
    const lines = dockerCli(["logs", "-t", "--since", since, `${name}-client-1`])
      .split("\n")
      .filter(Boolean);
    const failed = lines.filter((l) => / fail/.test(l)).length;
    const revs = new Set(lines.filter((l) => / ok /.test(l)).map((l) => l.split(" ok ")[1]!));
    if (failed) console.log(lines.filter((l) => / fail/.test(l)).join("\n"));
    console.log(
      `start-first: ${lines.length} requests through 5 updates, ${failed} failed; answers from ${[...revs].sort().join(", ")}`,
    );
    expect(lines.length).toBeGreaterThan(50);
    expect(revs).toContain("rev-5");
    expect(failed).toBeLessThanOrEqual(1);
    expect((await plan(stack("5"), { engine: e })).operations).toEqual([]);
  });

  it(
    "rolls back an update whose new container never turns healthy: the old one keeps serving, same ID, and the change stays pending",
    { timeout: 120_000 },
    async () => {
      const name = uniqueProject("i13-sf-bad");
      names.push(name);
      const e = await engine();
      const good = project(name, { web: web("1") });
      expect((await deploy(good, { engine: e, wait: true })).result.errors).toEqual([]);
      const before = await containerIds(name);
      const bad = project(name, {
        web: web("2", {
          healthcheck: {
            test: ["CMD-SHELL", "echo 'not ready: cache cold' >&2; exit 1"],
            interval: "500ms",
            // Long enough for a loaded engine's exec: the failure must be the test's own output.
            timeout: "10s",
            retries: 2,
            start_period: "0s",
          },
        }),
      });
      const r = await deploy(bad, { engine: e });
      expect(r.result.ok).toBe(false);
      const message = r.result.errors.map((x) => x.message).join("\n");
      expect(message).toMatch(/rolled back/);
      expect(message).toContain("not ready: cache cold");
      expect(await containerIds(name)).toEqual(before);
      expect(dockerCli(["inspect", "-f", "{{.State.Status}}", `${name}-web-1`])).toBe("running");
      const pending = await plan(bad, { engine: e });
      expect(pending.operations.map((o) => o.kind)).toEqual(["recreate-container"]);
    },
  );

  it(
    "falls back to stop-first with container_name or published ports, and the plan says why",
    { timeout: 120_000 },
    async () => {
      const name = uniqueProject("i13-sf-fb");
      names.push(name);
      const e = await engine();
      const port = String(20000 + Math.floor(Math.random() * 20000));
      const stack = (rev: string): Project =>
        project(name, {
          web: web(rev, { container_name: `${name}-fixed` }),
          pub: web(rev, {
            ports: [{ mode: "ingress", target: 80, published: port, protocol: "tcp" }],
            networks: { default: null },
          }),
        });
      expect((await deploy(stack("1"), { engine: e })).result.errors).toEqual([]);
      const before = await containerIds(name);
      const p = await plan(stack("2"), { engine: e });
      const text = formatPlan(p);
      expect(text).toMatch(
        /stop-first: start-first is not possible, container_name "[^"]+-fixed" cannot be held by two containers/,
      );
      expect(text).toContain(
        `stop-first: start-first is not possible, published host port ${port} cannot be held by two containers`,
      );
      const r = await deploy(stack("2"), { engine: e });
      expect(r.result.errors).toEqual([]);
      const after = await containerIds(name);
      expect(Object.keys(after).sort()).toEqual([`${name}-fixed`, `${name}-pub-1`]);
      for (const n of Object.keys(after)) expect(after[n]).not.toBe(before[n]);
    },
  );

  it(
    "an update interrupted midway (Ctrl-C) converges on the next deploy: one container, no leftovers",
    { timeout: 120_000 },
    async () => {
      const name = uniqueProject("i13-sf-int");
      names.push(name);
      const e = await engine();
      const stack = (rev: string): Project =>
        project(name, {
          web: web(rev, { deploy: { replicas: 2, update_config: { order: "start-first" } } } as Partial<ServiceConfig>),
        });
      expect((await deploy(stack("1"), { engine: e, wait: true })).result.errors).toEqual([]);
      const controller = new AbortController();
      const rec = recorder();
      const r = await deploy(stack("2"), {
        engine: e,
        signal: controller.signal,
        onEvent: (ev) => {
          rec.onEvent(ev);
          if (ev.status === "Started" && ev.name === `${name}-web-3`) controller.abort();
        },
      });
      expect(r.result.interrupted).toBe(true);
      const again = await deploy(stack("2"), { engine: e, wait: true });
      expect(again.result.errors).toEqual([]);
      const webs = await webContainers(name);
      expect(webs.length).toBe(2);
      for (const n of webs)
        expect(dockerCli(["inspect", "-f", "{{.State.Status}} {{.State.Health.Status}}", n]), n).toBe(
          "running healthy",
        );
      expect((await plan(stack("2"), { engine: e })).operations).toEqual([]);
    },
  );
});
