/**
 * The three kinds of server address each node's Traefik gets (reach.ts): the local instance by
 * service name over Docker's network, a published instance elsewhere directly, an unpublished one
 * elsewhere through that node's own Traefik; and services that cannot be reached, named with why.
 */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadProject } from "../../src/compose/loader.js";
import type { Project, ServiceConfig } from "../../src/compose/model.js";
import { defineCluster } from "../../src/cluster/define.js";
import { resolveCluster } from "../../src/cluster/resolve.js";
import { generateProxyConfigsForNodes } from "../../src/proxy/generate.js";
import { findTraefikService, isTraefikImage } from "../../src/proxy/reach.js";
import { buildTraefikConfig, SKIP_VERIFY_TRANSPORT } from "../../src/proxy/traefik.js";
import type { TraefikDynamicConfig, TraefikLoadBalancer } from "../../src/proxy/traefik.js";
import { traefikConfigProblems } from "../../src/proxy/traefik-schema.js";
import { behindTraefikCluster, behindTraefikProject, FIXTURES } from "./golden-cases.js";

const svc = (partial: Partial<ServiceConfig> = {}): ServiceConfig => ({ command: null, entrypoint: null, ...partial });

const lb = (config: TraefikDynamicConfig, name: string): TraefikLoadBalancer => {
  const s = config.http.services[name];
  if (!s || !("loadBalancer" in s)) throw new Error(`${name} is not a loadBalancer`);
  return s.loadBalancer;
};

const NODES = ["n1", "n2", "n3"];
const ip = (node: string) => `100.64.0.${node.slice(1)}`;

describe("each node's file for a stack fronted by Traefik", () => {
  const project = behindTraefikProject();
  const cluster = resolveCluster(behindTraefikCluster, undefined, project);

  it.each(NODES)("on %s: own app by service name, other apps via their Traefik, api direct everywhere", (node) => {
    const { config, warnings } = buildTraefikConfig(project, cluster, { node });
    expect(traefikConfigProblems(config)).toEqual([]);
    expect(warnings).toEqual([]);
    expect(config.http.services.app_any).toEqual({
      failover: expect.objectContaining({ service: `app_node_${node}` }),
    });
    for (const other of NODES) {
      const app = lb(config, `app_node_${other}`);
      const api = lb(config, `api_node_${other}`);
      // api is on no network Traefik joins: even the local instance goes by address and host port.
      expect(api.servers).toEqual([{ url: `http://${ip(other)}:18080` }]);
      expect(api.passHostHeader).toBeUndefined();
      if (other === node) {
        expect(app.servers).toEqual([{ url: "http://app:3000" }]);
        expect(app.passHostHeader).toBeUndefined();
      } else {
        expect(app.servers).toEqual([{ url: `https://app.${other}.home.test` }]);
        // That Traefik must route by the pinned name, so the client's Host is not passed on.
        expect(app.passHostHeader).toBe(false);
        expect(app.serversTransport).toBeUndefined();
      }
    }
    expect(config.http.serversTransports).toBeUndefined();
  });

  it("the pinned router of a node goes to what that node's own file reaches locally, so nothing loops", () => {
    for (const node of NODES) {
      const { config } = buildTraefikConfig(project, cluster, { node });
      const pinned = config.http.routers[`app_node_${node}`];
      expect(pinned.rule).toBe(`Host(\`app.${node}.home.test\`)`);
      expect(lb(config, pinned.service).servers).toEqual([{ url: "http://app:3000" }]);
    }
  });

  it("insecureSkipVerify turns verification off through one serversTransport, for other nodes' Traefiks only", () => {
    const insecure = resolveCluster(
      { ...behindTraefikCluster, proxy: { traefik: { insecureSkipVerify: true } } },
      undefined,
      project,
    );
    const { config } = buildTraefikConfig(project, insecure, { node: "n2" });
    expect(traefikConfigProblems(config)).toEqual([]);
    expect(config.http.serversTransports).toEqual({ [SKIP_VERIFY_TRANSPORT]: { insecureSkipVerify: true } });
    const using = Object.keys(config.http.services).filter(
      (name) => "loadBalancer" in config.http.services[name] && lb(config, name).serversTransport,
    );
    expect(using.sort()).toEqual(["app_node_n1", "app_node_n3"]);
  });

  it("skips another node's unpublished instance when the stack's Traefik is not placed there", () => {
    const partial = resolveCluster(
      { ...behindTraefikCluster, placement: { traefik: ["n1", "n2"] } },
      undefined,
      project,
    );
    const { config, warnings } = buildTraefikConfig(project, partial, { node: "n1" });
    expect(traefikConfigProblems(config)).toEqual([]);
    expect(config.http.services.app_node_n3).toBeUndefined();
    expect(config.http.routers.app_node_n3).toBeUndefined();
    expect(lb(config, "api_node_n3").servers).toEqual([{ url: "http://100.64.0.3:18080" }]);
    expect(warnings).toEqual([
      'services.app: not routed to node n3: nothing publishes its port there and the stack\'s Traefik service "traefik" is not placed on it',
    ]);
  });

  it("a serversTransport nobody defined is a validation problem", () => {
    const { config } = buildTraefikConfig(project, cluster, { node: "n1" });
    lb(config, "app_node_n2").serversTransport = "missing";
    expect(traefikConfigProblems(config)).toEqual([
      '/http/services/app_node_n2/loadBalancer: serversTransport "missing" is not defined',
    ]);
  });

  it("--all-nodes generates one file per online node, each headed by its own instance", () => {
    const all = generateProxyConfigsForNodes(project, cluster);
    expect(all.nodes.map((n) => n.node)).toEqual(NODES);
    for (const { node, config } of all.nodes) {
      expect(config.traefikYaml).toContain(`node "${node}"`);
      expect(config.traefikYaml).toContain(`fallback: app_any_2\n        service: app_node_${node}\n`);
    }
  });
});

describe("services that cannot be reached are named, with the reason", () => {
  const cluster = (project: Project) =>
    resolveCluster(
      defineCluster({
        domain: "x.test",
        localNode: "a",
        nodes: [
          { name: "a", address: "100.64.0.1" },
          { name: "b", address: "100.64.0.2" },
        ],
      }),
      undefined,
      project,
    );
  const routed = (labels: Record<string, string> = {}) => ({
    "traefik.enable": "true",
    "traefik.http.services.s.loadbalancer.server.port": "80",
    ...labels,
  });

  it("uses the network traefik.docker.network names, by key or by Docker name", () => {
    for (const value of ["front", "p_front"]) {
      const project: Project = {
        name: "p",
        networks: { front: { name: "p_front", ipam: {} }, back: { name: "p_back", ipam: {} } },
        services: {
          s: svc({ networks: { back: null, front: null }, labels: routed({ "traefik.docker.network": value }) }),
        },
      };
      const { config, warnings } = buildTraefikConfig(project, cluster(project));
      expect(warnings).toEqual([]);
      expect(lb(config, "s_node_a").servers).toEqual([{ url: "http://s:80" }]);
      expect(lb(config, "s_node_b").servers).toEqual([{ url: "https://s.b.x.test" }]);
    }
  });

  it.each([
    [
      "a label naming a network the service is not on",
      { networks: { back: null }, labels: routed({ "traefik.docker.network": "front" }) },
      /^services\.s: not routed across nodes: container port 80 is not published and its label traefik\.docker\.network=front names a network it is not attached to$/,
    ],
    [
      "no label and no Traefik service",
      { networks: { back: null }, labels: routed() },
      /container port 80 is not published and it has no traefik\.docker\.network label and the stack has no Traefik service/,
    ],
    [
      "network_mode",
      { network_mode: "service:vpn", labels: routed() },
      /not published and network_mode "service:vpn" attaches it to no Docker network/,
    ],
    [
      "a loopback-only port",
      {
        networks: { back: null },
        ports: [{ mode: "ingress", target: 80, published: "8080", host_ip: "127.0.0.1", protocol: "tcp" }],
        labels: routed(),
      },
      /port 80 is published on a loopback address only and it has no traefik\.docker\.network label/,
    ],
  ])("%s", (_what, service, message) => {
    const project: Project = {
      name: "p",
      networks: { front: { name: "p_front", ipam: {} }, back: { name: "p_back", ipam: {} } },
      services: { s: svc(service as Partial<ServiceConfig>) },
    };
    const { config, warnings } = buildTraefikConfig(project, cluster(project));
    expect(warnings).toEqual([expect.stringMatching(message)]);
    expect(config.http.services).toEqual({});
  });

  it("names the networks when the service shares none with Traefik's service", () => {
    const project: Project = {
      name: "p",
      networks: { front: { name: "p_front", ipam: {} }, back: { name: "p_back", ipam: {} } },
      services: {
        proxy: svc({ image: "docker.io/library/traefik:v3.1", networks: { front: null } }),
        s: svc({ networks: { back: null }, labels: routed() }),
      },
    };
    expect(buildTraefikConfig(project, cluster(project)).warnings).toEqual([
      'services.s: not routed across nodes: container port 80 is not published and it shares no network with Traefik\'s service "proxy" (s: p_back; proxy: p_front)',
    ]);
  });

  it("reaches a published service without a shared network directly, on every node", () => {
    const project: Project = {
      name: "p",
      services: {
        s: svc({
          ports: [{ mode: "ingress", target: 80, published: "8080", protocol: "tcp" }],
          networks: { default: null },
          labels: routed(),
        }),
      },
    };
    const { config, warnings } = buildTraefikConfig(project, cluster(project));
    expect(warnings).toEqual([]);
    expect(lb(config, "s_node_a").servers).toEqual([{ url: "http://100.64.0.1:8080" }]);
    expect(lb(config, "s_node_b").servers).toEqual([{ url: "http://100.64.0.2:8080" }]);
  });

  it("finds Traefik's service by label, else by image", () => {
    expect(isTraefikImage("traefik")).toBe(true);
    expect(isTraefikImage("ghcr.io/acme/traefik:3@sha256:abc")).toBe(true);
    expect(isTraefikImage("traefik-forward-auth:2")).toBe(false);
    const base: Project = { name: "p", services: { a: svc({ image: "traefik:v3" }), b: svc({ image: "x" }) } };
    expect(findTraefikService(base)).toBe("a");
    base.services.b.labels = { "c2ts.proxy": "traefik" };
    expect(findTraefikService(base)).toBe("b");
  });
});

describe("the seed-like stack (shared network with a traefik service, nothing published)", async () => {
  const dir = fileURLToPath(new URL("proxy-seed/", FIXTURES));
  const { project } = await loadProject({ files: [`${dir}compose.yaml`], cwd: dir, environment: {} });
  const cluster = resolveCluster(
    defineCluster({
      domain: "home.example",
      localNode: "nas",
      nodes: [
        { name: "nas", address: "100.64.0.1" },
        { name: "pi", address: "100.64.0.2" },
        { name: "vps", address: "100.64.0.3" },
        { name: "laptop", address: "100.64.0.4" },
      ],
    }),
    undefined,
    project,
  );
  const all = generateProxyConfigsForNodes(project, cluster);

  it("warns about nothing: no 'assuming', no unreachable service", () => {
    expect(all.warnings).toEqual([]);
  });

  it("routes every web app of every node's file by name locally and through the other nodes' Traefik", () => {
    const apps = { homepage: 3000, grafana: 3000, "uptime-kuma": 3001, vaultwarden: 80, paperless: 8000 };
    for (const { node, config } of all.nodes) {
      const { config: built } = buildTraefikConfig(project, cluster, { node });
      for (const [app, port] of Object.entries(apps)) {
        for (const other of ["laptop", "nas", "pi", "vps"]) {
          expect(lb(built, `${app}_node_${other}`).servers).toEqual([
            { url: other === node ? `http://${app}:${port}` : `https://${app}.${other}.home.example` },
          ]);
        }
      }
      expect(Object.keys(built.http.services).some((s) => s.startsWith("paperless-db"))).toBe(false);
      expect(config.traefikYaml).not.toMatch(/100\.64\.0\./);
    }
  });
});
