/**
 * `defineCluster({...})`: the typed description of the machines a stack runs on, written by the user
 * next to their stack. It is validated here, eagerly, so mistakes point at `cluster.<field>`;
 * matching it against the live tailnet and the compose project happens in resolve.ts.
 */
import { isIP } from "node:net";
import { UserError } from "../compose/errors.js";
import { DNS_LABEL, DNS_NAME } from "./dns-label.js";
import { checkEngineAddress } from "./engine.js";

/** A node listed by hand. */
export interface StaticNodeDefinition<N extends string = string> {
  /** DNS label; used in `<service>.<node>.<domain>`. */
  name: N;
  /** The node's Tailscale IP (or any address every node and proxy can reach). */
  address: string;
  /** `ssh://user@host`, `tcp://<ip>:2375`, `unix:///var/run/docker.sock`. Default: local socket on the local node, `tcp://<address>:2375` elsewhere. */
  engine?: string;
  /** One of `tiers`; lower index = preferred as a fallback. */
  tier?: string;
}

/** Nodes come from `tailscale status --json`. */
export interface DiscoveredNodesDefinition<N extends string = string> {
  discover: "tailscale";
  /** Only these machines are cluster nodes (default: every machine of the tailnet). */
  names?: readonly N[];
  /** Only machines carrying one of these ACL tags, e.g. "tag:server". With `names`, a machine matching either is included. */
  tags?: readonly string[];
  /** Per-node tier and engine, keyed by node name. */
  settings?: { readonly [K in N]?: { tier?: string; engine?: string } };
}

export type HaproxyMode = "failover" | "balance";
export type HaproxyBalance = "roundrobin" | "leastconn";

export interface ProxyDefinition {
  /** Directory the generated files go to (default "proxy"). */
  outDir?: string;
  haproxy?: {
    /** "failover" (default): local node active, others `backup` by tier. "balance": all nodes active. */
    mode?: HaproxyMode;
    /** Algorithm in balance mode (default "roundrobin"). */
    balance?: HaproxyBalance;
    /** `listen stats` bind address (default "127.0.0.1:8404"). */
    statsBind?: string;
  };
  traefik?: {
    /** Provider whose labels define the middlewares routers refer to (default "docker"): `auth` becomes `auth@docker`. */
    labelProvider?: string;
    /**
     * Skip TLS verification when one node's Traefik forwards to another node's Traefik
     * (`https://<service>.<node>.<domain>`). Default false; applies only to those servers,
     * through a `serversTransport`, never globally.
     */
    insecureSkipVerify?: boolean;
  };
}

export interface ClusterDefinition<N extends string = string, S extends string = string> {
  /** Base domain: `<service>.<domain>` and `<service>.<node>.<domain>`. */
  domain: string;
  nodes: DiscoveredNodesDefinition<N> | readonly StaticNodeDefinition<N>[];
  /** Fallback preference order of tier names, most preferred first. Names are the user's own. */
  tiers?: readonly string[];
  /** The node c2ts runs on (default: Tailscale's Self). */
  localNode?: NoInfer<N>;
  /** Nodes each service runs on (default: every node). Wins over `x-c2ts.nodes` and the `c2ts.nodes` label. */
  placement?: { readonly [K in S]?: readonly NoInfer<N>[] };
  proxy?: ProxyDefinition;
  /**
   * "engines" (default): every node's engine runs its own copy of the services placed there.
   * "swarm": the nodes form one Docker Swarm (`c2ts nodes join`); deploy, plan, ps, logs and down
   * talk to a swarm manager.
   */
  orchestrator?: Orchestrator;
}

export type Orchestrator = "engines" | "swarm";

/**
 * Declares a cluster. Node names are inferred from a static list (or `names`), so `placement`
 * and `localNode` only accept known names; pass the service-name union as the second type argument
 * to check `placement` keys too.
 */
export function defineCluster<const N extends string, const S extends string = string>(
  def: ClusterDefinition<N, S>,
): ClusterDefinition<N, S> {
  validateClusterDefinition(def);
  return def;
}

export function isDiscovered(nodes: ClusterDefinition["nodes"]): nodes is DiscoveredNodesDefinition {
  return !Array.isArray(nodes);
}

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]*|\*):([0-9]{1,5})$/;

function fail(message: string, path: string): never {
  throw new UserError(message, { path });
}

function checkTier(tier: unknown, tiers: readonly string[], path: string): void {
  if (tier === undefined) return;
  if (typeof tier !== "string" || !tiers.includes(tier)) {
    fail(`tier ${JSON.stringify(tier)} is not one of tiers [${tiers.join(", ")}]`, path);
  }
}

function checkEngine(engine: unknown, path: string): void {
  if (engine === undefined) return;
  if (typeof engine !== "string") fail("engine must be a string", path);
  checkEngineAddress(engine, path);
}

function checkNodeName(name: unknown, path: string): void {
  if (typeof name !== "string" || !DNS_LABEL.test(name)) {
    fail(`node name ${JSON.stringify(name)} must be a DNS label (lower-case letters, digits and inner hyphens)`, path);
  }
}

/** Throws a UserError with a `cluster.…` path for the first problem found. */
export function validateClusterDefinition(def: ClusterDefinition): void {
  if (typeof def !== "object" || def === null) fail("the cluster definition must be an object", "cluster");
  if (typeof def.domain !== "string" || !DNS_NAME.test(def.domain)) {
    fail(`domain ${JSON.stringify(def.domain)} must be a lower-case DNS name such as "example.com"`, "cluster.domain");
  }
  const tiers = def.tiers ?? [];
  if (!Array.isArray(tiers)) fail("tiers must be a list of tier names", "cluster.tiers");
  tiers.forEach((t, i) => {
    if (typeof t !== "string" || t === "") fail("tier names must be non-empty strings", `cluster.tiers[${i}]`);
    if (tiers.indexOf(t) !== i) fail(`tier "${t}" is listed twice`, `cluster.tiers[${i}]`);
  });

  const nodes = def.nodes as unknown;
  if (Array.isArray(nodes)) {
    if (nodes.length === 0) fail('list at least one node, or use { discover: "tailscale" }', "cluster.nodes");
    const seen = new Set<string>();
    nodes.forEach((n: StaticNodeDefinition, i) => {
      const p = `cluster.nodes[${i}]`;
      if (typeof n !== "object" || n === null) fail("a node must be an object { name, address }", p);
      checkNodeName(n.name, `${p}.name`);
      if (seen.has(n.name)) fail(`node "${n.name}" is listed twice`, `${p}.name`);
      seen.add(n.name);
      if (typeof n.address !== "string" || (isIP(n.address) === 0 && !DNS_NAME.test(n.address))) {
        fail(`address ${JSON.stringify(n.address)} must be an IP address or a host name`, `${p}.address`);
      }
      checkEngine(n.engine, `${p}.engine`);
      checkTier(n.tier, tiers, `${p}.tier`);
    });
  } else if (typeof nodes === "object" && nodes !== null) {
    const d = nodes as DiscoveredNodesDefinition;
    if (d.discover !== "tailscale") fail(`discover must be "tailscale"`, "cluster.nodes.discover");
    (d.names ?? []).forEach((n, i) => checkNodeName(n, `cluster.nodes.names[${i}]`));
    (d.tags ?? []).forEach((t, i) => {
      if (typeof t !== "string" || !t.startsWith("tag:"))
        fail(`tag ${JSON.stringify(t)} must look like "tag:name"`, `cluster.nodes.tags[${i}]`);
    });
    for (const [name, s] of Object.entries<{ tier?: string; engine?: string } | undefined>(d.settings ?? {})) {
      checkNodeName(name, `cluster.nodes.settings.${name}`);
      checkEngine(s?.engine, `cluster.nodes.settings.${name}.engine`);
      checkTier(s?.tier, tiers, `cluster.nodes.settings.${name}.tier`);
    }
  } else {
    fail('nodes must be a list of { name, address } or { discover: "tailscale" }', "cluster.nodes");
  }

  if (def.localNode !== undefined) checkNodeName(def.localNode, "cluster.localNode");
  for (const [service, list] of Object.entries<readonly string[] | undefined>(def.placement ?? {})) {
    if (!Array.isArray(list) || list.some((n) => typeof n !== "string")) {
      fail("placement must map a service to a list of node names", `cluster.placement.${service}`);
    }
  }

  if (def.orchestrator !== undefined && def.orchestrator !== "engines" && def.orchestrator !== "swarm") {
    fail(`orchestrator ${JSON.stringify(def.orchestrator)} must be "engines" or "swarm"`, "cluster.orchestrator");
  }

  const proxy = def.proxy ?? {};
  if (proxy.outDir !== undefined && (typeof proxy.outDir !== "string" || proxy.outDir === "")) {
    fail("outDir must be a non-empty path", "cluster.proxy.outDir");
  }
  const mode = proxy.haproxy?.mode;
  if (mode !== undefined && mode !== "failover" && mode !== "balance") {
    fail(`mode ${JSON.stringify(mode)} must be "failover" or "balance"`, "cluster.proxy.haproxy.mode");
  }
  const balance = proxy.haproxy?.balance;
  if (balance !== undefined && balance !== "roundrobin" && balance !== "leastconn") {
    fail(`balance ${JSON.stringify(balance)} must be "roundrobin" or "leastconn"`, "cluster.proxy.haproxy.balance");
  }
  const stats = proxy.haproxy?.statsBind;
  if (
    stats !== undefined &&
    (typeof stats !== "string" || !HOST_PORT.test(stats) || Number(HOST_PORT.exec(stats)![2]) > 65535)
  ) {
    fail(
      `statsBind ${JSON.stringify(stats)} must be "<address>:<port>", e.g. "127.0.0.1:8404"`,
      "cluster.proxy.haproxy.statsBind",
    );
  }
  const provider = proxy.traefik?.labelProvider;
  if (provider !== undefined && (typeof provider !== "string" || !/^[A-Za-z0-9-]+$/.test(provider))) {
    fail(
      `labelProvider ${JSON.stringify(provider)} must be a Traefik provider name such as "docker"`,
      "cluster.proxy.traefik.labelProvider",
    );
  }
  const skipVerify = proxy.traefik?.insecureSkipVerify;
  if (skipVerify !== undefined && typeof skipVerify !== "boolean") {
    fail("insecureSkipVerify must be true or false", "cluster.proxy.traefik.insecureSkipVerify");
  }
}

export { resolveCluster } from "./resolve.js";
export type { ResolvedCluster, ResolvedNode, ResolvedProxySettings } from "./resolve.js";
