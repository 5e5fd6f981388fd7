/**
 * Which cluster nodes can answer for each service of a swarm stack, for `c2ts proxy`'s files: a
 * service publishing host-mode ports is reachable only on the nodes running one of its tasks (read
 * from the task list); any other service on every ready node, as the routing mesh reaches a task
 * from anywhere. Node names are the `c2ts.node` labels `c2ts nodes join` sets.
 */
import type { SwarmNode, SwarmService, SwarmTask } from "./api.js";
import { NODE_LABEL } from "./join.js";

export function servingPlacement(
  namespace: string,
  services: SwarmService[],
  tasks: SwarmTask[],
  nodes: SwarmNode[],
): Record<string, string[]> {
  const nameOf = new Map(nodes.map((n) => [n.ID, n.Spec.Labels?.[NODE_LABEL.node]]));
  const ready = nodes
    .filter((n) => n.Status.State === "ready" && n.Spec.Availability === "active")
    .map((n) => n.Spec.Labels?.[NODE_LABEL.node])
    .filter((n): n is string => Boolean(n));
  const out: Record<string, string[]> = {};
  for (const s of services) {
    if (!s.Spec.Name.startsWith(`${namespace}_`)) continue;
    const key = s.Spec.Name.slice(namespace.length + 1);
    const hostMode = (s.Spec.EndpointSpec?.Ports ?? []).some((p) => p.PublishMode === "host");
    const running = tasks
      .filter((t) => t.ServiceID === s.ID && t.DesiredState === "running" && t.Status.State === "running")
      .map((t) => nameOf.get(t.NodeID ?? ""))
      .filter((n): n is string => Boolean(n));
    out[key] = [...new Set(hostMode ? running : ready)].sort();
  }
  return out;
}
