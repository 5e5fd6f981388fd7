/** The order in which proxies try a service's nodes. */
import type { ResolvedCluster, ResolvedNode } from "./resolve.js";

/**
 * The online nodes a service is placed on, most preferred first: the local node, then by tier
 * (index in `cluster.tiers`; nodes without a tier come after every tier), then by name.
 * `localNode` defaults to the cluster's; generating for another node passes that node's name.
 */
export function servingNodes(
  cluster: ResolvedCluster,
  service: string,
  localNode: string = cluster.localNode,
): ResolvedNode[] {
  const placed = new Set(cluster.placement[service] ?? []);
  const rank = (n: ResolvedNode) => (n.tier === undefined ? cluster.tiers.length : cluster.tiers.indexOf(n.tier));
  return cluster.nodes
    .filter((n) => placed.has(n.name) && n.online)
    .sort((a, b) => {
      if ((a.name === localNode) !== (b.name === localNode)) return a.name === localNode ? -1 : 1;
      const r = rank(a) - rank(b);
      if (r !== 0) return r;
      return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
    });
}
