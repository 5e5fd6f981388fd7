import { describe, expect, it } from "vitest";
import type { SwarmNode, SwarmService, SwarmTask } from "../../src/swarm/api.js";
import { servingPlacement } from "../../src/swarm/proxy-placement.js";

const node = (id: string, name: string, state = "ready"): SwarmNode => ({
  ID: id,
  Version: { Index: 1 },
  Spec: { Role: "manager", Availability: "active", Labels: { "c2ts.node": name } },
  Status: { State: state },
});
const service = (id: string, name: string, hostPort: boolean): SwarmService =>
  ({
    ID: id,
    Version: { Index: 1 },
    Spec: {
      Name: `p_${name}`,
      EndpointSpec: {
        Mode: "dnsrr",
        Ports: [{ TargetPort: 80, PublishedPort: 8080, PublishMode: hostPort ? "host" : "ingress" }],
      },
    },
  }) as unknown as SwarmService;
const task = (service: string, nodeId: string, state = "running", desired = "running"): SwarmTask => ({
  ID: `${service}-${nodeId}-${state}`,
  ServiceID: service,
  NodeID: nodeId,
  Version: { Index: 1 },
  DesiredState: desired,
  Status: { State: state },
});

describe("servingPlacement", () => {
  const nodes = [node("a", "n1"), node("b", "n2"), node("c", "n3", "down")];

  it("host-mode ports: only the nodes running a task; ingress: every ready node", () => {
    const placement = servingPlacement(
      "p",
      [service("s1", "web", true), service("s2", "api", false)],
      [task("s1", "b"), task("s1", "a", "shutdown", "shutdown"), task("s1", "c", "starting")],
      nodes,
    );
    expect(placement).toEqual({ web: ["n2"], api: ["n1", "n2"] });
  });
});
