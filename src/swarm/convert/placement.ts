/**
 * deploy.placement (constraints, spread preferences, max_replicas_per_node), `platform`, and the
 * cluster definition's `placement: { svc: ["nas", ...] }` → the task's Placement.
 *
 * Cluster placement relies on the `c2ts.node=<name>` label `c2ts nodes join` puts on every node.
 * Swarm ANDs constraints and has no "in" operator, so "one of several nodes" cannot be a list of
 * `==`. With one allowed node the constraint is `node.labels.c2ts.node==<node>`; with several,
 * it is one `node.labels.c2ts.node!=<node>` per node of the cluster that is NOT allowed (which is
 * why the caller passes every node name). Chosen over per-service node labels because it needs
 * no node update when a service's placement changes: the spec alone says where tasks may run.
 * A node added to the cluster later is allowed until the service is deployed again.
 */
import { requireApi, type ServiceContext } from "./context.js";
import { SwarmConvertError } from "./errors.js";
import type { DeployMode } from "./mode.js";
import type { Placement } from "./types.js";

/** The node label `c2ts nodes join` sets to the node's name. */
export const NODE_LABEL = "c2ts.node";

interface PlacementInput {
  constraints?: string[];
  preferences?: Array<{ spread?: string }>;
  max_replicas_per_node?: number;
}

export function swarmPlacement(ctx: ServiceContext, mode: DeployMode): Placement | undefined {
  const p = ctx.service.deploy?.placement as PlacementInput | undefined;
  const out: Placement = {};

  const constraints = [...(p?.constraints ?? [])];
  const allowed = ctx.input.placement?.[ctx.name];
  if (allowed) constraints.push(...clusterConstraints(ctx.name, allowed, ctx.input.nodeNames));
  const unique = [...new Set(constraints)];
  if (unique.length) out.Constraints = unique;

  const preferences = (p?.preferences ?? []).map((pref, i) => {
    if (!pref.spread) {
      throw new SwarmConvertError(ctx.name, `deploy.placement.preferences[${i}]`, "only `spread` preferences exist");
    }
    return { Spread: { SpreadDescriptor: pref.spread } };
  });
  if (preferences.length) out.Preferences = preferences;

  if (p?.max_replicas_per_node) {
    if (mode !== "replicated" && mode !== "replicated-job") {
      ctx.warn("deploy.placement.max_replicas_per_node", `does not apply to a ${mode} service; ignored`);
    } else if (requireApi(ctx, "deploy.placement.max_replicas_per_node", "1.40")) {
      out.MaxReplicas = p.max_replicas_per_node;
    }
  }

  const platform = platformOf(ctx.service.platform);
  if (platform) out.Platforms = [platform];
  return Object.keys(out).length ? out : undefined;
}

/** Constraints keeping a service on the named nodes (see the module comment). */
export function clusterConstraints(service: string, allowed: string[], nodeNames: string[] | undefined): string[] {
  const field = "placement (cluster definition)";
  const wanted = [...new Set(allowed)];
  if (wanted.length === 0) throw new SwarmConvertError(service, field, "lists no node");
  if (wanted.length === 1) return [`node.labels.${NODE_LABEL}==${wanted[0]}`];
  if (!nodeNames?.length) {
    throw new SwarmConvertError(service, field, "several nodes need the list of all cluster nodes (nodeNames)");
  }
  const unknown = wanted.filter((n) => !nodeNames.includes(n));
  if (unknown.length) throw new SwarmConvertError(service, field, `unknown node(s) ${unknown.join(", ")}`);
  return nodeNames.filter((n) => !wanted.includes(n)).map((n) => `node.labels.${NODE_LABEL}!=${n}`);
}

/** `linux/arm64/v8` → { OS: "linux", Architecture: "arm64" } (Swarm matches OS and architecture only). */
function platformOf(platform: string | undefined): { OS?: string; Architecture?: string } | undefined {
  if (!platform) return undefined;
  const [os, arch] = platform.split("/");
  return { ...(arch ? { Architecture: arch } : {}), ...(os ? { OS: os } : {}) };
}
