import { describe, expect, it } from "vitest";
import { clusterConstraints } from "../../../src/swarm/convert/index.js";
import { convert, warningsOf } from "./helpers.js";

describe("resources", () => {
  it("maps limits and reservations, generic resources included", async () => {
    const stack = await convert(`
services:
  a:
    image: x
    deploy:
      resources:
        limits: { cpus: "1.5", memory: 512m, pids: 100 }
        reservations:
          cpus: "0.25"
          memory: 64m
          generic_resources:
            - discrete_resource_spec: { kind: gpu, value: 2 }
            - discrete_resource_spec: { kind: ssd, value: 1 }
`);
    expect(stack.services.a!.TaskTemplate.Resources).toEqual({
      Limits: { NanoCPUs: 1_500_000_000, MemoryBytes: 512 * 1024 * 1024, Pids: 100 },
      Reservations: {
        NanoCPUs: 250_000_000,
        MemoryBytes: 64 * 1024 * 1024,
        GenericResources: [
          { DiscreteResourceSpec: { Kind: "gpu", Value: 2 } },
          { DiscreteResourceSpec: { Kind: "ssd", Value: 1 } },
        ],
      },
    });
  });

  it("takes named generic resources when the model carries them", async () => {
    const { load } = await import("./helpers.js");
    const { convertStack } = await import("../../../src/swarm/convert/index.js");
    const project = await load(`services: { a: { image: x } }`);
    project.services.a!.deploy = {
      resources: { reservations: { generic_resources: [{ named_resource_spec: { kind: "gpu", value: "GPU-7f3a" } }] } },
    };
    const stack = convertStack({ projectName: "p", project });
    expect(stack.services.a!.TaskTemplate.Resources).toEqual({
      Reservations: { GenericResources: [{ NamedResourceSpec: { Kind: "gpu", Value: "GPU-7f3a" } }] },
    });
  });

  it("service-level cpus/mem_limit/mem_reservation/pids_limit fill what deploy.resources leaves unset", async () => {
    const stack = await convert(`
services:
  a: { image: x, cpus: 0.5, mem_limit: 128m, mem_reservation: 32m, pids_limit: 50 }
  b: { image: x, cpus: 0.5, deploy: { resources: { limits: { cpus: "2" } } } }
`);
    expect(stack.services.a!.TaskTemplate.Resources).toEqual({
      Limits: { NanoCPUs: 500_000_000, MemoryBytes: 128 * 1024 * 1024, Pids: 50 },
      Reservations: { MemoryBytes: 32 * 1024 * 1024 },
    });
    expect(stack.services.b!.TaskTemplate.Resources).toEqual({ Limits: { NanoCPUs: 2_000_000_000 } });
  });

  it("no resources, no Resources", async () => {
    const stack = await convert(`services: { a: { image: x } }`);
    expect(stack.services.a!.TaskTemplate.Resources).toBeUndefined();
  });

  it("device reservations cannot be expressed", async () => {
    const stack = await convert(`
services:
  a:
    image: x
    deploy:
      resources:
        reservations:
          devices: [{ capabilities: [gpu], count: 1 }]
`);
    expect(warningsOf(stack, "a")).toEqual([
      "deploy.resources.reservations.devices: Swarm has no device requests; advertise the devices as node generic resources and reserve generic_resources instead; ignored",
    ]);
  });
});

describe("placement", () => {
  it("maps constraints, spread preferences, max_replicas_per_node and platform", async () => {
    const stack = await convert(`
services:
  a:
    image: x
    platform: linux/arm64/v8
    deploy:
      replicas: 4
      placement:
        constraints: [node.role==worker, "node.labels.zone!=eu-1"]
        preferences: [{ spread: node.labels.zone }, { spread: node.labels.rack }]
        max_replicas_per_node: 2
`);
    expect(stack.services.a!.TaskTemplate.Placement).toEqual({
      Constraints: ["node.role==worker", "node.labels.zone!=eu-1"],
      Preferences: [
        { Spread: { SpreadDescriptor: "node.labels.zone" } },
        { Spread: { SpreadDescriptor: "node.labels.rack" } },
      ],
      MaxReplicas: 2,
      Platforms: [{ Architecture: "arm64", OS: "linux" }],
    });
  });

  it("max_replicas_per_node does not apply to a global service", async () => {
    const stack = await convert(`
services:
  a: { image: x, deploy: { mode: global, placement: { max_replicas_per_node: 1 } } }
`);
    expect(stack.services.a!.TaskTemplate.Placement).toBeUndefined();
    expect(warningsOf(stack, "a")).toEqual([
      "deploy.placement.max_replicas_per_node: does not apply to a global service; ignored",
    ]);
  });

  it("the cluster definition's placement on one node is a node label constraint", async () => {
    const stack = await convert(
      `
services:
  db: { image: x, deploy: { placement: { constraints: [node.role==manager] } } }
  web: { image: x }
`,
      { placement: { db: ["nas"] }, nodeNames: ["nas", "pi", "vps"] },
    );
    expect(stack.services.db!.TaskTemplate.Placement).toEqual({
      Constraints: ["node.role==manager", "node.labels.c2ts.node==nas"],
    });
    expect(stack.services.web!.TaskTemplate.Placement).toBeUndefined();
  });

  it("placement on several nodes excludes every other node (Swarm ANDs constraints)", async () => {
    const stack = await convert(`services: { web: { image: x } }`, {
      placement: { web: ["nas", "vps"] },
      nodeNames: ["nas", "pi", "vps", "laptop"],
    });
    expect(stack.services.web!.TaskTemplate.Placement).toEqual({
      Constraints: ["node.labels.c2ts.node!=pi", "node.labels.c2ts.node!=laptop"],
    });
  });

  it("placement on every node constrains nothing", () => {
    expect(clusterConstraints("web", ["a", "b"], ["b", "a"])).toEqual([]);
  });

  it("refuses placement it cannot express", () => {
    expect(() => clusterConstraints("web", [], ["a"])).toThrow(
      /service "web": placement \(cluster definition\): lists no node/,
    );
    expect(() => clusterConstraints("web", ["a", "b"], undefined)).toThrow(/need the list of all cluster nodes/);
    expect(() => clusterConstraints("web", ["a", "zz"], ["a", "b"])).toThrow(/unknown node\(s\) zz/);
  });
});
