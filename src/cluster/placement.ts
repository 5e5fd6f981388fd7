/**
 * Which nodes each service runs on. Sources, first one present wins:
 *   1. `placement: { svc: [...] }` in defineCluster (the deployment's own choice),
 *   2. the service's `x-c2ts: { nodes: [...] }` extension (or "a,b"),
 *   3. the service's `c2ts.nodes=a,b` label,
 *   4. every node.
 */
import type { Project, ServiceConfig } from "../compose/model.js";
import { UserError } from "../compose/errors.js";

export const PLACEMENT_LABEL = "c2ts.nodes";
export const PLACEMENT_EXTENSION = "x-c2ts";

interface Source {
  nodes: string[];
  path: string;
}

function splitList(value: string): string[] {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

function fromService(name: string, service: ServiceConfig): Source | undefined {
  const ext = service[PLACEMENT_EXTENSION];
  if (ext !== undefined && ext !== null) {
    const path = `services.${name}.${PLACEMENT_EXTENSION}.nodes`;
    if (typeof ext !== "object" || Array.isArray(ext))
      throw new UserError(`${PLACEMENT_EXTENSION} must be a mapping`, {
        path: `services.${name}.${PLACEMENT_EXTENSION}`,
      });
    const nodes = (ext as Record<string, unknown>).nodes;
    if (typeof nodes === "string") return { nodes: splitList(nodes), path };
    if (Array.isArray(nodes) && nodes.every((n) => typeof n === "string"))
      return { nodes: nodes.map((n) => n.trim()), path };
    if (nodes !== undefined)
      throw new UserError("nodes must be a list of node names or a comma-separated string", { path });
  }
  const label = service.labels?.[PLACEMENT_LABEL];
  if (label !== undefined) return { nodes: splitList(label), path: `services.${name}.labels.${PLACEMENT_LABEL}` };
  return undefined;
}

/**
 * Returns, for every service of the project, its node names in `nodeNames` order, plus warnings.
 * Naming a node that is not in the cluster, or placing a service the project does not have, is a UserError.
 */
export function resolvePlacement(
  project: Project,
  nodeNames: readonly string[],
  explicit: Readonly<Record<string, readonly string[] | undefined>> = {},
): { placement: Record<string, string[]>; warnings: string[] } {
  const warnings: string[] = [];
  const services = project.services ?? {};
  for (const name of Object.keys(explicit).sort()) {
    if (!(name in services)) {
      throw new UserError(
        `placement names service "${name}", which the project does not define (services: ${Object.keys(services).sort().join(", ")})`,
        {
          path: `cluster.placement.${name}`,
        },
      );
    }
  }
  const placement: Record<string, string[]> = {};
  for (const name of Object.keys(services).sort()) {
    const list = explicit[name];
    const source: Source | undefined =
      list !== undefined ? { nodes: [...list], path: `cluster.placement.${name}` } : fromService(name, services[name]);
    if (!source) {
      placement[name] = [...nodeNames];
      continue;
    }
    for (const node of source.nodes) {
      if (!nodeNames.includes(node)) {
        throw new UserError(
          `service "${name}" is placed on unknown node "${node}"; cluster nodes are: ${nodeNames.join(", ") || "(none)"}`,
          { path: source.path },
        );
      }
    }
    if (source.nodes.length === 0)
      warnings.push(`${source.path}: service "${name}" is placed on no node; it will not run or be proxied`);
    placement[name] = nodeNames.filter((n) => source.nodes.includes(n));
  }
  return { placement, warnings };
}
