import { afterAll, describe, expect, it } from "vitest";
import { deploy, down, logs, plan, planExitCode, ps } from "../../src/runtime/index.js";
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

const name = uniqueProject("basic");

function stack(env: Record<string, string>) {
  return project(
    name,
    {
      db: service({
        command: ["sh", "-c", "echo db is up; echo oops >&2; touch /tmp/ready; exec sleep 3600"],
        healthcheck: fileHealthcheck(),
        environment: { ROLE: "db" },
        volumes: [{ type: "volume", source: "data", target: "/data" }],
      }),
      web: service({
        environment: env,
        depends_on: { db: { condition: "service_healthy", required: true } },
        ports: [{ mode: "ingress", target: 80, protocol: "tcp" }],
      }),
    },
    { volumes: { data: { name: `${name}_data` } } },
  );
}

describe.skipIf(!engineReady)("deploy against a real engine", () => {
  afterAll(async () => {
    await purge(name);
    (await engine()).close();
  });

  it("creates, then does nothing, then recreates exactly the changed service", async () => {
    const e = await engine();
    const first = recorder();
    const r1 = await deploy(stack({ FOO: "a" }), { engine: e, onEvent: first.onEvent });
    expect(r1.result.errors).toEqual([]);
    expect(r1.result.ok).toBe(true);
    const ids1 = await containerIds(name);
    expect(Object.keys(ids1).sort()).toEqual([`${name}-db-1`, `${name}-web-1`]);
    expect(dockerCli(["inspect", "-f", "{{.State.Status}}", `${name}-web-1`])).toBe("running");
    // web waited for db to be healthy
    const healthyAt = first.events.find((ev) => ev.status === "Healthy" && ev.name === `${name}-db-1`)!.time;
    const webStart = first.events.find((ev) => ev.status === "Starting" && ev.name === `${name}-web-1`)!.time;
    expect(webStart).toBeGreaterThanOrEqual(healthyAt);

    expect(
      (await ps(name, { engine: e })).map((c) => `${c.service}#${c.number} ${c.state} ${c.health ?? "-"}`),
    ).toEqual(["db#1 running healthy", "web#1 running -"]);
    const lines: string[] = [];
    await logs(name, ["db"], { engine: e, onLine: (c, stream, line) => lines.push(`${c} ${stream} ${line}`) });
    expect(lines.sort()).toEqual([`${name}-db-1 stderr oops`, `${name}-db-1 stdout db is up`]);

    const p = await plan(stack({ FOO: "a" }), { engine: e });
    expect(p.operations).toEqual([]);
    expect(planExitCode(p)).toBe(0);

    const t0 = Date.now();
    const r2 = await deploy(stack({ FOO: "a" }), { engine: e, wait: true });
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(r2.plan.operations).toEqual([]);
    expect(await containerIds(name)).toEqual(ids1);

    const p3 = await plan(stack({ FOO: "b" }), { engine: e });
    expect(planExitCode(p3)).toBe(2);
    expect(p3.operations.map((o) => `${o.kind}:${"service" in o ? o.service : ""}`)).toEqual([
      "recreate-container:web",
    ]);
    const op = p3.operations[0] as Extract<(typeof p3.operations)[0], { kind: "recreate-container" }>;
    expect(op.changes).toEqual([{ path: "environment.FOO", before: '"a"', after: '"b"' }]);

    const r3 = await deploy(stack({ FOO: "b" }), { engine: e });
    expect(r3.result.ok).toBe(true);
    const ids3 = await containerIds(name);
    expect(ids3[`${name}-db-1`]).toBe(ids1[`${name}-db-1`]);
    expect(ids3[`${name}-web-1`]).not.toBe(ids1[`${name}-web-1`]);
    expect(dockerCli(["inspect", "-f", "{{range .Config.Env}}{{println .}}{{end}}", `${name}-web-1`])).toContain(
      "FOO=b",
    );

    const d = await down(stack({ FOO: "b" }), { engine: e });
    expect(d.result.ok).toBe(true);
    expect(await containerIds(name)).toEqual({});
    expect(dockerCli(["volume", "ls", "-q", "--filter", `name=${name}_data`])).toBe(`${name}_data`);
  });
});
