/**
 * The stateful-service warning: a named volume on the `local` driver lives on one node. A
 * replicated service that may run on several nodes then has one unrelated copy of the data per
 * node (several replicas), or starts over on an empty copy when its task moves (one replica).
 * Global services are per-node by design and not warned about.
 */
import type { ServiceContext } from "./context.js";
import type { DeployMode } from "./mode.js";
import { NODE_LABEL } from "./placement.js";
import type { Mount, ServiceMode } from "./types.js";

/** Constraints that pin a service to exactly one node. */
const PINNING = [
  /^node\.hostname\s*==/,
  /^node\.id\s*==/,
  new RegExp(`^node\\.labels\\.${NODE_LABEL.replaceAll(".", "\\.")}\\s*==`),
];

/** How many nodes the service may run on; undefined when unknown. */
function candidateNodes(ctx: ServiceContext, constraints: string[]): number | undefined {
  if (constraints.some((c) => PINNING.some((re) => re.test(c)))) return 1;
  const allowed = ctx.input.placement?.[ctx.name];
  if (allowed?.length) return new Set(allowed).size;
  return ctx.input.nodeNames?.length;
}

function replicasOf(mode: ServiceMode): number {
  return mode.Replicated?.Replicas ?? mode.ReplicatedJob?.MaxConcurrent ?? 1;
}

export function warnLocalVolumes(
  ctx: ServiceContext,
  mode: DeployMode,
  serviceMode: ServiceMode,
  mounts: Mount[],
  constraints: string[],
): void {
  if (mode === "global" || mode === "global-job") return;
  const nodes = candidateNodes(ctx, constraints);
  const replicas = replicasOf(serviceMode);
  if (nodes === 1 || (nodes === undefined && replicas <= 1)) return;
  for (const m of mounts) {
    if (m.Type !== "volume" || !m.Source) continue;
    const key = Object.entries(ctx.project.volumes ?? {}).find(
      ([k, v]) => m.Source === v.name || m.Source === `${ctx.namespace}_${k}`,
    )?.[0];
    const driver = (key && ctx.project.volumes?.[key]?.driver) || "local";
    if (driver !== "local") continue;
    const what =
      replicas > 1
        ? `each of the ${replicas} replicas on a different node gets its own copy of volume ${m.Source}; the data is not shared`
        : `the task can move to another node, which has its own (empty) copy of volume ${m.Source}`;
    ctx.warn(
      `volumes[${m.Target}]`,
      `${what}. Pin the service to one node: placement: { ${ctx.name}: ["<node>"] } in the cluster definition, ` +
        `or deploy.placement.constraints: ["node.labels.${NODE_LABEL}==<node>"]`,
    );
  }
}
