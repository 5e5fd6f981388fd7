import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Project, ServiceConfig } from "../../src/compose/model.js";
import { UserError } from "../../src/compose/errors.js";
import { defineCluster, resolveCluster } from "../../src/cluster/define.js";
import type { ClusterDefinition } from "../../src/cluster/define.js";
import { servingNodes } from "../../src/cluster/order.js";
import { parseTailscaleStatus } from "../../src/cluster/tailscale.js";

const status = parseTailscaleStatus(
  readFileSync(new URL("../../fixtures/tailscale/status-running.json", import.meta.url), "utf8"),
);
const svc = (partial: Partial<ServiceConfig> = {}): ServiceConfig => ({ command: null, entrypoint: null, ...partial });
const project = (services: Record<string, ServiceConfig>): Project => ({ name: "p", services });

function userError(fn: () => unknown): UserError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return e as UserError;
  }
  throw new Error("expected a UserError");
}

describe("defineCluster validation", () => {
  const ok: ClusterDefinition = { domain: "example.com", nodes: [{ name: "a", address: "100.64.0.1" }] };

  it("returns the definition unchanged when valid", () => {
    expect(defineCluster(ok)).toBe(ok);
  });

  it.each([
    [{ ...ok, domain: "Example.COM" }, "cluster.domain"],
    [{ ...ok, domain: "not a domain" }, "cluster.domain"],
    [{ ...ok, nodes: [] }, "cluster.nodes"],
    [{ ...ok, nodes: [{ name: "A_1", address: "1.2.3.4" }] }, "cluster.nodes[0].name"],
    [
      {
        ...ok,
        nodes: [
          { name: "a", address: "1.2.3.4" },
          { name: "a", address: "1.2.3.5" },
        ],
      },
      "cluster.nodes[1].name",
    ],
    [{ ...ok, nodes: [{ name: "a", address: "1.2.3.4; rm" }] }, "cluster.nodes[0].address"],
    [{ ...ok, nodes: [{ name: "a", address: "1.2.3.4", engine: "http://x:2375" }] }, "cluster.nodes[0].engine"],
    [{ ...ok, nodes: [{ name: "a", address: "1.2.3.4", engine: "tcp://" }] }, "cluster.nodes[0].engine"],
    [{ ...ok, nodes: [{ name: "a", address: "1.2.3.4", tier: "gold" }] }, "cluster.nodes[0].tier"],
    [{ ...ok, tiers: ["x", "x"] }, "cluster.tiers[1]"],
    [{ ...ok, nodes: { discover: "consul" } }, "cluster.nodes.discover"],
    [{ ...ok, nodes: { discover: "tailscale", tags: ["server"] } }, "cluster.nodes.tags[0]"],
    [
      { ...ok, nodes: { discover: "tailscale", settings: { nas: { tier: "zzz" } } } },
      "cluster.nodes.settings.nas.tier",
    ],
    [{ ...ok, proxy: { haproxy: { mode: "active" } } }, "cluster.proxy.haproxy.mode"],
    [{ ...ok, proxy: { haproxy: { statsBind: "127.0.0.1 8404" } } }, "cluster.proxy.haproxy.statsBind"],
    [{ ...ok, proxy: { traefik: { labelProvider: "docker\nx" } } }, "cluster.proxy.traefik.labelProvider"],
    [{ ...ok, proxy: { traefik: { insecureSkipVerify: "yes" } } }, "cluster.proxy.traefik.insecureSkipVerify"],
  ])("rejects %j at %s", (def, path) => {
    expect(userError(() => defineCluster(def as ClusterDefinition)).path).toBe(path);
  });

  it("accepts every documented engine form", () => {
    for (const engine of [
      "ssh://deploy@nas",
      "ssh://deploy@nas:2222",
      "tcp://100.64.0.1:2375",
      "unix:///var/run/docker.sock",
      "npipe:////./pipe/docker_engine",
    ]) {
      expect(() =>
        defineCluster({ domain: "example.com", nodes: [{ name: "a", address: "100.64.0.1", engine }] }),
      ).not.toThrow();
    }
  });

  it("checks placement node names at compile time", () => {
    const def = defineCluster({
      domain: "example.com",
      nodes: [
        { name: "nas", address: "100.64.0.1" },
        { name: "pi", address: "100.64.0.2" },
      ],
      placement: { redis: ["nas"] },
      localNode: "pi",
    });
    expect(def.placement?.redis).toEqual(["nas"]);
    defineCluster({
      domain: "example.com",
      nodes: [{ name: "nas", address: "100.64.0.1" }],
      // @ts-expect-error "pie" is not a node of this cluster
      placement: { redis: ["pie"] },
    });
    defineCluster<"nas", "redis">({
      domain: "example.com",
      nodes: [{ name: "nas", address: "100.64.0.1" }],
      // @ts-expect-error "cache" is not a service
      placement: { cache: ["nas"] },
    });
  });
});

describe("resolveCluster", () => {
  const tiers = ["core", "edge", "cloud"];

  it("uses discovered nodes filtered by tag, keeps offline ones, derives engines and the local node", () => {
    const def = defineCluster({
      domain: "home.example.com",
      tiers,
      nodes: {
        discover: "tailscale",
        tags: ["tag:server"],
        settings: { pi: { tier: "edge" }, nas: { tier: "core", engine: "ssh://root@nas" } },
      },
    });
    const cluster = resolveCluster(def, status, project({ web: svc() }));
    expect(cluster.localNode).toBe("nas");
    expect(cluster.nodes).toEqual([
      { name: "backup", ip: "100.101.102.13", online: false, engine: "tcp://100.101.102.13:2375", local: false },
      { name: "nas", ip: "100.101.102.10", online: true, tier: "core", engine: "ssh://root@nas", local: true },
      {
        name: "pi",
        ip: "100.101.102.11",
        online: true,
        tier: "edge",
        engine: "tcp://100.101.102.11:2375",
        local: false,
      },
      { name: "vps", ip: "100.101.102.12", online: true, engine: "tcp://100.101.102.12:2375", local: false },
    ]);
    expect(cluster.placement).toEqual({ web: ["backup", "nas", "pi", "vps"] });
    expect(cluster.proxy).toEqual({
      outDir: "proxy",
      haproxy: { mode: "failover", balance: "roundrobin", statsBind: "127.0.0.1:8404" },
      traefik: { labelProvider: "docker", insecureSkipVerify: false },
    });
  });

  it("defaults the local node's engine to the local socket", () => {
    const cluster = resolveCluster(
      defineCluster({ domain: "x.test", nodes: { discover: "tailscale", names: ["nas", "pi"] } }),
      status,
      project({}),
    );
    expect(cluster.nodes.map((n) => [n.name, n.engine])).toEqual([
      ["nas", "unix:///var/run/docker.sock"],
      ["pi", "tcp://100.101.102.11:2375"],
    ]);
  });

  it("combines names and tags as 'either matches'", () => {
    const def = defineCluster({
      domain: "x.test",
      nodes: { discover: "tailscale", names: ["alices-macbook-pro"], tags: ["tag:server"] },
    });
    expect(resolveCluster(def, status, project({})).nodes.map((n) => n.name)).toEqual([
      "alices-macbook-pro",
      "backup",
      "nas",
      "pi",
      "vps",
    ]);
  });

  it("rejects names that are not in the tailnet and settings for unselected nodes", () => {
    expect(
      userError(() =>
        resolveCluster({ domain: "x.test", nodes: { discover: "tailscale", names: ["ghost"] } }, status, project({})),
      ).path,
    ).toBe("cluster.nodes.names[0]");
    const e = userError(() =>
      resolveCluster(
        {
          domain: "x.test",
          nodes: { discover: "tailscale", names: ["nas"], settings: { pi: { engine: "ssh://x@pi" } } },
        },
        status,
        project({}),
      ),
    );
    expect(e.path).toBe("cluster.nodes.settings.pi");
  });

  it("needs discovery output for discover mode and a local node for static mode", () => {
    expect(
      userError(() => resolveCluster({ domain: "x.test", nodes: { discover: "tailscale" } }, undefined, project({})))
        .path,
    ).toBe("cluster.nodes");
    expect(
      userError(() =>
        resolveCluster({ domain: "x.test", nodes: [{ name: "a", address: "10.0.0.1" }] }, undefined, project({})),
      ).path,
    ).toBe("cluster.localNode");
  });

  it("static nodes: online unless Tailscale says otherwise, IPv6 engine URL bracketed, explicit localNode option wins", () => {
    const def: ClusterDefinition = {
      domain: "x.test",
      localNode: "a",
      nodes: [
        { name: "a", address: "10.0.0.1" },
        { name: "backup", address: "fd7a:115c:a1e0::1" },
      ],
    };
    const cluster = resolveCluster(def, status, project({}));
    expect(cluster.nodes.map((n) => [n.name, n.online, n.engine])).toEqual([
      ["a", true, "unix:///var/run/docker.sock"],
      ["backup", false, "tcp://[fd7a:115c:a1e0::1]:2375"],
    ]);
    const forBackup = resolveCluster(def, undefined, project({}), { localNode: "backup" });
    expect(forBackup.nodes.map((n) => [n.name, n.local, n.engine])).toEqual([
      ["a", false, "tcp://10.0.0.1:2375"],
      ["backup", true, "unix:///var/run/docker.sock"],
    ]);
  });

  it("warns when the local node is not a cluster node", () => {
    const cluster = resolveCluster(
      { domain: "x.test", nodes: { discover: "tailscale", names: ["pi"] } },
      status,
      project({}),
    );
    expect(cluster.localNode).toBe("nas");
    expect(cluster.warnings).toEqual([expect.stringMatching(/local node "nas" is not a cluster node/)]);
  });
});

describe("placement", () => {
  const def = (placement?: Record<string, string[]>): ClusterDefinition => ({
    domain: "x.test",
    localNode: "a",
    nodes: [
      { name: "a", address: "10.0.0.1" },
      { name: "b", address: "10.0.0.2" },
      { name: "c", address: "10.0.0.3" },
    ],
    ...(placement ? { placement } : {}),
  });

  it("takes the typed field over x-c2ts.nodes over the c2ts.nodes label, default every node", () => {
    const p = project({
      typed: svc({ labels: { "c2ts.nodes": "a" }, "x-c2ts": { nodes: ["b"] } }),
      ext: svc({ labels: { "c2ts.nodes": "a" }, "x-c2ts": { nodes: ["c", "b"] } }),
      extString: svc({ "x-c2ts": { nodes: "c, a" } }),
      label: svc({ labels: { "c2ts.nodes": "c,a" } }),
      all: svc(),
    });
    expect(resolveCluster(def({ typed: ["c"] }), undefined, p).placement).toEqual({
      all: ["a", "b", "c"],
      ext: ["b", "c"],
      extString: ["a", "c"],
      label: ["a", "c"],
      typed: ["c"],
    });
  });

  it("rejects unknown nodes naming where they came from", () => {
    expect(userError(() => resolveCluster(def({ web: ["z"] }), undefined, project({ web: svc() }))).path).toBe(
      "cluster.placement.web",
    );
    expect(
      userError(() => resolveCluster(def(), undefined, project({ web: svc({ "x-c2ts": { nodes: ["z"] } }) }))).path,
    ).toBe("services.web.x-c2ts.nodes");
    const e = userError(() =>
      resolveCluster(def(), undefined, project({ web: svc({ labels: { "c2ts.nodes": "a,z" } }) })),
    );
    expect(e.path).toBe("services.web.labels.c2ts.nodes");
    expect(e.message).toMatch(/unknown node "z"; cluster nodes are: a, b, c/);
  });

  it("rejects placement for services the project does not have, and malformed x-c2ts", () => {
    expect(userError(() => resolveCluster(def({ ghost: ["a"] }), undefined, project({ web: svc() }))).path).toBe(
      "cluster.placement.ghost",
    );
    expect(
      userError(() => resolveCluster(def(), undefined, project({ web: svc({ "x-c2ts": { nodes: 3 } }) }))).path,
    ).toBe("services.web.x-c2ts.nodes");
  });

  it("warns about a service placed on no node", () => {
    const cluster = resolveCluster(def(), undefined, project({ web: svc({ labels: { "c2ts.nodes": "" } }) }));
    expect(cluster.placement.web).toEqual([]);
    expect(cluster.warnings).toEqual([expect.stringMatching(/placed on no node/)]);
  });
});

describe("servingNodes", () => {
  const def: ClusterDefinition = {
    domain: "x.test",
    tiers: ["gold", "silver"],
    localNode: "m",
    nodes: [
      { name: "z", address: "10.0.0.1", tier: "gold" },
      { name: "a", address: "10.0.0.2", tier: "silver" },
      { name: "m", address: "10.0.0.3", tier: "silver" },
      { name: "b", address: "10.0.0.4" },
      { name: "g", address: "10.0.0.5", tier: "gold" },
      { name: "off", address: "100.101.102.20", tier: "gold" },
    ],
  };
  // "off" shares the name of no tailnet node; mark it offline through a discovered status.
  const offline = {
    nodes: [{ name: "off", hostName: "off", ips: [], online: false, tags: [], self: false }],
    warnings: [],
  };
  const cluster = resolveCluster(
    def,
    offline,
    project({ web: svc(), some: svc({ labels: { "c2ts.nodes": "a,b,z" } }) }),
  );

  it("orders local first, then by tier order, untiered last, then name; offline left out", () => {
    expect(servingNodes(cluster, "web").map((n) => n.name)).toEqual(["m", "g", "z", "a", "b"]);
  });

  it("honours placement and another local node", () => {
    expect(servingNodes(cluster, "some").map((n) => n.name)).toEqual(["z", "a", "b"]);
    expect(servingNodes(cluster, "web", "b").map((n) => n.name)).toEqual(["b", "g", "z", "a", "m"]);
  });
});

describe("the cluster definition c2ts import creates", () => {
  it("loads as written and resolves every online tailnet machine as a node running every service", async () => {
    const { createClusterConfig } = await import("../../src/codegen/cluster-config.js");
    const { evaluateStackModule } = await import("../../src/stack/load-module.js");
    const { mkdtempSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = mkdtempSync(join(tmpdir(), "c2ts-cluster-config-"));
    const file = createClusterConfig(dir)!;
    expect(createClusterConfig(dir)).toBeUndefined(); // never a second time
    const def = (await evaluateStackModule(file)).default as ClusterDefinition;
    expect(def.domain).toBe("home.arpa");
    const cluster = resolveCluster(def, status, project({ web: svc() }));
    const online = status.nodes.filter((n) => n.online).map((n) => n.name);
    expect(
      cluster.nodes
        .filter((n) => n.online)
        .map((n) => n.name)
        .sort(),
    ).toEqual([...online].sort());
    for (const n of online) expect(servingNodes(cluster, "web", cluster.localNode).map((s) => s.name)).toContain(n);
  });
});
