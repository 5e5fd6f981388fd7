import { describe, expect, it } from "vitest";
import { load } from "./helpers.js";
import { convertStack } from "../../../src/swarm/convert/index.js";
import { UNSUPPORTED_FIELDS } from "../../../src/swarm/convert/unsupported.js";
import { convert, warningsOf } from "./helpers.js";

describe("fields Swarm cannot express are named, never dropped silently", () => {
  it("warns once per unsupported field, with the reason", async () => {
    const stack = await convert(`
services:
  legacy:
    image: x
    privileged: true
    devices: [/dev/ttyUSB0]
    ipc: host
    pid: host
    userns_mode: host
    cgroup_parent: /custom
    security_opt: [no-new-privileges:true]
    shm_size: 256m
    container_name: legacy-1
    links: [other]
    cpu_shares: 512
    mem_swappiness: 10
    pull_policy: always
  other: { image: x }
`);
    expect(warningsOf(stack, "legacy")).toEqual([
      "privileged: Swarm services cannot run privileged containers; ignored",
      "devices: Swarm cannot pass host devices to service tasks; ignored",
      "ipc: Swarm tasks cannot share the host's or another container's namespaces; ignored",
      "pid: Swarm tasks cannot share the host's or another container's namespaces; ignored",
      "userns_mode: Swarm tasks cannot share the host's or another container's namespaces; ignored",
      "cgroup_parent: Swarm places tasks in its own cgroups; ignored",
      "security_opt: Swarm services take no security options (seccomp, AppArmor, SELinux labels); ignored",
      "shm_size: Swarm cannot size /dev/shm; mount a tmpfs at /dev/shm instead; ignored",
      "links: Swarm services reach each other by service name on a shared network; ignored",
      "container_name: Swarm names each task itself (<service>.<slot>.<id>); ignored",
      "cpu_shares: Swarm limits only CPUs, memory and PIDs (deploy.resources); ignored",
      "mem_swappiness: Swarm limits only CPUs, memory and PIDs (deploy.resources); ignored",
      "pull_policy: Swarm nodes pull images themselves when a task starts; ignored",
    ]);
    expect(warningsOf(stack, "other")).toEqual([]);
  });

  it("covers what docker stack deploy lists as unsupported (docker/cli types.UnsupportedProperties)", () => {
    const listed = new Set(UNSUPPORTED_FIELDS.map(([f]) => f));
    // `build` and `network_mode` are handled where they are mapped (image override, host/none networks);
    // `restart`, cap_add/cap_drop, sysctls and ulimits are mapped.
    for (const f of [
      "cgroup_parent",
      "devices",
      "domainname",
      "external_links",
      "ipc",
      "links",
      "mac_address",
      "pid",
      "privileged",
      "security_opt",
      "shm_size",
      "userns_mode",
    ] as const) {
      expect(listed.has(f), f).toBe(true);
    }
  });

  it("port details Swarm cannot publish", async () => {
    const stack = await convert(`
services:
  a:
    image: x
    ports:
      - "127.0.0.1:8080:80"
      - { target: 81, published: "9000-9005", app_protocol: http }
`);
    expect(stack.services.a!.EndpointSpec!.Ports).toEqual([
      { Protocol: "tcp", TargetPort: 80, PublishedPort: 8080, PublishMode: "ingress" },
      { Protocol: "tcp", TargetPort: 81, PublishedPort: 9000, PublishMode: "ingress" },
    ]);
    expect(warningsOf(stack, "a")).toEqual([
      "ports[0].host_ip: Swarm publishes on every address of the node; ignored",
      "ports[1].published: Swarm publishes one port per target, not a range; 9000 is used",
      "ports[1].app_protocol: Swarm has no application protocol hint; ignored",
    ]);
  });

  it("logging options without a driver", async () => {
    const stack = await convert(`
services:
  a: { image: x, logging: { options: { max-size: 1m } } }
`);
    expect(stack.services.a!.TaskTemplate.LogDriver).toBeUndefined();
    expect(warningsOf(stack, "a")).toEqual(["logging.options: Swarm needs a logging driver to take options; ignored"]);
  });

  it("drops fields an older engine cannot take, naming the API version", async () => {
    const stack = await convert(
      `
services:
  a:
    image: x
    sysctls: { net.core.somaxconn: "1024" }
    cap_add: [NET_ADMIN]
    ulimits: { nofile: 1024 }
    oom_score_adj: 10
    healthcheck: { test: [CMD, "true"], start_interval: 1s }
    deploy:
      replicas: 2
      resources: { limits: { pids: 10 } }
      placement: { max_replicas_per_node: 1 }
`,
      { apiVersion: "1.39" },
    );
    const c = stack.services.a!.TaskTemplate.ContainerSpec;
    expect(c.Sysctls).toBeUndefined();
    expect(c.CapabilityAdd).toBeUndefined();
    expect(c.Ulimits).toBeUndefined();
    expect(c.OomScoreAdj).toBeUndefined();
    expect(c.Healthcheck).toEqual({ Test: ["CMD", "true"] });
    expect(stack.services.a!.TaskTemplate.Resources).toBeUndefined();
    expect(stack.services.a!.TaskTemplate.Placement).toBeUndefined();
    expect(warningsOf(stack, "a")).toEqual([
      "healthcheck.start_interval: needs Engine API 1.44 (engine speaks 1.39); ignored",
      "sysctls: needs Engine API 1.40 for Swarm services (engine speaks 1.39); ignored",
      "cap_add: needs Engine API 1.41 for Swarm services (engine speaks 1.39); ignored",
      "ulimits: needs Engine API 1.41 for Swarm services (engine speaks 1.39); ignored",
      "oom_score_adj: needs Engine API 1.46 for Swarm services (engine speaks 1.39); ignored",
      "deploy.resources.limits.pids: needs Engine API 1.41 for Swarm services (engine speaks 1.39); ignored",
      "deploy.placement.max_replicas_per_node: needs Engine API 1.40 for Swarm services (engine speaks 1.39); ignored",
    ]);
  });

  it("a config driver does not exist in Swarm", async () => {
    const project = await load(`
services: { a: { image: x, configs: [c] } }
configs: { c: { content: hi } }
`);
    project.configs!.c!.driver = "vault";
    const stack = convertStack({ projectName: "p", project, configData: { c: "hi" } });
    expect(warningsOf(stack, "configs.c")).toEqual(["driver: Swarm configs have no driver; ignored"]);
  });
});

describe("stateful services: local named volumes on several nodes", () => {
  const yaml = (deploy: string, volumeDriver = "") => `
services:
  db:
    image: x
    volumes: [dbdata:/var/lib/db, /anon, { type: tmpfs, target: /t }]
    deploy: ${deploy}
volumes:
  dbdata: { ${volumeDriver} }
`;
  const nodes = { nodeNames: ["nas", "pi", "vps"] };
  const SUGGEST =
    '. Pin the service to one node: placement: { db: ["<node>"] } in the cluster definition, or deploy.placement.constraints: ["node.labels.c2ts.node==<node>"]';

  it("warns for several replicas: each node has its own copy", async () => {
    const stack = await convert(yaml("{ replicas: 3 }"), nodes);
    expect(warningsOf(stack, "db")).toEqual([
      `volumes[/var/lib/db]: each of the 3 replicas on a different node gets its own copy of volume proj_dbdata; the data is not shared${SUGGEST}`,
    ]);
  });

  it("warns for one replica that may move to another node", async () => {
    const stack = await convert(yaml("{ replicas: 1 }"), nodes);
    expect(warningsOf(stack, "db")).toEqual([
      `volumes[/var/lib/db]: the task can move to another node, which has its own (empty) copy of volume proj_dbdata${SUGGEST}`,
    ]);
  });

  it("warns for several replicas even when the cluster size is unknown", async () => {
    const stack = await convert(yaml("{ replicas: 2 }"));
    expect(warningsOf(stack, "db")).toHaveLength(1);
  });

  it("does not warn when pinned to one node, global, on a single-node cluster, or on a shared driver", async () => {
    const pinnedByCluster = await convert(yaml("{ replicas: 1 }"), { ...nodes, placement: { db: ["nas"] } });
    const pinnedByFile = await convert(yaml("{ placement: { constraints: [node.hostname==nas] } }"), nodes);
    const global = await convert(yaml("{ mode: global }"), nodes);
    const single = await convert(yaml("{ replicas: 1 }"), { nodeNames: ["solo"] });
    const unknown = await convert(yaml("{ replicas: 1 }"));
    const shared = await convert(yaml("{ replicas: 3 }", "driver: rexray/ebs"), nodes);
    for (const stack of [pinnedByCluster, pinnedByFile, global, single, unknown, shared]) {
      expect(warningsOf(stack, "db")).toEqual([]);
    }
  });

  it("still warns when the cluster placement allows several nodes", async () => {
    const stack = await convert(yaml("{ replicas: 1 }"), { ...nodes, placement: { db: ["nas", "pi"] } });
    expect(warningsOf(stack, "db")).toHaveLength(1);
  });
});
