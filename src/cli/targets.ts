/**
 * Where a runtime command acts: the local engine (DOCKER_HOST or the socket), or with
 * `--node NAME` / `--all-nodes` each cluster node's engine with the services placed there.
 */
import { UserError } from "../compose/errors.js";
import type { LoadedProject } from "../compose/loader.js";
import type { Project } from "../compose/model.js";
import type { ResolvedCluster } from "../cluster/resolve.js";
import { stringList, type OptionSpec, type ParsedArgs } from "./args.js";
import { CLUSTER_OPTIONS, resolveClusterFor } from "./cluster-context.js";

export const NODE_OPTIONS: Record<string, OptionSpec> = {
  node: { type: "string", multiple: true, value: "NAME", description: "Act on this cluster node's engine" },
  "all-nodes": { type: "boolean", description: "Act on every online cluster node in parallel" },
  ...CLUSTER_OPTIONS,
};

export interface Target {
  /** Cluster node name; undefined for the plain local engine. */
  node?: string;
  /** Engine address; undefined: DOCKER_HOST or the local socket. */
  host?: string;
  project: Project;
}

export function isMultiNode(args: ParsedArgs): boolean {
  return Boolean(args.values["all-nodes"]) || stringList(args.values.node).length > 0;
}

export async function resolveTargets(args: ParsedArgs, loaded: LoadedProject): Promise<Target[]> {
  return (await resolveTargetsInCluster(args, loaded)).targets;
}

/** The targets, and the resolved cluster when there is one (so callers need not ask tailscale twice). */
export async function resolveTargetsInCluster(
  args: ParsedArgs,
  loaded: LoadedProject,
): Promise<{ targets: Target[]; cluster?: ResolvedCluster }> {
  if (!isMultiNode(args)) return { targets: [{ project: loaded.project }] };
  const cluster = await resolveClusterFor(args, loaded.project);
  const { projectForNode } = await import("../cluster/node-project.js");
  const wanted = stringList(args.values.node);
  for (const name of wanted) assertKnownNode(cluster, name);
  const nodes = cluster.nodes.filter((n) => (wanted.length > 0 ? wanted.includes(n.name) : n.online));
  const targets = nodes.map((n) => ({
    node: n.name,
    host: n.engine,
    project: projectForNode(loaded.project, cluster, n.name),
  }));
  return { targets, cluster };
}

/** `--node NAME` must name a cluster node; the error lists the ones there are. */
export function assertKnownNode(cluster: ResolvedCluster, name: string): void {
  if (!cluster.nodes.some((n) => n.name === name)) {
    throw new UserError(
      `unknown node "${name}" (cluster nodes: ${cluster.nodes.map((n) => n.name).join(", ") || "none"})`,
    );
  }
}

/** Prefixes a resource name with its node so one progress view can show several engines. */
export function labelFor(target: Target, name: string): string {
  return target.node ? `${target.node}: ${name}` : name;
}
