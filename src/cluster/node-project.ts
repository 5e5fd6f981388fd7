/**
 * The slice of a project one node runs: the services placed on it, with dependencies on services
 * that live elsewhere dropped (a node can only wait for what it runs itself).
 */
import type { Project } from "../compose/model.js";
import type { ResolvedCluster } from "./resolve.js";

export function projectForNode(project: Project, cluster: ResolvedCluster, node: string): Project {
  const services: Project["services"] = {};
  for (const [name, service] of Object.entries(project.services)) {
    if (!(cluster.placement[name] ?? []).includes(node)) continue;
    services[name] = service;
  }
  for (const [name, service] of Object.entries(services)) {
    if (!service.depends_on) continue;
    const kept = Object.fromEntries(Object.entries(service.depends_on).filter(([dep]) => dep in services));
    services[name] = { ...service, depends_on: kept };
  }
  return { ...project, services };
}
