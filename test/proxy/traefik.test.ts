import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { Project, ServiceConfig } from "../../src/compose/model.js";
import { UserError } from "../../src/compose/errors.js";
import { resolveCluster } from "../../src/cluster/resolve.js";
import type { ClusterDefinition } from "../../src/cluster/define.js";
import { buildTraefikConfig, serializeTraefikConfig } from "../../src/proxy/traefik.js";
import type { TraefikDynamicConfig } from "../../src/proxy/traefik.js";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { TRAEFIK_SCHEMA_URL, traefikConfigProblems } from "../../src/proxy/traefik-schema.js";
import { schemaSha256 } from "../../src/proxy/traefik-validator.generated.js";
import { generateProxyConfig } from "../../src/proxy/generate.js";
import { goldenCases } from "./golden-cases.js";

const svc = (partial: Partial<ServiceConfig> = {}): ServiceConfig => ({ command: null, entrypoint: null, ...partial });

const clusterDef: ClusterDefinition = {
  domain: "example.com",
  tiers: ["core", "edge"],
  localNode: "b",
  nodes: [
    { name: "a", address: "100.64.0.1", tier: "edge" },
    { name: "b", address: "100.64.0.2", tier: "edge" },
    { name: "c", address: "100.64.0.3", tier: "core" },
    { name: "d", address: "100.64.0.4" },
    { name: "e", address: "fd7a:115c:a1e0::5", tier: "core" },
  ],
};

function build(services: Record<string, ServiceConfig>, def: ClusterDefinition = clusterDef, node?: string) {
  const project: Project = { name: "t", services };
  const cluster = resolveCluster(def, undefined, project);
  return buildTraefikConfig(project, cluster, node ? { node } : {});
}

const web = (labels: Record<string, string> = {}, extra: Partial<ServiceConfig> = {}) =>
  svc({
    ports: [{ mode: "ingress", target: 80, published: "8080", protocol: "tcp" }],
    labels: { "traefik.enable": "true", "traefik.http.services.web.loadbalancer.server.port": "80", ...labels },
    ...extra,
  });

/** Follows a failover chain from `name` and lists the node services in the order Traefik tries them. */
function chain(config: TraefikDynamicConfig, name: string): string[] {
  const s = config.http.services[name];
  if ("loadBalancer" in s) return [name];
  return [...chain(config, s.failover.service), ...chain(config, s.failover.fallback)];
}

describe("buildTraefikConfig", () => {
  it("chains failovers: local node, then tiers in order, untiered last, names breaking ties", () => {
    const { config } = build({ web: web() });
    expect(chain(config, "web_any")).toEqual(["web_node_b", "web_node_c", "web_node_e", "web_node_a", "web_node_d"]);
    expect(config.http.services.web_any).toEqual({ failover: { service: "web_node_b", fallback: "web_any_2" } });
    expect(config.http.services.web_any_4).toEqual({ failover: { service: "web_node_a", fallback: "web_node_d" } });
    expect(config.http.routers.web_any).toEqual({ rule: "Host(`web.example.com`)", service: "web_any" });
  });

  it("heads the chain with the node the config is generated for", () => {
    const { config } = build({ web: web() }, clusterDef, "d");
    expect(chain(config, "web_any")).toEqual(["web_node_d", "web_node_c", "web_node_e", "web_node_a", "web_node_b"]);
  });

  it("has one router and one health-checked loadBalancer per node at the published port", () => {
    const { config } = build({ web: web() });
    expect(config.http.routers.web_node_c).toEqual({ rule: "Host(`web.c.example.com`)", service: "web_node_c" });
    expect(config.http.services.web_node_c).toEqual({
      loadBalancer: {
        servers: [{ url: "http://100.64.0.3:8080" }],
        healthCheck: { path: "/", interval: "30s", timeout: "10s" },
      },
    });
    expect(config.http.services.web_node_e).toMatchObject({
      loadBalancer: { servers: [{ url: "http://[fd7a:115c:a1e0::5]:8080" }] },
    });
    expect(Object.keys(config.http.routers).filter((r) => r.startsWith("web_node_"))).toHaveLength(5);
  });

  it("only uses nodes where the service is placed and online", () => {
    const project: Project = { name: "t", services: { web: web({ "c2ts.nodes": "a,c,d" }) } };
    const offline = {
      nodes: [{ name: "d", hostName: "d", ips: ["100.64.0.4"], online: false, tags: [], self: false }],
      warnings: [],
    };
    const cluster = resolveCluster(clusterDef, offline, project);
    const { config } = buildTraefikConfig(project, cluster);
    expect(chain(config, "web_any")).toEqual(["web_node_c", "web_node_a"]);
    expect(Object.keys(config.http.routers).sort()).toEqual(["web_any", "web_node_a", "web_node_c"]);
  });

  it("routes straight to the only node, and warns when no node serves", () => {
    const one = build({ web: web({ "c2ts.nodes": "c" }) });
    expect(one.config.http.routers.web_any.service).toBe("web_node_c");
    expect(Object.keys(one.config.http.services)).toEqual(["web_node_c"]);
    const none = build({ web: web({ "c2ts.nodes": "" }) });
    expect(none.config.http).toEqual({ routers: {}, services: {} });
    expect(none.warnings).toContainEqual(expect.stringMatching(/no online node runs this service/));
  });

  it("matches label keys case-insensitively, as Traefik does", () => {
    const { config } = build({
      web: svc({
        ports: [{ mode: "ingress", target: 3000, published: "3001", protocol: "tcp" }],
        labels: {
          "TRAEFIK.ENABLE": "True",
          "Traefik.Http.Services.App.LoadBalancer.Server.Port": "3000",
          "traefik.http.routers.App.EntryPoints": "websecure",
          "traefik.HTTP.routers.app.TLS.CertResolver": "le",
          "KUMA.HealthCheck.Path": "/health",
        },
      }),
    });
    expect(config.http.services.web_node_a).toEqual({
      loadBalancer: {
        servers: [{ url: "http://100.64.0.1:3001" }],
        healthCheck: { path: "/health", interval: "30s", timeout: "10s" },
      },
    });
    expect(config.http.routers.web_any).toMatchObject({ entryPoints: ["websecure"], tls: { certResolver: "le" } });
  });

  it("skips services without traefik.enable=true and warns when the port label is missing", () => {
    const { config, warnings } = build({
      off: web({ "traefik.enable": "false" }),
      unset: svc({ labels: { "traefik.http.services.x.loadbalancer.server.port": "80" } }),
      noport: svc({ labels: { "traefik.enable": "true" } }),
    });
    expect(config.http.routers).toEqual({});
    expect(warnings).toEqual([expect.stringMatching(/^services\.noport: .*no traefik\.http\.services/)]);
  });

  it("applies health check overrides and rejects bad values", () => {
    const { config, warnings } = build({
      web: web({
        "kuma.healthcheck.path": "/ready",
        "kuma.healthcheck.interval": "1m30s",
        "kuma.healthcheck.timeout": "2s",
      }),
    });
    expect(
      (config.http.services.web_node_a as { loadBalancer: { healthCheck: unknown } }).loadBalancer.healthCheck,
    ).toEqual({
      path: "/ready",
      interval: "1m30s",
      timeout: "2s",
    });
    expect(warnings).toEqual([]);
    expect(
      build({ web: web({ "kuma.healthcheck.interval": "5s", "kuma.healthcheck.timeout": "5s" }) }).warnings,
    ).toContainEqual(expect.stringMatching(/timeout 5s is not shorter than interval 5s/));
    expect(() => build({ web: web({ "kuma.healthcheck.interval": "30" }) })).toThrow(UserError);
    expect(() => build({ web: web({ "kuma.healthcheck.timeout": "0s" }) })).toThrow(/positive duration/);
    expect(() => build({ web: web({ "kuma.healthcheck.path": "health" }) })).toThrow(/starting with "\/"/);
  });

  it("carries entry points, TLS and middlewares of every router of the service, qualifying label middlewares", () => {
    const { config } = build({
      web: web({
        "traefik.http.routers.web.rule": "Host(`ignored.example.org`)",
        "traefik.http.routers.web.entrypoints": "websecure, internal",
        "traefik.http.routers.web.tls.certresolver": "le",
        "traefik.http.routers.web.tls.options": "modern@file",
        "traefik.http.routers.web.tls.domains[1].main": "b.example.com",
        "traefik.http.routers.web.tls.domains[0].main": "a.example.com",
        "traefik.http.routers.web.tls.domains[0].sans": "x.example.com,y.example.com",
        "traefik.http.routers.web.middlewares": "auth, compress@file",
        "traefik.http.routers.web-plain.entrypoints": "web",
        "traefik.http.routers.web-plain.middlewares": "redirect",
        "traefik.http.routers.dash.service": "api@internal",
      }),
    });
    expect(config.http.routers.web_any_web).toEqual({
      rule: "Host(`web.example.com`)",
      service: "web_any",
      entryPoints: ["websecure", "internal"],
      middlewares: ["auth@docker", "compress@file"],
      tls: {
        certResolver: "le",
        options: "modern@file",
        domains: [{ main: "a.example.com", sans: ["x.example.com", "y.example.com"] }, { main: "b.example.com" }],
      },
    });
    expect(config.http.routers["web_node_a_web-plain"]).toEqual({
      rule: "Host(`web.a.example.com`)",
      service: "web_node_a",
      entryPoints: ["web"],
      middlewares: ["redirect@docker"],
    });
    expect(Object.keys(config.http.routers).some((r) => r.includes("dash"))).toBe(false);
  });

  it("qualifies middlewares with the configured label provider", () => {
    const { config } = build(
      { web: web({ "traefik.http.routers.web.middlewares": "auth" }) },
      { ...clusterDef, proxy: { traefik: { labelProvider: "swarm" } } },
    );
    expect(config.http.routers.web_any.middlewares).toEqual(["auth@swarm"]);
  });

  it("uses Traefik service names as hosts when a compose service declares several", () => {
    const { config, warnings } = build({
      app: svc({
        ports: [
          { mode: "ingress", target: 80, published: "8080", protocol: "tcp" },
          { mode: "ingress", target: 9090, protocol: "tcp" },
        ],
        labels: {
          "traefik.enable": "true",
          "traefik.http.services.site.loadbalancer.server.port": "80",
          "traefik.http.services.Metrics_API.loadbalancer.server.port": "9090",
          "traefik.http.services.Metrics_API.loadbalancer.server.scheme": "https",
          "traefik.http.routers.m.service": "metrics_api",
          "traefik.http.routers.m.entrypoints": "internal",
          "traefik.http.routers.lost.entrypoints": "web",
          "traefik.docker.network": "proxy",
        },
        networks: { proxy: null },
        "x-c2ts": { nodes: ["a"] },
      }),
    });
    expect(config.http.routers["site_any"]).toEqual({ rule: "Host(`site.example.com`)", service: "site_node_a" });
    expect(config.http.routers["metrics-api_any"]).toEqual({
      rule: "Host(`metrics-api.example.com`)",
      service: "metrics-api_node_a",
      entryPoints: ["internal"],
    });
    // Published: straight to node a; not published: through node a's Traefik, by its pinned name.
    expect(config.http.services["site_node_a"]).toMatchObject({
      loadBalancer: { servers: [{ url: "http://100.64.0.1:8080" }] },
    });
    expect(config.http.services["metrics-api_node_a"]).toMatchObject({
      loadBalancer: { servers: [{ url: "https://metrics-api.a.example.com" }], passHostHeader: false },
    });
    expect(warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/router "lost" has no \.service label/),
        expect.stringMatching(/"Metrics_API" is not a DNS label; using host name "metrics-api"/),
      ]),
    );
    expect(warnings.join("\n")).not.toMatch(/not published|assuming/);
  });

  it("prefers a published port reachable from other nodes and flags loopback-only ones", () => {
    const { config, warnings } = build({
      web: web(
        {},
        {
          ports: [
            { mode: "ingress", target: 80, published: "8001", host_ip: "127.0.0.1", protocol: "tcp" },
            { mode: "ingress", target: 80, published: "8003", host_ip: "100.64.0.9", protocol: "tcp" },
            { mode: "ingress", target: 80, published: "8002", protocol: "tcp" },
            { mode: "ingress", target: 80, published: "7000", protocol: "udp" },
          ],
        },
      ),
      local: web(
        { "traefik.http.services.web.loadbalancer.server.port": "80" },
        { ports: [{ mode: "ingress", target: 80, published: "9001", host_ip: "127.0.0.1", protocol: "tcp" }] },
      ),
    });
    expect(config.http.services.web_node_a).toMatchObject({
      loadBalancer: { servers: [{ url: "http://100.64.0.1:8002" }] },
    });
    expect(warnings).toContainEqual(expect.stringMatching(/^services\.local: .*loopback/));
  });

  it("rejects a bad port label and clashing host names", () => {
    expect(() => build({ web: web({ "traefik.http.services.web.loadbalancer.server.port": "http" }) })).toThrow(
      /not a port number/,
    );
    expect(() => build({ my_app: web(), "my-app": web() })).toThrow(/both get host name "my-app.example.com"/);
  });
});

describe("Traefik schema validation", () => {
  it("uses a validator precompiled from the checked-in schema (run scripts/build-schema.mjs if not)", () => {
    const sha = createHash("sha256").update(readFileSync(TRAEFIK_SCHEMA_URL, "utf8")).digest("hex");
    expect(schemaSha256).toBe(sha);
  });

  it("accepts every golden configuration", () => {
    for (const c of goldenCases()) {
      const out = generateProxyConfig(c.project, c.cluster, c.node ? { node: c.node } : {});
      expect(traefikConfigProblems(parse(out.traefikYaml)), c.name).toEqual([]);
    }
  });

  it("catches what Traefik would reject", () => {
    expect(traefikConfigProblems({ http: { routers: { r: { rule: "Host(`x`)" } } } })).toEqual([
      expect.stringMatching(/routers\/r: must have required property 'service'/),
    ]);
    expect(
      traefikConfigProblems({
        http: {
          services: {
            s: { loadBalancer: { servers: [{ url: "http://x" }] }, failover: { service: "a", fallback: "b" } },
          },
        },
      }).length,
    ).toBeGreaterThan(0);
    expect(traefikConfigProblems({ htp: {} })).toEqual([expect.stringMatching(/must NOT have additional properties/)]);
    // A failover over a child without a health check: the schema allows it, Traefik does not.
    const noHealth = {
      http: {
        services: {
          f: { failover: { service: "a", fallback: "b" } },
          a: { loadBalancer: { servers: [{ url: "http://a" }] } },
          b: { loadBalancer: { servers: [{ url: "http://b" }] } },
        },
      },
    };
    expect(traefikConfigProblems(noHealth)).toEqual(['/http/services/f/failover: service "a" has no healthCheck']);
  });

  it("every generated failover's children exist and its service reports health", () => {
    const { config } = build({ web: web() });
    expect(traefikConfigProblems(config)).toEqual([]);
  });
});

describe("serializeTraefikConfig", () => {
  it("sorts mapping keys, keeps list order, and is stable", () => {
    const config: TraefikDynamicConfig = {
      http: {
        services: { z: { failover: { service: "b", fallback: "a" } } },
        routers: { r: { service: "z", rule: "Host(`a`)", middlewares: ["second@file", "first@file"] } },
      },
    };
    const yaml = serializeTraefikConfig(config, ["hello"]);
    expect(yaml).toBe(
      [
        "# hello",
        "http:",
        "  routers:",
        "    r:",
        "      middlewares:",
        "        - second@file",
        "        - first@file",
        "      rule: Host(`a`)",
        "      service: z",
        "  services:",
        "    z:",
        "      failover:",
        "        fallback: a",
        "        service: b",
        "",
      ].join("\n"),
    );
    expect(serializeTraefikConfig(structuredClone(config), ["hello"])).toBe(yaml);
  });
});
