/**
 * Traefik dynamic configuration (file provider) that spreads each HTTP service over the cluster:
 *
 *   <host>.<node>.<domain>  → that node's instance   (router + loadBalancer "<host>_node_<node>")
 *   <host>.<domain>         → any healthy instance    (router → failover chain "<host>_any", "<host>_any_2", …)
 *
 * A service takes part when it has `traefik.enable=true` and a
 * `traefik.http.services.<name>.loadbalancer.server.port` label. `<host>` is the compose service name,
 * or the Traefik service name when the compose service declares several. Instances are reached as
 * reach.ts decides: the local one by service name over a Docker network shared with Traefik, another
 * node's at `<node ip>:<host port>` when published there, else through that node's Traefik at
 * `https://<host>.<node>.<domain>` (Host header not passed on, TLS verified unless the cluster says
 * `proxy.traefik.insecureSkipVerify`, which then applies through one serversTransport to those servers only).
 *
 * The failover chain tries the local node first, then the other nodes by tier, then by name. Traefik's
 * failover has exactly one `service` and one `fallback`, so more nodes nest: failover(n1, failover(n2, n3)).
 * Traefik only accepts a failover whose `service` reports health, so every loadBalancer carries a
 * healthCheck (labels kuma.healthcheck.path / .interval / .timeout; defaults "/", "30s", "10s").
 * Only nodes where the service is placed and online get servers. Entry points, TLS and middlewares
 * are copied from the service's own routers; router names and services use `_`, which DNS labels never
 * contain, so generated names cannot collide.
 */
import { stringify } from "yaml";
import type { Project } from "../compose/model.js";
import { UserError } from "../compose/errors.js";
import type { ResolvedCluster } from "../cluster/resolve.js";
import { servingNodes } from "../cluster/order.js";
import { toDnsLabel } from "../cluster/dns-label.js";
import { urlHost } from "../cluster/engine.js";
import { GO_DURATION, goDurationMs, Labels } from "./labels.js";
import { findTraefikService, serviceReach } from "./reach.js";
import { readTraefikLabels } from "./traefik-labels.js";
import type { RouterTlsLabels, TraefikRouterLabels } from "./traefik-labels.js";

export interface TraefikHealthCheck {
  path: string;
  interval: string;
  timeout: string;
}

export interface TraefikLoadBalancer {
  servers: { url: string }[];
  healthCheck: TraefikHealthCheck;
  passHostHeader?: boolean;
  serversTransport?: string;
}

export interface TraefikFailover {
  service: string;
  fallback: string;
}

export type TraefikHttpService = { loadBalancer: TraefikLoadBalancer } | { failover: TraefikFailover };

export interface TraefikRouter {
  rule: string;
  service: string;
  entryPoints?: string[];
  middlewares?: string[];
  tls?: RouterTlsLabels;
}

export interface TraefikDynamicConfig {
  http: {
    routers: Record<string, TraefikRouter>;
    services: Record<string, TraefikHttpService>;
    serversTransports?: Record<string, { insecureSkipVerify: boolean }>;
  };
}

/** The transport of servers that are other nodes' Traefiks when `insecureSkipVerify` is on; nothing else uses it. */
export const SKIP_VERIFY_TRANSPORT = "c2ts_node_traefik_insecure";

export const HEALTHCHECK_LABELS = {
  path: "kuma.healthcheck.path",
  interval: "kuma.healthcheck.interval",
  timeout: "kuma.healthcheck.timeout",
} as const;
export const HEALTHCHECK_DEFAULTS: TraefikHealthCheck = { path: "/", interval: "30s", timeout: "10s" };

function healthCheckFor(serviceName: string, labels: Labels, warnings: string[]): TraefikHealthCheck {
  const path = labels.get(HEALTHCHECK_LABELS.path)?.trim() || HEALTHCHECK_DEFAULTS.path;
  if (!path.startsWith("/") || /\s/.test(path)) {
    throw new UserError(
      `label ${labels.keyOf(HEALTHCHECK_LABELS.path)}=${JSON.stringify(path)} must be a URL path starting with "/"`,
      {
        path: `services.${serviceName}.labels`,
      },
    );
  }
  const duration = (key: string, fallback: string) => {
    const value = labels.get(key)?.trim() || fallback;
    if (!GO_DURATION.test(value) || goDurationMs(value) <= 0) {
      throw new UserError(
        `label ${labels.keyOf(key)}=${JSON.stringify(value)} must be a positive duration such as "30s" or "1m30s"`,
        {
          path: `services.${serviceName}.labels`,
        },
      );
    }
    return value;
  };
  const interval = duration(HEALTHCHECK_LABELS.interval, HEALTHCHECK_DEFAULTS.interval);
  const timeout = duration(HEALTHCHECK_LABELS.timeout, HEALTHCHECK_DEFAULTS.timeout);
  if (goDurationMs(timeout) >= goDurationMs(interval)) {
    warnings.push(
      `services.${serviceName}: health check timeout ${timeout} is not shorter than interval ${interval}; Traefik will use timeout + 1s as interval`,
    );
  }
  return { path, interval, timeout };
}

function routerFrom(rule: string, service: string, source: TraefikRouterLabels | undefined): TraefikRouter {
  return {
    rule,
    service,
    ...(source?.entryPoints ? { entryPoints: [...source.entryPoints] } : {}),
    ...(source?.middlewares ? { middlewares: [...source.middlewares] } : {}),
    ...(source?.tls ? { tls: structuredClone(source.tls) } : {}),
  };
}

function put<T>(map: Record<string, T>, name: string, value: T): void {
  if (name in map) throw new Error(`internal: generated Traefik name "${name}" twice`);
  map[name] = value;
}

/**
 * Builds the config for the Traefik running on `options.node` (default: the cluster's local node),
 * which decides the head of every failover chain.
 */
export function buildTraefikConfig(
  project: Project,
  cluster: ResolvedCluster,
  options: { node?: string } = {},
): { config: TraefikDynamicConfig; warnings: string[] } {
  const localNode = options.node ?? cluster.localNode;
  const warnings: string[] = [];
  const routers: Record<string, TraefikRouter> = {};
  const services: Record<string, TraefikHttpService> = {};
  const hosts = new Map<string, string>();
  let usesSkipVerify = false;
  const traefikService = findTraefikService(project);

  for (const serviceName of Object.keys(project.services ?? {}).sort()) {
    const service = project.services[serviceName];
    const labels = new Labels(service.labels);
    if (!labels.isTrue("traefik.enable", serviceName)) continue;
    const parsed = readTraefikLabels(serviceName, labels, cluster.proxy.traefik.labelProvider);
    warnings.push(...parsed.warnings);
    if (parsed.services.length === 0) {
      warnings.push(
        `services.${serviceName}: traefik.enable=true but no traefik.http.services.<name>.loadbalancer.server.port label; not routed across nodes`,
      );
      continue;
    }
    const healthCheck = healthCheckFor(serviceName, labels, warnings);
    const nodes = servingNodes(cluster, serviceName, localNode);

    for (const ts of parsed.services) {
      const wanted = parsed.services.length === 1 ? serviceName : ts.name;
      const host = toDnsLabel(wanted);
      if (!host) throw new UserError(`cannot make a host name out of "${wanted}"`, { path: `services.${serviceName}` });
      if (host !== wanted.toLowerCase())
        warnings.push(`services.${serviceName}: "${wanted}" is not a DNS label; using host name "${host}"`);
      const owner = hosts.get(host);
      if (owner) {
        throw new UserError(
          `services ${owner} and ${serviceName} both get host name "${host}.${cluster.domain}"; rename one`,
          { path: `services.${serviceName}` },
        );
      }
      hosts.set(host, serviceName);

      const reach = serviceReach(project, serviceName, labels, {
        host,
        port: ts.port,
        scheme: ts.scheme,
        domain: cluster.domain,
      });
      if ("reason" in reach) {
        warnings.push(`services.${serviceName}: not routed across nodes: ${reach.reason}`);
        continue;
      }
      if (nodes.length === 0) {
        warnings.push(`services.${serviceName}: no online node runs this service; no Traefik routes generated`);
        continue;
      }

      // Another node's unpublished instance is reached through that node's Traefik: none there, no route.
      const served = nodes.filter((node) => {
        if (node.name === localNode || reach.remote({ name: node.name, address: node.ip }).kind !== "traefik")
          return true;
        if (traefikService === undefined || (cluster.placement[traefikService] ?? []).includes(node.name)) return true;
        warnings.push(
          `services.${serviceName}: not routed to node ${node.name}: nothing publishes its port there and the stack's Traefik service "${traefikService}" is not placed on it`,
        );
        return false;
      });
      if (served.length === 0) continue;

      const nodeService = (node: string) => `${host}_node_${node}`;
      for (const node of served) {
        const address =
          node.name === localNode
            ? reach.local(urlHost(node.ip))
            : reach.remote({ name: node.name, address: urlHost(node.ip) });
        put(services, nodeService(node.name), {
          loadBalancer: {
            servers: [{ url: address.url }],
            healthCheck: { ...healthCheck },
            // The remote Traefik routes by Host: it must see <service>.<node>.<domain>, not the
            // client's <service>.<domain>, which it would send round the failover chain again.
            ...(address.kind === "traefik"
              ? {
                  passHostHeader: false,
                  ...(cluster.proxy.traefik.insecureSkipVerify ? { serversTransport: SKIP_VERIFY_TRANSPORT } : {}),
                }
              : {}),
          },
        });
        if (address.kind === "traefik" && cluster.proxy.traefik.insecureSkipVerify) usesSkipVerify = true;
      }
      let anyTarget = nodeService(served[0].name);
      if (served.length > 1) {
        const link = (i: number) => (i === 0 ? `${host}_any` : `${host}_any_${i + 1}`);
        for (let i = 0; i < served.length - 1; i++) {
          const fallback = i === served.length - 2 ? nodeService(served[i + 1].name) : link(i + 1);
          put(services, link(i), { failover: { service: nodeService(served[i].name), fallback } });
        }
        anyTarget = link(0);
      }

      const sources: (TraefikRouterLabels | undefined)[] = parsed.routersByService.get(ts.name.toLowerCase()) ?? [
        undefined,
      ];
      const suffixes = new Set<string>();
      sources.forEach((source, j) => {
        let suffix = "";
        if (sources.length > 1) {
          const base = toDnsLabel(source!.name) || `router${j + 1}`;
          suffix = `_${base}`;
          for (let k = 2; suffixes.has(suffix); k++) suffix = `_${base}-${k}`;
          suffixes.add(suffix);
        }
        put(routers, `${host}_any${suffix}`, routerFrom(`Host(\`${host}.${cluster.domain}\`)`, anyTarget, source));
        for (const node of served) {
          put(
            routers,
            `${host}_node_${node.name}${suffix}`,
            routerFrom(`Host(\`${host}.${node.name}.${cluster.domain}\`)`, nodeService(node.name), source),
          );
        }
      });
    }
  }
  const http: TraefikDynamicConfig["http"] = { routers, services };
  if (usesSkipVerify) http.serversTransports = { [SKIP_VERIFY_TRANSPORT]: { insecureSkipVerify: true } };
  return { config: { http }, warnings };
}

/** YAML with every mapping sorted by key (lists keep their order: middleware order matters). */
export function serializeTraefikConfig(config: TraefikDynamicConfig, headerLines: string[] = []): string {
  const header = headerLines.map((l) => `# ${l}`.trimEnd()).join("\n");
  const body = stringify(config, { sortMapEntries: true, lineWidth: 0 });
  return header ? `${header}\n${body}` : body;
}
