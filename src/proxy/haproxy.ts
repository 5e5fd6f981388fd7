/**
 * HAProxy configuration for L4 (TCP) services spread over the cluster.
 *
 * A service takes part with `osvc.l4.enable=true` and `osvc.l4.port=<port>`:
 *   frontend fe_<service>   bind :<osvc.l4.port>
 *   backend  be_<service>   one server per online node the service is placed on, at
 *                           <node ip>:<backend port>
 * Backend port: `osvc.l4.backend_port` when set; otherwise the host port that publishes container
 * port `osvc.l4.port` in the service's `ports`; otherwise `osvc.l4.port` itself (published 1:1).
 * Because the frontend binds the same number as a 1:1 published port, HAProxy is expected to run in
 * its own network namespace (a container) or on another address.
 *
 * Modes (cluster proxy.haproxy.mode, or label `osvc.l4.mode`):
 *   failover (default) — the local node's server is active, the others are `backup`, ordered by tier
 *                        (HAProxy uses the first available backup); sessions are cut when a server
 *                        goes down and moved back when the preferred one returns.
 *   balance            — all servers active, `balance roundrobin` or `leastconn` (`osvc.l4.balance`).
 * Checks (`osvc.l4.check`): tcp (connect), redis (PING/+PONG, AUTH first when the service has a
 * password: REDIS_PASSWORD in its environment or `--requirepass` in its command), http
 * (`option httpchk GET <osvc.l4.check.path>`, default "/"). Timing: osvc.l4.check.inter / .fall / .rise,
 * defaults 2s / 2 / 2.
 *
 * Failover window. Without `timeout check` HAProxy lets a check run for a whole `inter`, and schedules
 * the next one `inter` after the previous *ended*, so a node whose link is cut (SYNs dropped) would
 * leave rotation only after 2·inter·fall. Each backend therefore gets a check budget T = inter/4
 * (at most 5s): `timeout connect T` (a check connects within min(timeout connect, inter)),
 * `timeout check T` (the reply), and `fastinter T` for the re-checks of a server that has started
 * failing. A node that vanished (engine stopped, link cut) is out after at most
 * inter + T + (fall-1)·(fastinter + T) = inter·(1.25 + 0.5·(fall-1)), within inter × fall for
 * fall ≥ 2; a service that accepts but never answers takes one more T per check. T also bounds the
 * connect of client traffic to that backend; over Tailscale a connect takes one round trip, far
 * below T at any sensible `inter`.
 *
 * Label values are pasted into the config, so any value with whitespace, quotes, `#`, `\` or
 * non-printable characters is refused; the Redis password is emitted as \xNN escapes.
 */
import type { Project, ServiceConfig } from "../compose/model.js";
import { UserError } from "../compose/errors.js";
import type { ResolvedCluster } from "../cluster/resolve.js";
import type { HaproxyBalance, HaproxyMode } from "../cluster/define.js";
import { servingNodes } from "../cluster/order.js";
import { urlHost } from "../cluster/engine.js";
import { labelError, Labels } from "./labels.js";
import { hostPortFor } from "./ports.js";

export const L4_PREFIX = "osvc.l4";
export const L4_CHECK_DEFAULTS = { inter: "2s", fall: 2, rise: 2, path: "/" } as const;

const KNOWN_KEYS = new Set([
  "enable",
  "port",
  "backend_port",
  "check",
  "check.path",
  "check.inter",
  "check.fall",
  "check.rise",
  "mode",
  "balance",
]);
const SAFE_VALUE = /^[\x21-\x7e]+$/;
const UNSAFE_CHARS = /["'#\\]/;
const HAPROXY_TIME = /^(\d+)(us|ms|s|m|h|d)?$/;
const TIME_UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** An HAProxy time ("500ms", "2s", "3" = ms) in milliseconds. */
export function haproxyTimeMs(value: string): number {
  const m = HAPROXY_TIME.exec(value);
  if (!m) throw new Error(`not an HAProxy time: ${value}`);
  return Number(m[1]) * TIME_UNIT_MS[m[2] ?? "ms"];
}

/** The per-check budget T described above: a quarter of `inter`, between 1 ms and 5 s. */
export function checkBudgetMs(inter: string): number {
  return Math.min(5000, Math.max(1, Math.floor(haproxyTimeMs(inter) / 4)));
}

export type L4Check = "tcp" | "redis" | "http";

export interface L4Service {
  service: string;
  frontendPort: number;
  backendPort: number;
  check: L4Check;
  checkPath: string;
  inter: string;
  fall: number;
  rise: number;
  mode: HaproxyMode;
  balance: HaproxyBalance;
  redisPassword?: string;
}

function port(service: string, labels: Labels, key: string): number | undefined {
  const raw = labels.get(key);
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 65535)
    throw labelError(service, labels.keyOf(key), `must be a port number (1-65535), got "${raw}"`);
  return Number(raw);
}

function count(service: string, labels: Labels, key: string, fallback: number): number {
  const raw = labels.get(key);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 1000)
    throw labelError(service, labels.keyOf(key), `must be a whole number from 1 to 1000, got "${raw}"`);
  return Number(raw);
}

function oneOf<T extends string>(service: string, labels: Labels, key: string, allowed: readonly T[], fallback: T): T {
  const raw = labels.get(key);
  if (raw === undefined) return fallback;
  const v = raw.toLowerCase() as T;
  if (!allowed.includes(v))
    throw labelError(service, labels.keyOf(key), `must be one of ${allowed.join(", ")}, got "${raw}"`);
  return v;
}

/** The value the Redis server requires: `--requirepass` in command/entrypoint wins over REDIS_PASSWORD. */
export function redisPassword(serviceName: string, service: ServiceConfig): { password?: string; warning?: string } {
  const env = service.environment ?? {};
  const tokens = [...(service.entrypoint ?? []), ...(service.command ?? [])]
    .flatMap((part) => part.split(/\s+/))
    .filter((t) => t !== "");
  const at = tokens.indexOf("--requirepass");
  if (at >= 0 && at + 1 < tokens.length) {
    const value = tokens[at + 1].replace(/^(["'])(.*)\1$/, "$2");
    const ref = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(value);
    if (!ref) return { password: value };
    const resolved = env[ref[1]];
    if (typeof resolved === "string") return { password: resolved };
    return {
      warning: `services.${serviceName}: --requirepass refers to $${ref[1]}, which its environment does not set; the Redis check sends no AUTH and will fail`,
    };
  }
  if ("REDIS_PASSWORD" in env) {
    const value = env.REDIS_PASSWORD;
    if (typeof value === "string" && value !== "") return { password: value };
    return {
      warning: `services.${serviceName}: REDIS_PASSWORD has no value in the model; the Redis check sends no AUTH`,
    };
  }
  return {};
}

/** Reads and checks a service's osvc.l4.* labels; undefined when the service is not an L4 service. */
export function readL4Service(
  serviceName: string,
  service: ServiceConfig,
  cluster: ResolvedCluster,
  warnings: string[],
): L4Service | undefined {
  const labels = new Labels(service.labels);
  if (!labels.isTrue(`${L4_PREFIX}.enable`, serviceName)) return undefined;
  for (const entry of labels.under(L4_PREFIX)) {
    if (!SAFE_VALUE.test(entry.value) || UNSAFE_CHARS.test(entry.value)) {
      throw labelError(
        serviceName,
        entry.key,
        `has a value HAProxy would misread (${JSON.stringify(entry.value)}): spaces, quotes, "#", "\\" and control characters are not allowed`,
      );
    }
    const rest = entry.parts.slice(2).join(".").toLowerCase();
    if (!KNOWN_KEYS.has(rest)) warnings.push(`services.${serviceName}: unknown label ${entry.key} ignored`);
  }
  const frontendPort = port(serviceName, labels, `${L4_PREFIX}.port`);
  if (frontendPort === undefined)
    throw labelError(serviceName, `${L4_PREFIX}.port`, "is required when osvc.l4.enable=true");
  let backendPort = port(serviceName, labels, `${L4_PREFIX}.backend_port`);
  if (backendPort === undefined) {
    const hostPort = hostPortFor(service, frontendPort);
    backendPort = hostPort.port;
    if (hostPort.loopbackOnly)
      warnings.push(
        `services.${serviceName}: port ${frontendPort} is published on a loopback address only; other nodes cannot reach it`,
      );
  }
  const check = oneOf(serviceName, labels, `${L4_PREFIX}.check`, ["tcp", "redis", "http"] as const, "tcp");
  const checkPath = labels.get(`${L4_PREFIX}.check.path`) ?? L4_CHECK_DEFAULTS.path;
  if (!checkPath.startsWith("/"))
    throw labelError(serviceName, labels.keyOf(`${L4_PREFIX}.check.path`), `must start with "/", got "${checkPath}"`);
  if (check !== "http" && labels.get(`${L4_PREFIX}.check.path`) !== undefined) {
    warnings.push(
      `services.${serviceName}: ${labels.keyOf(`${L4_PREFIX}.check.path`)} only applies to osvc.l4.check=http`,
    );
  }
  const inter = labels.get(`${L4_PREFIX}.check.inter`) ?? L4_CHECK_DEFAULTS.inter;
  if (!HAPROXY_TIME.test(inter) || /^0+[a-z]*$/.test(inter)) {
    throw labelError(
      serviceName,
      labels.keyOf(`${L4_PREFIX}.check.inter`),
      `must be a positive HAProxy time such as "2s" or "500ms", got "${inter}"`,
    );
  }
  const l4: L4Service = {
    service: serviceName,
    frontendPort,
    backendPort,
    check,
    checkPath,
    inter,
    fall: count(serviceName, labels, `${L4_PREFIX}.check.fall`, L4_CHECK_DEFAULTS.fall),
    rise: count(serviceName, labels, `${L4_PREFIX}.check.rise`, L4_CHECK_DEFAULTS.rise),
    mode: oneOf(serviceName, labels, `${L4_PREFIX}.mode`, ["failover", "balance"] as const, cluster.proxy.haproxy.mode),
    balance: oneOf(
      serviceName,
      labels,
      `${L4_PREFIX}.balance`,
      ["roundrobin", "leastconn"] as const,
      cluster.proxy.haproxy.balance,
    ),
  };
  if (check === "redis") {
    const { password, warning } = redisPassword(serviceName, service);
    if (warning) warnings.push(warning);
    if (password !== undefined) l4.redisPassword = password;
  }
  return l4;
}

/** Every byte that is not a letter or digit becomes \xNN, which HAProxy's parser decodes in unquoted words. */
export function haproxyEscape(value: string): string {
  let out = "";
  for (const b of Buffer.from(value, "utf8")) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9]/.test(c) ? c : `\\x${b.toString(16).padStart(2, "0")}`;
  }
  return out;
}

function checkLines(l4: L4Service): string[] {
  switch (l4.check) {
    case "tcp":
      return [];
    case "http":
      return [`option httpchk GET ${l4.checkPath}`];
    case "redis": {
      const lines = ["option tcp-check"];
      if (l4.redisPassword !== undefined) {
        // RESP array framing keeps any password (spaces, quotes) intact, unlike an inline command.
        const len = Buffer.byteLength(l4.redisPassword, "utf8");
        lines.push(
          `tcp-check send *2\\r\\n$4\\r\\nAUTH\\r\\n$${len}\\r\\n${haproxyEscape(l4.redisPassword)}\\r\\n`,
          "tcp-check expect string +OK",
        );
      }
      lines.push(
        "tcp-check send PING\\r\\n",
        "tcp-check expect string +PONG",
        "tcp-check send QUIT\\r\\n",
        "tcp-check expect string +OK",
      );
      return lines;
    }
  }
}

function section(title: string, lines: string[]): string {
  return [title, ...lines.map((l) => `    ${l}`)].join("\n");
}

/** Renders haproxy.cfg for the HAProxy on `options.node` (default: the local node). */
export function buildHaproxyConfig(
  project: Project,
  cluster: ResolvedCluster,
  options: { node?: string } = {},
): { config: string; warnings: string[] } {
  const localNode = options.node ?? cluster.localNode;
  const warnings: string[] = [];
  const l4s: L4Service[] = [];
  for (const name of Object.keys(project.services ?? {}).sort()) {
    const l4 = readL4Service(name, project.services[name], cluster, warnings);
    if (l4) l4s.push(l4);
  }

  const statsPort = Number(/:(\d+)$/.exec(cluster.proxy.haproxy.statsBind)?.[1]);
  const ports = new Map<number, string>([[statsPort, "the HAProxy stats page"]]);
  for (const l4 of l4s) {
    const other = ports.get(l4.frontendPort);
    if (other) {
      throw new UserError(
        `service ${l4.service}: osvc.l4.port ${l4.frontendPort} is already used by ${other.startsWith("the ") ? other : `service ${other}`}`,
        {
          path: `services.${l4.service}.labels.${L4_PREFIX}.port`,
        },
      );
    }
    ports.set(l4.frontendPort, l4.service);
  }

  const sections: string[] = [
    [
      `# Generated by c2ts for project "${project.name}", node "${localNode}". Do not edit: regenerate with c2ts proxy.`,
      "# Frontends bind the ports named by osvc.l4.port labels; backends reach each node's published port over Tailscale.",
    ].join("\n"),
    section("global", ["log stdout format raw local0", "maxconn 4096"]),
    section("defaults", [
      "mode tcp",
      "log global",
      "option tcplog",
      "option dontlognull",
      "option redispatch",
      "retries 3",
      "timeout connect 5s",
      "timeout client 1h",
      "timeout server 1h",
    ]),
    section("listen stats", [
      `bind ${cluster.proxy.haproxy.statsBind}`,
      "mode http",
      "option httplog",
      "stats enable",
      "stats uri /",
      "stats refresh 10s",
    ]),
  ];

  for (const l4 of l4s) {
    const nodes = servingNodes(cluster, l4.service, localNode);
    sections.push(
      section(`frontend fe_${l4.service}`, [`bind :${l4.frontendPort}`, `default_backend be_${l4.service}`]),
    );
    const budget = `${checkBudgetMs(l4.inter)}ms`;
    const lines: string[] = [`timeout connect ${budget}`, `timeout check ${budget}`];
    if (l4.mode === "balance") lines.push(`balance ${l4.balance}`);
    lines.push(...checkLines(l4));
    if (nodes.length === 0) {
      warnings.push(`services.${l4.service}: no online node runs this service; its HAProxy backend has no servers`);
      lines.push(`# no online node runs ${l4.service}`);
    }
    nodes.forEach((node, i) => {
      const opts = [`check inter ${l4.inter} fastinter ${budget} fall ${l4.fall} rise ${l4.rise}`];
      if (l4.mode === "failover") {
        opts.push(i === 0 ? "on-marked-up shutdown-backup-sessions" : "backup");
      }
      opts.push("on-marked-down shutdown-sessions");
      lines.push(`server ${node.name} ${urlHost(node.ip)}:${l4.backendPort} ${opts.join(" ")}`);
    });
    sections.push(section(`backend be_${l4.service}`, lines));
  }
  return {
    config: `${sections.join("\n\n")}\n`,
    warnings,
    // A Redis check carries the password in the file.
  };
}
