import { describe, expect, it } from "vitest";
import type { DeployEvent, ExecuteResult } from "../../src/runtime/events.js";
import { colorEnabled, createRenderer, formatPlan } from "../../src/runtime/progress.js";
import type { Plan } from "../../src/runtime/plan.js";

function sink(isTTY: boolean) {
  let out = "";
  return {
    stream: { isTTY, columns: 80, rows: 24, write: (s: string) => ((out += s), true) } as unknown as NodeJS.WriteStream,
    text: () => out,
  };
}

const ev = (
  time: number,
  status: DeployEvent["status"],
  name = "demo-web-1",
  extra: Partial<DeployEvent> = {},
): DeployEvent => ({ time, resource: "container", name, status, ...extra });
const result: ExecuteResult = {
  ok: true,
  interrupted: false,
  errors: [],
  skipped: [],
  warnings: [],
  done: { "create-container": 1, "start-container": 1 },
  durationMs: 1234,
};

describe("renderers", () => {
  it("plain: one line per event with elapsed time, no colour when not a TTY", () => {
    const s = sink(false);
    const r = createRenderer("auto", { stream: s.stream, env: {}, now: () => 1000 });
    r.onEvent(ev(1000, "Creating"));
    r.onEvent(ev(1500, "Started", "demo-web-1", { message: "ok" }));
    r.finish(result);
    expect(s.text()).toBe(
      "[  0.0s] Container demo-web-1  Creating\n[  0.5s] Container demo-web-1  Started  ok\nDone in 1.2s: 1 create container, 1 start container\n",
    );
  });

  it("json: NDJSON events and a final summary", () => {
    const s = sink(true);
    const r = createRenderer("json", { stream: s.stream, now: () => 5 });
    r.onEvent(ev(1, "Started"));
    r.finish({ ...result, ok: false, errors: [{ resource: "container", name: "x", message: "boom" }] });
    const lines = s
      .text()
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines[0]).toEqual({ type: "event", time: 1, resource: "container", name: "demo-web-1", status: "Started" });
    expect(lines[1]).toMatchObject({ type: "summary", ok: false, errors: [{ name: "x", message: "boom" }] });
  });

  it("tty: live lines with elapsed time, colour unless NO_COLOR", () => {
    const s = sink(true);
    const r = createRenderer("auto", { stream: s.stream, env: {}, now: () => 3000 });
    r.onEvent(ev(1000, "Creating"));
    r.onEvent(ev(2500, "Started"));
    r.finish(result);
    expect(s.text()).toContain("\x1b[32m✔\x1b[0m Container demo-web-1  \x1b[32mStarted\x1b[0m");
    expect(s.text()).toMatch(/1\.5s/);
    const plain = sink(true);
    const r2 = createRenderer("auto", { stream: plain.stream, env: { NO_COLOR: "1" }, now: () => 3000 });
    r2.onEvent(ev(1000, "Started"));
    r2.finish(result);
    expect(plain.text()).not.toContain("\x1b[3");
    expect(colorEnabled({ isTTY: false }, {})).toBe(false);
    expect(colorEnabled({ isTTY: true }, { NO_COLOR: "1" })).toBe(false);
  });
});

describe("formatPlan", () => {
  it("prints each operation with its reason and recreate diffs", () => {
    const plan: Plan = {
      project: "demo",
      order: ["web"],
      services: {},
      warnings: ["something odd"],
      operations: [
        { kind: "create-network", key: "default", name: "demo_default", reason: "does not exist" },
        {
          kind: "recreate-container",
          service: "web",
          number: 1,
          name: "demo-web-1",
          containerId: "c1",
          reason: "config changed: …",
          changes: [{ path: "environment.FOO", before: '"a"', after: '"b"' }],
        },
      ],
    };
    expect(formatPlan(plan)).toBe(
      'warning: something odd\nProject demo: 2 changes\n  + create network demo_default  (does not exist)\n  ~ recreate container demo-web-1  (config changed)\n      environment.FOO: "a" → "b"\n',
    );
    expect(formatPlan({ ...plan, warnings: [], operations: [] })).toBe("Project demo is up to date: no changes.\n");
  });
});
