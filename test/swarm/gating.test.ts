import { describe, expect, it } from "vitest";
import type { DependencyGraph } from "../../src/runtime/graph.js";
import { gatingServices } from "../../src/swarm/execute.js";
import type { SwarmOperation } from "../../src/swarm/plan.js";

/** Layers of the bench: a → b → c → d (each depending on the one before), plus e beside them. */
function chain(): DependencyGraph {
  const dep = (target: string) => ({ target, condition: "service_healthy" as const, required: true });
  return new Map([
    ["a", []],
    ["b", [dep("a")]],
    ["c", [dep("b")]],
    ["d", [dep("c")]],
    ["e", [dep("a")]],
  ]);
}

const update = (service: string): SwarmOperation => ({
  kind: "update-service",
  service,
  name: `p_${service}`,
  serviceId: service,
  changes: [],
  reason: "",
});

describe("gatingServices: unchanged services a deploy waits for before going on", () => {
  it("are only the direct dependencies of the services it changes", () => {
    const changing = new Map([["d", update("d")]]);
    expect([...gatingServices(chain(), changing)]).toEqual(["c"]);
  });

  it("exclude dependencies that change themselves (their update is waited for anyway)", () => {
    const changing = new Map([
      ["c", update("c")],
      ["d", update("d")],
    ]);
    expect([...gatingServices(chain(), changing)]).toEqual(["b"]);
  });

  it("are none for a deploy that changes nothing", () => {
    expect(gatingServices(chain(), new Map()).size).toBe(0);
  });
});
