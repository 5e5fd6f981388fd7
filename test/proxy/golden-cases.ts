/**
 * Inputs of the proxy golden files under fixtures/proxy/<case>/. Shared by test/proxy/golden.test.ts
 * (byte-for-byte comparison) and scripts/regen-proxy-golden.ts (rewrites them).
 */
import { readFileSync } from "node:fs";
import type { Project, ServiceConfig } from "../../src/compose/model.js";
import { defineCluster } from "../../src/cluster/define.js";
import { resolveCluster } from "../../src/cluster/resolve.js";
import type { ResolvedCluster } from "../../src/cluster/resolve.js";
import { parseTailscaleStatus } from "../../src/cluster/tailscale.js";

export const FIXTURES = new URL("../../fixtures/", import.meta.url);
export const GOLDEN_DIR = new URL("proxy/", FIXTURES);

export interface GoldenCase {
  name: string;
  description: string;
  project: Project;
  cluster: ResolvedCluster;
  node?: string;
}

function svc(partial: Partial<ServiceConfig>): ServiceConfig {
  return { command: null, entrypoint: null, ...partial };
}

/** A home-lab stack: web apps behind Traefik, databases behind HAProxy. */
export function homelabProject(): Project {
  return {
    name: "homelab",
    services: {
      whoami: svc({
        image: "traefik/whoami:v1.10",
        ports: [{ mode: "ingress", target: 80, published: "8080", protocol: "tcp" }],
        labels: {
          "traefik.enable": "true",
          "traefik.http.routers.whoami.rule": "Host(`whoami.example.com`)",
          "traefik.http.routers.whoami.entrypoints": "websecure",
          "traefik.http.routers.whoami.tls.certresolver": "le",
          "traefik.http.routers.whoami.tls.domains[0].main": "example.com",
          "traefik.http.routers.whoami.tls.domains[0].sans": "*.example.com",
          "traefik.http.routers.whoami.middlewares": "secure-headers,auth@file",
          "traefik.http.services.whoami.loadbalancer.server.port": "80",
        },
      }),
      grafana: svc({
        image: "grafana/grafana:11.3.0",
        ports: [{ mode: "ingress", target: 3000, published: "3000", protocol: "tcp" }],
        labels: {
          // Mixed case on purpose: Traefik matches label keys case-insensitively.
          "Traefik.Enable": "True",
          "traefik.http.routers.grafana-http.entryPoints": "web",
          "traefik.http.routers.grafana-http.middlewares": "to-https",
          "traefik.http.routers.grafana-http.service": "Grafana",
          "traefik.http.routers.grafana.entrypoints": "websecure",
          "traefik.http.routers.grafana.tls": "true",
          "traefik.http.routers.grafana.service": "grafana",
          "traefik.http.services.Grafana.LoadBalancer.Server.Port": "3000",
          "kuma.healthcheck.path": "/api/health",
          "kuma.healthcheck.interval": "15s",
          "kuma.healthcheck.timeout": "5s",
          "c2ts.nodes": "nas,pi",
        },
      }),
      docs: svc({
        image: "nginx:1.27-alpine",
        // Not published: reached on the container port (a warning says so).
        labels: {
          "traefik.enable": "true",
          "traefik.http.services.docs.loadbalancer.server.port": "8081",
        },
        "x-c2ts": { nodes: ["vps"] },
      }),
      redis: svc({
        image: "redis:7.4-alpine",
        command: ["redis-server", "--appendonly", "yes", "--requirepass", "$REDIS_PASSWORD"],
        environment: { REDIS_PASSWORD: "s3cret pass#1" },
        ports: [{ mode: "ingress", target: 6379, published: "16379", protocol: "tcp" }],
        labels: {
          "osvc.l4.enable": "true",
          "osvc.l4.port": "6379",
          "osvc.l4.check": "redis",
          "osvc.l4.check.inter": "1s",
          "osvc.l4.check.fall": "3",
        },
      }),
      postgres: svc({
        image: "postgres:17",
        environment: { POSTGRES_PASSWORD: "example" },
        ports: [{ mode: "ingress", target: 5432, published: "5432", protocol: "tcp" }],
        labels: { "osvc.l4.enable": "true", "osvc.l4.port": "5432" },
      }),
      api: svc({
        image: "ghcr.io/example/api:2.1",
        ports: [{ mode: "ingress", target: 9000, published: "19000", protocol: "tcp" }],
        labels: {
          "osvc.l4.enable": "true",
          "osvc.l4.port": "9000",
          "osvc.l4.backend_port": "19000",
          "osvc.l4.check": "http",
          "osvc.l4.check.path": "/healthz",
          "osvc.l4.check.rise": "1",
        },
      }),
      worker: svc({ image: "ghcr.io/example/worker:2.1" }),
    },
  };
}

/** The same stack with every in-compose placement removed (for clusters without those nodes). */
export function withoutPlacement(project: Project): Project {
  const services: Record<string, ServiceConfig> = {};
  for (const [name, service] of Object.entries(project.services)) {
    const { "x-c2ts": _ext, ...rest } = service;
    const labels = { ...(rest.labels ?? {}) };
    delete labels["c2ts.nodes"];
    services[name] = { ...rest, labels };
  }
  return { ...project, services };
}

export function tailscaleFixture(file: string) {
  return parseTailscaleStatus(readFileSync(new URL(`tailscale/${file}`, FIXTURES), "utf8"));
}

export const homelabCluster = defineCluster({
  domain: "home.example.com",
  nodes: {
    discover: "tailscale",
    tags: ["tag:server"],
    settings: { nas: { tier: "core" }, pi: { tier: "edge" }, vps: { tier: "cloud" }, backup: { tier: "core" } },
  },
  tiers: ["core", "edge", "cloud"],
  proxy: { outDir: "proxy" },
});

/**
 * Three nodes, each running Traefik (on network "proxy"), an unpublished app behind it and an api
 * published on every node's address but on no network Traefik joins.
 */
export function behindTraefikProject(): Project {
  return {
    name: "stack",
    networks: { proxy: { name: "stack_proxy", ipam: {} }, backend: { name: "stack_backend", ipam: {} } },
    services: {
      traefik: svc({
        image: "traefik:v3.1",
        ports: [
          { mode: "ingress", target: 80, published: "80", protocol: "tcp" },
          { mode: "ingress", target: 443, published: "443", protocol: "tcp" },
        ],
        networks: { proxy: null },
      }),
      app: svc({
        image: "ghcr.io/example/app:1.0",
        networks: { proxy: null },
        labels: {
          "traefik.enable": "true",
          "traefik.http.routers.app.entrypoints": "websecure",
          "traefik.http.routers.app.tls.certresolver": "le",
          "traefik.http.services.app.loadbalancer.server.port": "3000",
          "kuma.healthcheck.path": "/healthz",
        },
      }),
      api: svc({
        image: "ghcr.io/example/api:1.0",
        ports: [{ mode: "ingress", target: 8080, published: "18080", protocol: "tcp" }],
        networks: { backend: null },
        labels: {
          "traefik.enable": "true",
          "traefik.http.routers.api.entrypoints": "websecure",
          "traefik.http.services.api.loadbalancer.server.port": "8080",
        },
      }),
    },
  };
}

export const behindTraefikCluster = defineCluster({
  domain: "home.test",
  localNode: "n1",
  nodes: [
    { name: "n1", address: "100.64.0.1" },
    { name: "n2", address: "100.64.0.2" },
    { name: "n3", address: "100.64.0.3" },
  ],
});

export function goldenCases(): GoldenCase[] {
  const status = tailscaleFixture("status-running.json");
  const project = homelabProject();
  const failover = resolveCluster(homelabCluster, status, project);
  const balance = resolveCluster(
    {
      ...homelabCluster,
      proxy: {
        haproxy: { mode: "balance", balance: "leastconn", statsBind: "0.0.0.0:9999" },
        traefik: { labelProvider: "swarm" },
      },
    },
    status,
    project,
  );
  const soloProject = withoutPlacement(project);
  const single = resolveCluster(
    defineCluster({ domain: "lab.test", nodes: [{ name: "solo", address: "100.64.0.1" }], localNode: "solo" }),
    undefined,
    soloProject,
  );
  const behind = behindTraefikProject();
  const behindCluster = resolveCluster(behindTraefikCluster, undefined, behind);
  const behindCases = ["n1", "n2", "n3"].map((node) => ({
    name: `behind-traefik-${node}`,
    description: `Stack fronted by Traefik, file for ${node}: its app by service name, the others' through their Traefik, api direct`,
    project: behind,
    cluster: behindCluster,
    node,
  }));
  return [
    ...behindCases,
    {
      name: "failover-nas",
      description:
        "Tailscale-discovered cluster seen from nas: local first, then core, edge, cloud tiers; backup is offline",
      project,
      cluster: failover,
    },
    {
      name: "failover-vps",
      description: "The same cluster generated for the proxies on vps (cloud tier)",
      project,
      cluster: failover,
      node: "vps",
    },
    {
      name: "balance-leastconn",
      description: "HAProxy balance mode with leastconn, stats on 0.0.0.0:9999, middlewares qualified with @swarm",
      project,
      cluster: balance,
    },
    {
      name: "single-node",
      description: "A one-node static cluster: no failover services, routers go straight to the node",
      project: soloProject,
      cluster: single,
    },
  ];
}
