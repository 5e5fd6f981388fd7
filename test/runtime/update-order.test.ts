import { describe, expect, it } from "vitest";
import type { ServiceConfig } from "../../src/compose/model.js";
import { planDeploy } from "../../src/runtime/plan.js";
import { updateConfig } from "../../src/runtime/update-order.js";
import { convergedObserved, proj, svc } from "./fixtures.js";

const startFirst = { update_config: { order: "start-first" } };

/** The recreate the plan makes when `web` changes from `before` to `after`. */
function recreateOf(before: Partial<ServiceConfig>, after: Partial<ServiceConfig>, state = "running") {
  const observed = convergedObserved(proj({ web: svc(before) }));
  observed.containers[0]!.state = state;
  const plan = planDeploy(proj({ web: svc(after) }), observed);
  const op = plan.operations.find((o) => o.kind === "recreate-container");
  if (op?.kind !== "recreate-container") throw new Error("no recreate planned");
  return { op, plan };
}

describe("update order (start-first planning)", () => {
  it("gives a start-first recreate the next free number, with a spec for it, and says so", () => {
    const { op, plan } = recreateOf({ deploy: startFirst }, { deploy: startFirst, environment: { V: "2" } });
    expect(op).toMatchObject({ number: 2, name: "demo-web-2", startFirst: true });
    expect(op.update).toBe("start-first: demo-web-2 starts beside demo-web-1, which goes once it is healthy");
    expect(plan.services.web!.specs.get(2)?.create.Labels?.["com.docker.compose.container-number"]).toBe("2");
  });

  it("falls back to stop-first, saying why, for container_name, published ports, a fixed address or a stopped container", () => {
    const cases: Array<[Partial<ServiceConfig>, string, RegExp]> = [
      [{ container_name: "fixed" }, "running", /container_name "fixed" cannot be held by two containers/],
      [
        { ports: [{ mode: "ingress", target: 80, published: "8080", protocol: "tcp" }] },
        "running",
        /published host port 8080/,
      ],
      [
        { networks: { default: { ipv4_address: "10.0.0.5" } } } as Partial<ServiceConfig>,
        "running",
        /fixed address on network default/,
      ],
      [{ network_mode: "host", networks: undefined }, "running", /network_mode host/],
      [{}, "exited", /the old container is exited/],
    ];
    for (const [extra, state, why] of cases) {
      const { op } = recreateOf(
        { deploy: startFirst, ...extra },
        { deploy: startFirst, environment: { V: "2" }, ...extra },
        state,
      );
      expect(op.startFirst, why.source).toBeUndefined();
      expect(op.number).toBe(1);
      expect(op.update).toMatch(/^stop-first: start-first is not possible, /);
      expect(op.update).toMatch(why);
    }
  });

  it("leaves stop-first (the default) as it was", () => {
    const { op } = recreateOf({}, { environment: { V: "2" } });
    expect(op).toMatchObject({ number: 1, name: "demo-web-1" });
    expect(op.update).toBeUndefined();
  });

  it("reads parallelism, delay and monitor with Compose's defaults, and rejects a bad order", () => {
    expect(updateConfig("web", svc())).toEqual({
      order: "stop-first",
      parallelism: 1,
      delayMs: 0,
      monitorMs: 5000,
      drainMs: 1000,
    });
    expect(
      updateConfig(
        "web",
        svc({ deploy: { update_config: { order: "start-first", parallelism: 0, delay: "2s", monitor: "500ms" } } }),
      ),
    ).toEqual({ order: "start-first", parallelism: 0, delayMs: 2000, monitorMs: 500, drainMs: 1000 });
    expect(() => updateConfig("web", svc({ deploy: { update_config: { order: "sideways" } } }))).toThrow(
      /order must be start-first or stop-first/,
    );
  });

  it("reads the drain time from x-c2ts.drain_period (default 1 s), naming the field when it is not a duration", () => {
    const drain = (v: unknown) => updateConfig("web", svc({ "x-c2ts": { drain_period: v } } as never)).drainMs;
    expect(drain("5s")).toBe(5000);
    expect(drain("0s")).toBe(0);
    expect(drain(undefined)).toBe(1000);
    expect(() => drain("soon")).toThrow(
      expect.objectContaining({ message: 'invalid duration "soon"', path: "services.web.x-c2ts.drain_period" }),
    );
  });
});
