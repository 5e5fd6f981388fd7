/**
 * `c2ts nodes join`: make every node of the cluster definition a member of one swarm. The swarm
 * is initialised on the first node by tier order, advertising its own (Tailscale) address; the
 * first 1, 3 or 5 nodes by tier order are managers, the rest workers; every node is labelled
 * `c2ts.node=<name>` and `c2ts.tier=<tier>`. Running it again changes nothing; an offline or
 * unreachable node is reported and left alone (never removed from the swarm).
 */
import type { ResolvedCluster, ResolvedNode } from "../cluster/resolve.js";
import type { NodeSpec, SwarmApi, SwarmNode } from "./api.js";

export const NODE_LABEL = { node: "c2ts.node", tier: "c2ts.tier" } as const;

/** The name c2ts knows a swarm node by: its `c2ts.node` label, else its hostname, else its ID. */
export function swarmNodeName(node: SwarmNode): string {
  return node.Spec.Labels?.[NODE_LABEL.node] ?? node.Description?.Hostname ?? node.ID;
}

/** Managers for a cluster of `n` nodes: 5 from 7, 3 from 3, else 1 (an odd count keeps a quorum). */
export function managerCount(n: number): number {
  if (n >= 7) return 5;
  if (n >= 3) return 3;
  return 1;
}

/** Nodes by tier (index in `tiers`; untiered last), then name. */
export function nodesByTier(cluster: ResolvedCluster): ResolvedNode[] {
  const rank = (n: ResolvedNode) => (n.tier === undefined ? cluster.tiers.length : cluster.tiers.indexOf(n.tier));
  return [...cluster.nodes].sort((a, b) => rank(a) - rank(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Where to look for a manager: the local node first, then by tier. */
export function nodesByPreference(cluster: ResolvedCluster): ResolvedNode[] {
  const byTier = nodesByTier(cluster);
  return [...byTier.filter((n) => n.local), ...byTier.filter((n) => !n.local)];
}

export interface JoinReport {
  node: string;
  /** What this run did to the node. */
  action:
    "initialized" | "joined" | "unchanged" | "updated" | "offline" | "unreachable" | "in another swarm" | "failed";
  role?: "manager" | "worker";
  message?: string;
}

export type Connect = (host: string) => Promise<SwarmApi & { close(): void }>;

interface Member {
  node: ResolvedNode;
  api: SwarmApi & { close(): void };
  swarmNodeId?: string;
  state: string;
  manager: boolean;
  clusterId?: string;
}

async function describe(node: ResolvedNode, api: SwarmApi & { close(): void }): Promise<Member> {
  const info = await api.info();
  return {
    node,
    api,
    swarmNodeId: info.Swarm.NodeID || undefined,
    state: info.Swarm.LocalNodeState,
    manager: info.Swarm.ControlAvailable,
    clusterId: info.Swarm.Cluster?.ID,
  };
}

export async function joinNodes(cluster: ResolvedCluster, connect: Connect): Promise<JoinReport[]> {
  const ordered = nodesByTier(cluster);
  const managers = new Set(ordered.slice(0, managerCount(ordered.length)).map((n) => n.name));
  const reports = new Map<string, JoinReport>();
  const members: Member[] = [];
  try {
    await Promise.all(
      ordered.map(async (node) => {
        if (!node.online) {
          reports.set(node.name, { node: node.name, action: "offline", message: "left as it is" });
          return;
        }
        try {
          const api = await connect(node.engine);
          try {
            members.push(await describe(node, api));
          } catch (e) {
            api.close();
            throw e;
          }
        } catch (e) {
          reports.set(node.name, { node: node.name, action: "unreachable", message: (e as Error).message });
        }
      }),
    );
    members.sort((a, b) => ordered.indexOf(a.node) - ordered.indexOf(b.node));
    if (members.length === 0) return finish(ordered, reports);

    let leader = members.find((m) => m.state === "active" && m.manager);
    if (!leader) {
      leader = members[0]!;
      await leader.api.initSwarm(leader.node.ip);
      Object.assign(leader, await describe(leader.node, leader.api));
      reports.set(leader.node.name, { node: leader.node.name, action: "initialized", role: "manager" });
    }
    const swarm = await leader.api.inspectSwarm();
    const remote = [`${leader.node.ip}:2377`];
    // One at a time: each manager joining changes the raft membership the next one joins.
    for (const m of members) {
      if (m === leader || reports.has(m.node.name)) continue;
      if (m.state === "active" || m.state === "pending") {
        if (m.clusterId && m.clusterId !== swarm.ID) {
          reports.set(m.node.name, {
            node: m.node.name,
            action: "in another swarm",
            message: `cluster ${m.clusterId}`,
          });
        }
        continue;
      }
      const role = managers.has(m.node.name) ? "manager" : "worker";
      try {
        await m.api.joinSwarm(
          m.node.ip,
          remote,
          role === "manager" ? swarm.JoinTokens.Manager : swarm.JoinTokens.Worker,
        );
        Object.assign(m, await describe(m.node, m.api));
        reports.set(m.node.name, { node: m.node.name, action: "joined", role });
      } catch (e) {
        reports.set(m.node.name, { node: m.node.name, action: "failed", message: (e as Error).message });
      }
    }

    const swarmNodes = new Map((await leader.api.listNodes()).map((n) => [n.ID, n]));
    for (const m of members) {
      const prior = reports.get(m.node.name);
      if (prior && prior.action !== "initialized" && prior.action !== "joined") continue;
      const sn = m.swarmNodeId ? swarmNodes.get(m.swarmNodeId) : undefined;
      if (!sn) {
        reports.set(m.node.name, {
          node: m.node.name,
          action: "failed",
          message: "not listed by the swarm's managers",
        });
        continue;
      }
      const spec = wantedSpec(sn, m.node, managers.has(m.node.name));
      const changed = JSON.stringify(spec) !== JSON.stringify(sn.Spec);
      if (changed) await leader.api.updateNode(sn, spec);
      reports.set(m.node.name, {
        node: m.node.name,
        action: prior?.action ?? (changed ? "updated" : "unchanged"),
        role: spec.Role,
      });
    }
    return finish(ordered, reports);
  } finally {
    for (const m of members) m.api.close();
  }
}

/** The node's labels, and a promotion when it is one of the designated managers (never a demotion). */
function wantedSpec(sn: SwarmNode, node: ResolvedNode, manager: boolean): NodeSpec {
  const labels: Record<string, string> = { ...(sn.Spec.Labels ?? {}), [NODE_LABEL.node]: node.name };
  if (node.tier !== undefined) labels[NODE_LABEL.tier] = node.tier;
  return { ...sn.Spec, Labels: labels, Role: manager ? "manager" : sn.Spec.Role };
}

function finish(ordered: ResolvedNode[], reports: Map<string, JoinReport>): JoinReport[] {
  return ordered.map((n) => reports.get(n.name) ?? { node: n.name, action: "unchanged" });
}

export interface SwarmNodeStatus {
  role: string;
  availability: string;
  state: string;
  leader: boolean;
}

/** Swarm role, availability and state of each cluster node (by its c2ts.node label), as a manager sees them. */
export async function swarmNodeStatus(api: SwarmApi): Promise<Record<string, SwarmNodeStatus>> {
  const out: Record<string, SwarmNodeStatus> = {};
  for (const n of await api.listNodes()) {
    const name = n.Spec.Labels?.[NODE_LABEL.node];
    if (!name) continue;
    out[name] = {
      role: n.Spec.Role,
      availability: n.Spec.Availability,
      state: n.Status.State,
      leader: Boolean(n.ManagerStatus?.Leader),
    };
  }
  return out;
}
