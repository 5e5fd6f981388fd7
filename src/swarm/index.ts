/**
 * The Swarm executor's entry points: plan, deploy, down, ps and logs of a stack on a swarm. It is
 * fed by the same loaded model as the engine executor, converted to Engine API specs by
 * ./convert, and follows the same observe → plan (pure) → execute shape and event vocabulary.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { UserError } from "../compose/errors.js";
import type { Project } from "../compose/model.js";
import { isNotFound } from "../runtime/engine.js";
import type { DeployEvent, ExecuteResult } from "../runtime/events.js";
import { DEFAULT_WAIT_TIMEOUT_MS } from "../runtime/execute.js";
import { dependencyGraph, withDependencies } from "../runtime/graph.js";
import { inlineFileContent } from "../runtime/file-references.js";
import { connectSwarm, SwarmApi, type SwarmTask } from "./api.js";
import { STACK_LABEL } from "./convert/names.js";
import type { SwarmConvertInput, SwarmStackSpec } from "./convert/types.js";
import { swarmNodeName } from "./join.js";
import { executeSwarmPlan, removeListed, SwarmRun, type VolumeRemover } from "./execute.js";
import { observeSwarm } from "./observe.js";
import { planSwarmDeploy, planSwarmDown, type SwarmPlan } from "./plan.js";

export type { SwarmPlan, SwarmOperation } from "./plan.js";
export { swarmPlanExitCode } from "./plan.js";

export interface SwarmTargetOptions {
  /** Engine tried first (default DOCKER_HOST or the local socket). */
  host?: string;
  /** Further engines, most preferred first, tried when the first is no swarm manager. */
  managers?: () => Promise<string[]>;
  onEvent?: (e: DeployEvent) => void;
  signal?: AbortSignal;
}

export interface SwarmDeployOptions extends SwarmTargetOptions {
  services?: string[];
  removeOrphans?: boolean;
  force?: boolean;
  wait?: boolean;
  timeoutMs?: number;
  /** Variables secrets/configs declared with `environment:` read. */
  environment?: Record<string, string | undefined>;
  /** Cluster definition placement (service → node names) and every node name. */
  placement?: Record<string, string[]>;
  nodeNames?: string[];
  /** c2ts node name → engine address, for building on every node that can run a service. */
  engineAddresses?: () => Promise<Record<string, string>>;
}

type Manager = SwarmApi & { close(): void };

async function isManager(api: SwarmApi): Promise<boolean> {
  const info = await api.info();
  return info.Swarm.LocalNodeState === "active" && info.Swarm.ControlAvailable;
}

/** The local engine when it is a swarm manager, else the first reachable manager among `managers`. */
export async function connectManager(opts: SwarmTargetOptions): Promise<Manager> {
  const tried: string[] = [];
  const attempt = async (host: string | undefined): Promise<Manager | undefined> => {
    let api: Manager | undefined;
    try {
      api = await connectSwarm(host);
      if (await isManager(api)) return api;
      tried.push(`${host ?? "local engine"}: not a swarm manager`);
    } catch (e) {
      tried.push(`${host ?? "local engine"}: ${(e as Error).message}`);
    }
    api?.close();
    return undefined;
  };
  const local = await attempt(opts.host);
  if (local) return local;
  for (const host of (await opts.managers?.()) ?? []) {
    if (host === opts.host) continue;
    const m = await attempt(host);
    if (m) return m;
  }
  throw new UserError(`no reachable swarm manager (${tried.join("; ")}); form the swarm with \`c2ts nodes join\``);
}

async function withManager<T>(opts: SwarmTargetOptions, fn: (api: Manager) => Promise<T>): Promise<T> {
  const api = await connectManager(opts);
  try {
    return await fn(api);
  } finally {
    api.close();
  }
}

/** Contents of the stack's own secrets and configs (file, content or environment), keyed by Compose key. */
async function fileObjectData(
  project: Project,
  kind: "secret" | "config",
  environment: Record<string, string | undefined>,
): Promise<Record<string, Uint8Array | string>> {
  const defs = (kind === "secret" ? project.secrets : project.configs) ?? {};
  const out: Record<string, Uint8Array | string> = {};
  for (const [key, def] of Object.entries(defs)) {
    if (def.external) continue;
    const inline = inlineFileContent(project, kind, key, environment);
    if (inline !== undefined) out[key] = inline;
    else if (def.file) {
      try {
        out[key] = await readFile(resolve(def.file));
      } catch (e) {
        throw new UserError(`${kind} "${key}": cannot read ${def.file}: ${(e as Error).message}`, {
          path: `${kind}s.${key}.file`,
        });
      }
    }
  }
  return out;
}

async function convert(
  project: Project,
  opts: SwarmDeployOptions,
  images?: Record<string, string>,
): Promise<SwarmStackSpec> {
  const env = opts.environment ?? process.env;
  const { convertStack } = await import("./convert/index.js");
  const input: SwarmConvertInput = {
    projectName: project.name,
    project,
    secretData: await fileObjectData(project, "secret", env),
    configData: await fileObjectData(project, "config", env),
    placement: opts.placement,
    nodeNames: opts.nodeNames,
    ...(images && Object.keys(images).length ? { images } : {}),
  };
  return convertStack(input);
}

async function nodeNames(api: SwarmApi): Promise<Record<string, string>> {
  const nodes = await api.listNodes().catch(() => []);
  return Object.fromEntries(nodes.map((n) => [n.ID, swarmNodeName(n)]));
}

/** What deploy would do, read-only. */
export async function planSwarm(project: Project, opts: SwarmDeployOptions = {}): Promise<SwarmPlan> {
  return withManager(opts, async (api) => {
    const { contentTags } = await import("./build.js");
    const tags = await contentTags(project, selectedServices(project, opts.services), opts.environment ?? process.env);
    const stack = await convert(project, opts, tags);
    const plan = planSwarmDeploy(project, stack, await observeSwarm(api, project.name), {
      services: opts.services,
      removeOrphans: opts.removeOrphans,
      force: opts.force,
    });
    for (const [s, tag] of Object.entries(tags))
      if (!(await api.engine.inspectImage(tag)))
        plan.warnings.push(`service "${s}": build: ${tag} is built at deploy, on every node that can run it`);
    return plan;
  });
}

function selectedServices(project: Project, services?: string[]): string[] {
  if (!services?.length) return Object.keys(project.services);
  return [...withDependencies(dependencyGraph(project), services)];
}

export async function deploySwarm(
  project: Project,
  opts: SwarmDeployOptions = {},
): Promise<{ plan: SwarmPlan; result: ExecuteResult }> {
  return withManager(opts, async (api) => {
    const emit = opts.onEvent ?? (() => {});
    const buildWarnings: string[] = [];
    const environment = opts.environment ?? process.env;
    const { contentTags } = await import("./build.js");
    const tags = await contentTags(project, selectedServices(project, opts.services), environment);
    const stack = await convert(project, opts, tags);
    let builds = 0;
    if (Object.keys(tags).length) {
      const { buildOnNodes } = await import("./build.js");
      const { connectEngine } = await import("../runtime/engine.js");
      try {
        builds = await buildOnNodes({
          project,
          tags,
          stack,
          nodes: await api.listNodes(),
          manager: { nodeId: (await api.info()).Swarm.NodeID, engine: api.engine },
          engineAddresses: (await opts.engineAddresses?.()) ?? {},
          connect: connectEngine,
          force: opts.force,
          environment,
          emit,
          warn: (w) => buildWarnings.push(w),
        });
      } catch (e) {
        const message = (e as Error).message;
        emit({ time: Date.now(), resource: "image", name: project.name, status: "Error", message });
        const result: ExecuteResult = {
          ok: false,
          interrupted: false,
          errors: [{ resource: "image", name: project.name, message }],
          skipped: [],
          warnings: buildWarnings,
          done: {},
          durationMs: 0,
        };
        return { plan: { project: project.name, operations: [], warnings: [], order: [] }, result };
      }
    }
    const observed = await observeSwarm(api, project.name);
    const plan = planSwarmDeploy(project, stack, observed, {
      services: opts.services,
      removeOrphans: opts.removeOrphans,
      force: opts.force,
    });
    const result = await executeSwarmPlan(
      api,
      project,
      stack,
      plan,
      observed,
      {
        wait: opts.wait,
        timeoutMs: opts.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS,
        signal: opts.signal,
        nodeNames: await nodeNames(api),
      },
      emit,
    );
    result.warnings.unshift(...plan.warnings, ...buildWarnings);
    if (builds) result.done["build-image"] = builds;
    return { plan, result };
  });
}

export interface SwarmDownOptions extends SwarmTargetOptions {
  volumes?: boolean;
  /** Every node's engine, where the stack's volumes live (default: the manager's only). */
  nodeEngines?: () => Promise<string[]>;
}

/** Remove the stack's services, networks and secret/config versions; its volumes on every node only with `volumes`. */
export async function downSwarm(
  namespace: string,
  opts: SwarmDownOptions = {},
): Promise<{ plan: SwarmPlan; result: ExecuteResult }> {
  return withManager(opts, async (api) => {
    const started = Date.now();
    const observed = await observeSwarm(api, namespace);
    const engines: Array<VolumeRemover & { list(): Promise<string[]>; close(): void }> = [];
    if (opts.volumes) {
      const { connectEngine } = await import("../runtime/engine.js");
      const hosts = (await opts.nodeEngines?.()) ?? [];
      engines.push(volumeEngine(api.engine, () => {}));
      for (const h of hosts) {
        try {
          const e = await connectEngine(h);
          engines.push(volumeEngine(e, () => e.close()));
        } catch {
          // An unreachable node keeps its volumes; down is reported done for the others.
        }
      }
    }
    try {
      const names = new Set<string>();
      for (const e of engines) for (const n of await e.list()) names.add(n);
      const plan = planSwarmDown(
        namespace,
        observed,
        [...names].sort().map((name) => ({ name })),
      );
      const run = new SwarmRun(opts.onEvent ?? (() => {}));
      await removeListed(api, run, plan.operations, true, engines);
      run.result.durationMs = Date.now() - started;
      return { plan, result: run.result };
    } finally {
      for (const e of engines) e.close();
    }
  });

  function volumeEngine(
    engine: import("../runtime/engine.js").Engine,
    close: () => void,
  ): VolumeRemover & { list(): Promise<string[]>; close(): void } {
    return {
      async list() {
        const vols = await engine.listVolumes({ label: [`${STACK_LABEL.namespace}=${namespace}`] });
        return vols.map((v) => v.Name);
      },
      async removeVolume(name: string) {
        try {
          await engine.removeVolume(name);
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
      },
      close,
    };
  }
}

export interface SwarmPsEntry {
  service: string;
  task: string;
  node: string;
  desiredState: string;
  state: string;
  error?: string;
  image: string;
  id: string;
}

/** The stack's tasks, as `docker stack ps` lists them. */
export async function psSwarm(namespace: string, opts: SwarmTargetOptions = {}): Promise<SwarmPsEntry[]> {
  return withManager(opts, async (api) => {
    const [services, tasks, names] = await Promise.all([
      api.listServices({ label: [`${STACK_LABEL.namespace}=${namespace}`] }),
      api.listTasks({ label: [`${STACK_LABEL.namespace}=${namespace}`] }),
      nodeNames(api),
    ]);
    const byId = new Map(services.map((s) => [s.ID, s.Spec.Name]));
    return tasks
      .filter((t: SwarmTask) => byId.has(t.ServiceID))
      .map((t) => ({
        service: byId.get(t.ServiceID)!,
        task: t.Slot ? `${byId.get(t.ServiceID)}.${t.Slot}` : `${byId.get(t.ServiceID)}.${t.NodeID ?? ""}`,
        node: names[t.NodeID ?? ""] ?? t.NodeID ?? "",
        desiredState: t.DesiredState,
        state: t.Status.State,
        ...(t.Status.Err ? { error: t.Status.Err } : {}),
        image: t.Spec?.ContainerSpec?.Image ?? "",
        id: t.ID,
      }))
      .sort((a, b) => (a.task < b.task ? -1 : a.task > b.task ? 1 : a.desiredState === "running" ? -1 : 1));
  });
}

/** For the proxy files: service → the nodes that can answer for it now (see proxy-placement.ts). */
export async function servingNodesSwarm(
  namespace: string,
  opts: SwarmTargetOptions = {},
): Promise<Record<string, string[]>> {
  return withManager(opts, (api) => readServingPlacement(api, namespace));
}

/**
 * The same, from the manager at `host` only, every request bounded by `timeoutMs`: a manager cut
 * off from its peers may hang or answer "no leader", and `c2ts proxy --watch` then asks the next.
 */
export async function servingNodesAt(
  host: string,
  namespace: string,
  timeoutMs: number,
): Promise<Record<string, string[]>> {
  const pending = connectSwarm(host);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  let api: Manager;
  try {
    api = await Promise.race([pending, timedOut]);
  } catch (e) {
    // A connection that succeeds after we gave up is closed at once.
    pending.then(
      (late) => late.close(),
      () => {},
    );
    throw e;
  } finally {
    clearTimeout(timer);
  }
  try {
    const bounded = new SwarmApi(api.engine.bounded(AbortSignal.timeout(timeoutMs)));
    if (!(await isManager(bounded))) throw new Error("not a swarm manager");
    return await readServingPlacement(bounded, namespace, { requireQuorum: true });
  } finally {
    api.close();
  }
}

async function readServingPlacement(
  api: SwarmApi,
  namespace: string,
  o: { requireQuorum?: boolean } = {},
): Promise<Record<string, string[]>> {
  const { servingPlacement } = await import("./proxy-placement.js");
  const label = { label: [`${STACK_LABEL.namespace}=${namespace}`] };
  const [services, tasks, nodes] = await Promise.all([api.listServices(label), api.listTasks(label), api.listNodes()]);
  if (o.requireQuorum) {
    // A manager cut off from the others may still answer from its own, stale copy of the state.
    const managers = nodes.filter((n) => n.ManagerStatus);
    const reachable = managers.filter((n) => n.ManagerStatus?.Reachability === "reachable").length;
    if (reachable <= managers.length / 2)
      throw new Error(`sees only ${reachable} of ${managers.length} managers reachable (no quorum)`);
  }
  return servingPlacement(namespace, services, tasks, nodes);
}

/** Log lines of the stack's services (all when `services` is empty), through the manager. */
export async function logsSwarm(
  namespace: string,
  services: string[],
  opts: SwarmTargetOptions & {
    follow?: boolean;
    tail?: number;
    timestamps?: boolean;
    onLine: (service: string, stream: "stdout" | "stderr", line: string) => void;
  },
): Promise<void> {
  return withManager(opts, async (api) => {
    const all = await api.listServices({ label: [`${STACK_LABEL.namespace}=${namespace}`] });
    const wanted = new Set(services.map((s) => `${namespace}_${s}`));
    const chosen = all.filter((s) => wanted.size === 0 || wanted.has(s.Spec.Name));
    await Promise.all(
      chosen.map((s) =>
        api.serviceLogs(
          s.ID,
          { follow: Boolean(opts.follow), tail: opts.tail, timestamps: opts.timestamps },
          (stream, line) => opts.onLine(s.Spec.Name, stream, line),
          opts.signal,
        ),
      ),
    );
  });
}
