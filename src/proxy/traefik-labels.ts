/**
 * The parts of a service's own Traefik labels that the cross-node config reuses: the load-balancer
 * port (and scheme) of each Traefik service, and entry points / TLS / middlewares of the routers that
 * target it. Keys are matched case-insensitively, as Traefik's label parser does; router rules are not
 * reused (the generated routers have their own Host rules).
 */
import type { Labels } from "./labels.js";
import { labelError, parseBool } from "./labels.js";

export interface TraefikServiceLabels {
  /** Name as written in the first label that mentions it. */
  name: string;
  port: number;
  scheme: string;
}

export interface RouterTlsLabels {
  certResolver?: string;
  options?: string;
  domains?: { main: string; sans?: string[] }[];
}

export interface TraefikRouterLabels {
  name: string;
  /** Explicit `.service` value, if any. */
  service?: string;
  entryPoints?: string[];
  middlewares?: string[];
  tls?: RouterTlsLabels;
}

export interface ServiceTraefikLabels {
  services: TraefikServiceLabels[];
  /** Routers grouped by the Traefik service (lower-cased name) they send to. */
  routersByService: Map<string, TraefikRouterLabels[]>;
  warnings: string[];
}

/** Router labels whose values are copied into the generated file (lower-cased, after the router name). */
const COPIED_ROUTER_LABEL =
  /^(service|entrypoints|middlewares|tls|tls\.certresolver|tls\.options|tls\.domains\[\d+\]\.(main|sans))$/;
/** Characters no entry point, middleware, resolver or domain name has, and that would break the generated file. */
const UNSAFE_COPIED_VALUE = /["'`\\\p{Cc}]/u;

function list(value: string): string[] {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

function group(
  entries: ReturnType<Labels["under"]>,
  depth: number,
): Map<string, { name: string; rest: Map<string, string>; keys: Map<string, string> }> {
  const groups = new Map<string, { name: string; rest: Map<string, string>; keys: Map<string, string> }>();
  for (const e of entries) {
    if (e.parts.length <= depth) continue;
    const name = e.parts[depth];
    const id = name.toLowerCase();
    const rest = e.parts
      .slice(depth + 1)
      .join(".")
      .toLowerCase();
    const g = groups.get(id) ?? { name, rest: new Map(), keys: new Map() };
    g.rest.set(rest, e.value);
    g.keys.set(rest, e.key);
    groups.set(id, g);
  }
  return groups;
}

/** Refuses copied router label values with quotes, backticks, backslashes or control characters (newlines). */
function checkCopiedRouterLabels(
  serviceName: string,
  g: { rest: Map<string, string>; keys: Map<string, string> },
): void {
  for (const [rest, value] of g.rest) {
    if (!COPIED_ROUTER_LABEL.test(rest) || !UNSAFE_COPIED_VALUE.test(value)) continue;
    throw labelError(
      serviceName,
      g.keys.get(rest)!,
      `has a value c2ts would copy into the Traefik file as is (${JSON.stringify(value)}): quotes, backticks, "\\" and control characters such as newlines are not allowed`,
    );
  }
}

function readTls(
  serviceName: string,
  g: { rest: Map<string, string>; keys: Map<string, string> },
): RouterTlsLabels | undefined {
  const rest = g.rest;
  const tlsRaw = rest.get("tls");
  const tlsFlag = parseBool(tlsRaw);
  if (tlsRaw !== undefined && tlsFlag === undefined) {
    throw labelError(serviceName, g.keys.get("tls")!, `must be true or false, got ${JSON.stringify(tlsRaw)}`);
  }
  const tls: RouterTlsLabels = {};
  let any = tlsFlag === true;
  const certResolver = rest.get("tls.certresolver")?.trim();
  if (certResolver) tls.certResolver = certResolver;
  const options = rest.get("tls.options")?.trim();
  if (options) tls.options = options;
  const domains = new Map<number, { main?: string; sans?: string[] }>();
  for (const [k, v] of rest) {
    const m = /^tls\.domains\[(\d+)\]\.(main|sans)$/.exec(k);
    if (!m) continue;
    const d = domains.get(Number(m[1])) ?? {};
    if (m[2] === "main") d.main = v.trim();
    else d.sans = list(v);
    domains.set(Number(m[1]), d);
  }
  const domainList = [...domains.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, d]) => d)
    .filter((d): d is { main: string; sans?: string[] } => !!d.main)
    .map((d) => ({ main: d.main, ...(d.sans && d.sans.length > 0 ? { sans: d.sans } : {}) }));
  if (domainList.length > 0) tls.domains = domainList;
  any = any || Object.keys(tls).length > 0;
  return any ? tls : undefined;
}

/** Reads the Traefik labels of compose service `serviceName`. Bad port values are UserErrors. */
export function readTraefikLabels(
  serviceName: string,
  labels: Labels,
  middlewareProvider: string,
): ServiceTraefikLabels {
  const warnings: string[] = [];
  const services: TraefikServiceLabels[] = [];
  for (const g of group(labels.under("traefik.http.services"), 3).values()) {
    const portValue = g.rest.get("loadbalancer.server.port");
    if (portValue === undefined) continue;
    const port = Number(portValue.trim());
    if (!/^\d+$/.test(portValue.trim()) || port < 1 || port > 65535) {
      throw labelError(
        serviceName,
        g.keys.get("loadbalancer.server.port")!,
        `is not a port number (1-65535): ${JSON.stringify(portValue)}`,
      );
    }
    const scheme = (g.rest.get("loadbalancer.server.scheme") ?? "http").trim().toLowerCase();
    if (scheme !== "http" && scheme !== "https" && scheme !== "h2c") {
      throw labelError(
        serviceName,
        g.keys.get("loadbalancer.server.scheme")!,
        `must be http, https or h2c, got ${JSON.stringify(scheme)}`,
      );
    }
    services.push({ name: g.name, port, scheme });
  }
  services.sort((a, b) => (a.name.toLowerCase() < b.name.toLowerCase() ? -1 : 1));

  const routersByService = new Map<string, TraefikRouterLabels[]>();
  const routerGroups = [...group(labels.under("traefik.http.routers"), 3).values()].sort((a, b) =>
    a.name.toLowerCase() < b.name.toLowerCase() ? -1 : 1,
  );
  for (const g of routerGroups) {
    checkCopiedRouterLabels(serviceName, g);
    const explicit = g.rest.get("service")?.trim();
    let target: string | undefined;
    if (explicit) {
      target = services.find((s) => s.name.toLowerCase() === explicit.toLowerCase())?.name;
      if (!target) continue; // e.g. api@internal, or a service defined elsewhere: not one c2ts spreads across nodes
    } else if (services.length === 1) {
      target = services[0].name;
    } else {
      if (services.length > 1) {
        warnings.push(
          `services.${serviceName}: router "${g.name}" has no .service label and the service defines several Traefik services; router ignored`,
        );
      }
      continue;
    }
    const router: TraefikRouterLabels = { name: g.name, ...(explicit ? { service: explicit } : {}) };
    const eps = g.rest.get("entrypoints");
    if (eps !== undefined && list(eps).length > 0) router.entryPoints = list(eps);
    const mws = g.rest.get("middlewares");
    if (mws !== undefined && list(mws).length > 0) {
      // Unqualified names resolve in the referring provider; from the file provider they must name the label provider.
      router.middlewares = list(mws).map((m) => (m.includes("@") ? m : `${m}@${middlewareProvider}`));
    }
    const tls = readTls(serviceName, g);
    if (tls) router.tls = tls;
    const key = target.toLowerCase();
    routersByService.set(key, [...(routersByService.get(key) ?? []), router]);
  }
  return { services, routersByService, warnings };
}
