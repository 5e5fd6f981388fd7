/**
 * The Swarm side of deploy, plan, down, ps and logs: taken when the cluster definition says
 * `orchestrator: "swarm"`. The definition is only evaluated when its text mentions that, so
 * stacks without Swarm pay nothing for it.
 */
import { readFileSync } from "node:fs";
import type { ClusterDefinition } from "../cluster/define.js";
import type { LoadedProject } from "../compose/loader.js";
import type { Project } from "../compose/model.js";
import type { SwarmTargetOptions } from "../swarm/index.js";
import type { ResolvedCluster } from "../cluster/resolve.js";
import { stringList, type ParsedArgs } from "./args.js";
import { clusterConfigFile, discoverIfNeeded, loadClusterDefinition } from "./cluster-context.js";
import { UsageError } from "./errors.js";
import { isMultiNode } from "./targets.js";
import { paint, useColor, warn } from "./output.js";
import { createProgress, exitCodeFor, interruptSignal } from "./runtime-options.js";

export interface SwarmTarget {
  definition: ClusterDefinition;
  /** Engines of the cluster's nodes, preferred first (local, then by tier), for finding a manager. */
  engines(): Promise<string[]>;
  /** The resolved cluster (Tailscale is asked only when the definition discovers nodes). */
  cluster(): Promise<import("../cluster/resolve.js").ResolvedCluster>;
  /** Node name → engine address of the nodes online now (where services with `build:` are built). */
  engineAddresses(): Promise<Record<string, string>>;
  /** Placement from the definition (service → node names), and all node names. */
  placement(): Promise<{ placement?: Record<string, string[]>; nodeNames?: string[] }>;
}

const SWARM_MENTION = /orchestrator\s*:\s*["'`]swarm["'`]/;

/** The Swarm target when the cluster definition selects Swarm. */
export async function swarmTarget(args: ParsedArgs, project: Project): Promise<SwarmTarget | undefined> {
  const file = clusterConfigFile(args);
  if (!file) return undefined;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  if (!SWARM_MENTION.test(text)) return undefined;
  const { definition } = await loadClusterDefinition(args);
  if (definition.orchestrator !== "swarm") return undefined;
  let resolved: Promise<import("../cluster/resolve.js").ResolvedCluster> | undefined;
  const cluster = () =>
    (resolved ??= (async () => {
      const { validateClusterDefinition } = await import("../cluster/define.js");
      validateClusterDefinition(definition);
      const discovered = await discoverIfNeeded(definition);
      const { resolveCluster } = await import("../cluster/resolve.js");
      return resolveCluster(definition, discovered, project);
    })());
  return {
    definition,
    cluster,
    async engines() {
      const c = await cluster();
      const { nodesByPreference } = await import("../swarm/join.js");
      return nodesByPreference(c)
        .filter((n) => n.online)
        .map((n) => n.engine);
    },
    async engineAddresses() {
      const c = await cluster();
      return Object.fromEntries(c.nodes.filter((n) => n.online).map((n) => [n.name, n.engine]));
    },
    async placement() {
      const given = definition.placement as Record<string, string[]> | undefined;
      if (!given || Object.keys(given).length === 0) return {};
      const c = await cluster();
      return { placement: { ...given }, nodeNames: c.nodes.map((n) => n.name) };
    },
  };
}

export function swarmTargetOptions(target: SwarmTarget, signal?: AbortSignal): SwarmTargetOptions {
  return { managers: () => target.engines(), signal };
}

/**
 * Under Swarm, deploy, plan and down act on the swarm as a whole: Swarm decides where tasks run.
 * Running the engine fan-out instead would start containers beside the swarm's tasks, so
 * --node/--all-nodes are refused rather than silently taking that path.
 */
function refuseNodeTargets(args: ParsedArgs, command: string): void {
  if (!isMultiNode(args)) return;
  throw new UsageError(
    `${command}: --node and --all-nodes do not apply with orchestrator: "swarm": Swarm places the tasks. ` +
      `Pin services to nodes with the cluster definition's placement (or deploy.placement.constraints in the Compose file).`,
  );
}

const services = (args: ParsedArgs) => (args.positionals.length > 0 ? args.positionals : undefined);

export async function swarmDeploy(
  args: ParsedArgs,
  loaded: LoadedProject,
  target: SwarmTarget,
  o: { timeoutMs?: number },
): Promise<number> {
  refuseNodeTargets(args, "deploy");
  const { deploySwarm } = await import("../swarm/index.js");
  const renderer = await createProgress(Boolean(args.values.json));
  const interrupt = interruptSignal();
  try {
    const { result } = await deploySwarm(loaded.project, {
      ...swarmTargetOptions(target, interrupt.signal),
      ...(await target.placement()),
      environment: loaded.environment,
      engineAddresses: () => target.engineAddresses(),
      services: services(args),
      removeOrphans: Boolean(args.values["remove-orphans"]),
      force: Boolean(args.values["force-recreate"]),
      wait: !args.values["no-wait"],
      timeoutMs: o.timeoutMs,
      onEvent: (e) => renderer.onEvent(e),
    });
    renderer.finish(result);
    if (result.ok) await refreshSwarmProxy(loaded.project, target);
    return exitCodeFor(result);
  } finally {
    interrupt.dispose();
  }
}

/** The cluster with the swarm's serving placement (see src/swarm/proxy-placement.ts) over the definition's. */
export function withServingPlacement(cluster: ResolvedCluster, serving: Record<string, string[]>): ResolvedCluster {
  return { ...cluster, placement: { ...cluster.placement, ...serving } };
}

/** What `c2ts proxy` generates from under Swarm: the nodes that can answer for each service now. */
export async function swarmServingCluster(project: Project, target: SwarmTarget): Promise<ResolvedCluster> {
  const { servingNodesSwarm } = await import("../swarm/index.js");
  const [cluster, serving] = await Promise.all([
    target.cluster(),
    servingNodesSwarm(project.name, swarmTargetOptions(target)),
  ]);
  return withServingPlacement(cluster, serving);
}

/** After a deploy, the local node's Traefik/HAProxy files follow where the tasks run (host-mode ports) or every node. */
async function refreshSwarmProxy(project: Project, target: SwarmTarget): Promise<void> {
  try {
    const cluster = await swarmServingCluster(project, target);
    const { writeProxyFiles } = await import("./proxy-files.js");
    const { files } = await writeProxyFiles(project, cluster, { outDir: cluster.proxy.outDir });
    for (const f of Object.values(files)) if (f.changed) process.stderr.write(`proxy config updated: ${f.path}\n`);
  } catch (e) {
    warn(`proxy files not refreshed: ${(e as Error).message}`);
  }
}

export async function swarmPlan(args: ParsedArgs, loaded: LoadedProject, target: SwarmTarget): Promise<number> {
  refuseNodeTargets(args, "plan");
  const { planSwarm, swarmPlanExitCode } = await import("../swarm/index.js");
  const { formatSwarmPlan } = await import("../swarm/format.js");
  const plan = await planSwarm(loaded.project, {
    ...swarmTargetOptions(target),
    ...(await target.placement()),
    environment: loaded.environment,
    services: services(args),
    removeOrphans: Boolean(args.values["remove-orphans"]),
  });
  if (args.values.json) {
    const json = { project: plan.project, orchestrator: "swarm", operations: plan.operations, warnings: plan.warnings };
    process.stdout.write(JSON.stringify(json, null, 2) + "\n");
  } else process.stdout.write(formatSwarmPlan(plan, { color: useColor() }));
  return swarmPlanExitCode(plan);
}

export async function swarmDown(args: ParsedArgs, loaded: LoadedProject, target: SwarmTarget): Promise<number> {
  refuseNodeTargets(args, "down");
  const { downSwarm } = await import("../swarm/index.js");
  const renderer = await createProgress(Boolean(args.values.json));
  const interrupt = interruptSignal();
  try {
    const { result } = await downSwarm(loaded.project.name, {
      ...swarmTargetOptions(target, interrupt.signal),
      volumes: Boolean(args.values.volumes),
      nodeEngines: () => target.engines(),
      onEvent: (e) => renderer.onEvent(e),
    });
    renderer.finish(result);
    return exitCodeFor(result);
  } finally {
    interrupt.dispose();
  }
}

export async function swarmPs(args: ParsedArgs, loaded: LoadedProject, target: SwarmTarget): Promise<number> {
  const { psSwarm } = await import("../swarm/index.js");
  // --node NAME: the tasks Swarm placed on those nodes; --all-nodes: every task, as without it.
  const nodes = stringList(args.values.node);
  if (nodes.length > 0) {
    const { assertKnownNode } = await import("./targets.js");
    const cluster = await target.cluster();
    for (const n of nodes) assertKnownNode(cluster, n);
  }
  const rows = (await psSwarm(loaded.project.name, swarmTargetOptions(target))).filter(
    (r) => nodes.length === 0 || nodes.includes(r.node),
  );
  if (args.values.json) {
    process.stdout.write(JSON.stringify(rows, null, 2) + "\n");
    return 0;
  }
  const table = [["TASK", "SERVICE", "NODE", "DESIRED", "STATE", "ERROR"]];
  for (const r of rows) table.push([r.task, r.service, r.node, r.desiredState, r.state, r.error ?? ""]);
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  for (const [i, row] of table.entries()) {
    const line = row
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join("  ")
      .trimEnd();
    process.stdout.write((i === 0 ? paint("bold", line, useColor()) : line) + "\n");
  }
  return 0;
}

export async function swarmLogs(
  args: ParsedArgs,
  project: Project,
  target: SwarmTarget,
  o: { follow: boolean; tail?: number; timestamps: boolean },
): Promise<number> {
  const { logsSwarm } = await import("../swarm/index.js");
  const interrupt = interruptSignal();
  try {
    await logsSwarm(project.name, args.positionals, {
      ...swarmTargetOptions(target, interrupt.signal),
      ...o,
      onLine: (service, stream, line) =>
        (stream === "stderr" ? process.stderr : process.stdout).write(`${service}  | ${line}\n`),
    });
    return 0;
  } finally {
    interrupt.dispose();
  }
}
