import { describe, expect, it } from "vitest";
import {
  createLimiter,
  dependencyGraph,
  SkipNode,
  topologicalOrder,
  walkGraph,
  withDependencies,
  withDependents,
} from "../../src/runtime/graph.js";
import { proj, svc } from "./fixtures.js";

const started = (condition: "service_started" = "service_started", required = true) => ({ condition, required });

const diamond = () =>
  proj({
    a: svc(),
    b: svc({ depends_on: { a: started() } }),
    c: svc({ depends_on: { a: started() } }),
    d: svc({ depends_on: { b: started(), c: started() } }),
    e: svc(),
  });

describe("dependencyGraph", () => {
  it("adds implicit edges for links, namespaces and volumes_from and drops optional missing services", () => {
    const g = dependencyGraph(
      proj({
        db: svc(),
        vpn: svc(),
        app: svc({
          links: ["db:database"],
          network_mode: "service:vpn",
          volumes_from: ["db:ro"],
          depends_on: { ghost: { condition: "service_started", required: false } },
        }),
      }),
    );
    expect(
      g
        .get("app")!
        .map((e) => e.target)
        .sort(),
    ).toEqual(["db", "vpn"]);
  });

  it("rejects cycles and required dependencies on undefined services", () => {
    expect(() =>
      dependencyGraph(proj({ a: svc({ depends_on: { b: started() } }), b: svc({ depends_on: { a: started() } }) })),
    ).toThrow(/dependency cycle detected: a -> b -> a/);
    expect(() => dependencyGraph(proj({ a: svc({ depends_on: { nope: started() } }) }))).toThrow(
      /undefined service "nope"/,
    );
  });

  it("orders topologically and computes closures", () => {
    const g = dependencyGraph(diamond());
    expect(topologicalOrder(g)).toEqual(["a", "b", "c", "d", "e"]);
    expect([...withDependencies(g, ["d"])].sort()).toEqual(["a", "b", "c", "d"]);
    expect([...withDependents(g, ["b"])].sort()).toEqual(["b", "d"]);
  });
});

describe("walkGraph", () => {
  it("visits dependencies before dependents, in parallel where possible", async () => {
    const g = dependencyGraph(diamond());
    const log: string[] = [];
    let active = 0;
    let maxActive = 0;
    await walkGraph(g, async (n) => {
      active++;
      maxActive = Math.max(maxActive, active);
      log.push(`start ${n}`);
      await new Promise((r) => setTimeout(r, 10));
      log.push(`end ${n}`);
      active--;
    });
    const at = (s: string) => log.indexOf(s);
    expect(at("start b")).toBeGreaterThan(at("end a"));
    expect(at("start d")).toBeGreaterThan(at("end b"));
    expect(at("start d")).toBeGreaterThan(at("end c"));
    expect(maxActive).toBeGreaterThanOrEqual(2);
  });

  it("walks dependents first when reversed", async () => {
    const order: string[] = [];
    await walkGraph(dependencyGraph(diamond()), async (n) => void order.push(n), { reverse: true });
    expect(order.indexOf("d")).toBeLessThan(order.indexOf("b"));
    expect(order.indexOf("b")).toBeLessThan(order.indexOf("a"));
  });

  it("lets unrelated branches finish when a node fails and tells dependents what failed", async () => {
    const seen: Record<string, string[]> = {};
    const out = await walkGraph(dependencyGraph(diamond()), async (n, ctx) => {
      seen[n] = ctx.failed;
      if (n === "b") throw new Error("boom");
      if (ctx.failed.length) throw new SkipNode(`after ${ctx.failed.join(",")}`);
    });
    expect(out.get("b")).toEqual({ status: "failed", error: new Error("boom") });
    expect(out.get("d")).toEqual({ status: "skipped", reason: "after b" });
    expect(out.get("c")).toEqual({ status: "done" });
    expect(out.get("e")).toEqual({ status: "done" });
    expect(seen.d).toEqual(["b"]);
  });

  it("skips nodes not yet started once aborted", async () => {
    const ac = new AbortController();
    const out = await walkGraph(
      dependencyGraph(diamond()),
      async (n) => {
        if (n === "a") ac.abort();
      },
      { signal: ac.signal },
    );
    expect(out.get("d")).toEqual({ status: "skipped", reason: "interrupted" });
  });
});

describe("createLimiter", () => {
  it("never runs more than the limit at once", async () => {
    const limit = createLimiter(3);
    let active = 0;
    let max = 0;
    await Promise.all(
      Array.from({ length: 20 }, () =>
        limit.run(async () => {
          active++;
          max = Math.max(max, active);
          await new Promise((r) => setTimeout(r, 2));
          active--;
        }),
      ),
    );
    expect(max).toBe(3);
  });
});
