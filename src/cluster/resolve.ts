/**
 * resolveCluster: the cluster definition + what Tailscale reports + the compose project → the concrete
 * cluster the deployer and the proxy generators work from. Pure: discovery happens before, in tailscale.ts.
 */
import type { Project } from "../compose/model.js";
import { UserError } from "../compose/errors.js";
import { validateClusterDefinition, isDiscovered } from "./define.js";
import type { ClusterDefinition, HaproxyBalance, HaproxyMode, Orchestrator } from "./define.js";
import { defaultEngineAddress } from "./engine.js";
import { resolvePlacement } from "./placement.js";
import type { TailscaleNode, TailscaleStatus } from "./tailscale.js";

export interface ResolvedNode {
  name: string;
  /** Address used by proxies and the default engine URL (Tailscale IPv4 when discovered). */
  ip: string;
  /** Offline nodes stay in the cluster (placement may name them) but get no proxy traffic. */
  online: boolean;
  tier?: string;
  engine: string;
  /** True for the node c2ts runs on (or generates configuration for). */
  local: boolean;
}

export interface ResolvedProxySettings {
  outDir: string;
  haproxy: { mode: HaproxyMode; balance: HaproxyBalance; statsBind: string };
  traefik: { labelProvider: string; insecureSkipVerify: boolean };
}

export interface ResolvedCluster {
  domain: string;
  localNode: string;
  /** Tier names, most preferred first. */
  tiers: string[];
  /** Sorted by name. */
  nodes: ResolvedNode[];
  /** Every project service → the names of the nodes it runs on, in `nodes` order. */
  placement: Record<string, string[]>;
  proxy: ResolvedProxySettings;
  /** "engines" (default) or "swarm". */
  orchestrator: Orchestrator;
  warnings: string[];
}

export const DEFAULT_PROXY_OUT_DIR = "proxy";
export const DEFAULT_STATS_BIND = "127.0.0.1:8404";

interface NodeDraft {
  name: string;
  ip?: string;
  online: boolean;
  tier?: string;
  engine?: string;
}

function selectDiscovered(def: ClusterDefinition, status: TailscaleStatus): NodeDraft[] {
  const d = def.nodes;
  if (!isDiscovered(d)) return [];
  const names = d.names ?? [];
  const tags = d.tags ?? [];
  const all = new Map(status.nodes.map((n) => [n.name, n]));
  names.forEach((name, i) => {
    if (!all.has(name)) {
      throw new UserError(
        `node "${name}" is not in the tailnet; machines seen: ${[...all.keys()].join(", ") || "(none)"}`,
        {
          path: `cluster.nodes.names[${i}]`,
        },
      );
    }
  });
  const wanted = (n: TailscaleNode) =>
    (names.length === 0 && tags.length === 0) || names.includes(n.name) || n.tags.some((t) => tags.includes(t));
  const selected = status.nodes.filter(wanted);
  const settings: Record<string, { tier?: string; engine?: string } | undefined> = d.settings ?? {};
  for (const name of Object.keys(settings)) {
    if (!selected.some((n) => n.name === name)) {
      throw new UserError(
        `settings name node "${name}", which is not a cluster node (nodes: ${selected.map((n) => n.name).join(", ") || "(none)"})`,
        {
          path: `cluster.nodes.settings.${name}`,
        },
      );
    }
  }
  return selected.map((n) => ({
    name: n.name,
    ip: n.ip,
    online: n.online,
    tier: settings[n.name]?.tier,
    engine: settings[n.name]?.engine,
  }));
}

function selectStatic(def: ClusterDefinition, status: TailscaleStatus | undefined): NodeDraft[] {
  const d = def.nodes;
  if (isDiscovered(d)) return [];
  const seen = new Map((status?.nodes ?? []).map((n) => [n.name, n]));
  // Without discovery a listed node is assumed up; with it, Tailscale's view of the same name wins.
  return d.map((n) => ({
    name: n.name,
    ip: n.address,
    online: seen.get(n.name)?.online ?? true,
    tier: n.tier,
    engine: n.engine,
  }));
}

export function resolveCluster(
  def: ClusterDefinition,
  discovered: TailscaleStatus | undefined,
  project: Project,
  options: { localNode?: string } = {},
): ResolvedCluster {
  validateClusterDefinition(def);
  if (isDiscovered(def.nodes) && !discovered) {
    throw new UserError(
      'nodes use discover: "tailscale" but no Tailscale status was given; run discovery first (c2ts nodes)',
      {
        path: "cluster.nodes",
      },
    );
  }
  const warnings: string[] = [...(discovered?.warnings ?? [])];
  const drafts = isDiscovered(def.nodes) ? selectDiscovered(def, discovered!) : selectStatic(def, discovered);

  const localNode = options.localNode ?? def.localNode ?? discovered?.self?.name;
  if (!localNode) {
    throw new UserError("cannot tell which node is local: set localNode in defineCluster, or use Tailscale discovery", {
      path: "cluster.localNode",
    });
  }
  if (!drafts.some((n) => n.name === localNode)) {
    warnings.push(`local node "${localNode}" is not a cluster node; proxies will prefer nodes by tier only`);
  }

  const nodes: ResolvedNode[] = [];
  for (const draft of drafts) {
    if (!draft.ip) {
      warnings.push(`node "${draft.name}" has no Tailscale address; left out of the cluster`);
      continue;
    }
    const local = draft.name === localNode;
    nodes.push({
      name: draft.name,
      ip: draft.ip,
      // c2ts is running on the local node, so it is up whatever the control plane says.
      online: local && !options.localNode ? true : draft.online,
      ...(draft.tier !== undefined ? { tier: draft.tier } : {}),
      engine: draft.engine ?? defaultEngineAddress(draft.ip, local),
      local,
    });
  }
  nodes.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (nodes.length === 0) warnings.push("the cluster has no nodes");

  const { placement, warnings: placementWarnings } = resolvePlacement(
    project,
    nodes.map((n) => n.name),
    def.placement as Record<string, readonly string[] | undefined> | undefined,
  );
  warnings.push(...placementWarnings);

  const proxy = def.proxy ?? {};
  return {
    domain: def.domain,
    localNode,
    tiers: [...(def.tiers ?? [])],
    nodes,
    placement,
    proxy: {
      outDir: proxy.outDir ?? DEFAULT_PROXY_OUT_DIR,
      haproxy: {
        mode: proxy.haproxy?.mode ?? "failover",
        balance: proxy.haproxy?.balance ?? "roundrobin",
        statsBind: proxy.haproxy?.statsBind ?? DEFAULT_STATS_BIND,
      },
      traefik: {
        labelProvider: proxy.traefik?.labelProvider ?? "docker",
        insecureSkipVerify: proxy.traefik?.insecureSkipVerify ?? false,
      },
    },
    orchestrator: def.orchestrator ?? "engines",
    warnings,
  };
}
