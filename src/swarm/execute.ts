/**
 * Executing a Swarm plan: networks and new secret/config versions first, then the services over
 * the runtime's dependency walker — a service is created or updated only once the services it
 * depends on meet their condition (service_healthy: every task running, which Swarm only reports
 * for healthy tasks) — each followed until it converged. Secret and config versions nothing uses
 * any more go last.
 */
import type { Project } from "../compose/model.js";
import { isNotFound } from "../runtime/engine.js";
import type { DeployEvent, EventStatus, ExecuteResult, ResourceKind } from "../runtime/events.js";
import { dependencyGraph, subgraph, walkGraph, SkipNode, type DependencyGraph } from "../runtime/graph.js";
import type { SwarmApi } from "./api.js";
import { ConvergeError, waitConverged } from "./converge.js";
import type { ServiceSpec, SwarmStackSpec } from "./convert/types.js";
import type { SwarmObserved } from "./observe.js";
import type { SwarmOperation, SwarmPlan } from "./plan.js";

export interface SwarmExecuteOptions {
  /** Follow each created/updated service until it converged (default true). */
  wait?: boolean;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Swarm node ID → name, for task progress. */
  nodeNames: Record<string, string>;
}

export class SwarmRun {
  readonly result: ExecuteResult = {
    ok: true,
    interrupted: false,
    errors: [],
    skipped: [],
    warnings: [],
    done: {},
    durationMs: 0,
  };
  constructor(private readonly emitEvent: (e: DeployEvent) => void) {}
  emit(resource: ResourceKind, name: string, status: EventStatus, extra: Partial<DeployEvent> = {}): void {
    this.emitEvent({ time: Date.now(), resource, name, status, ...extra });
  }
  count(kind: string): void {
    this.result.done[kind] = (this.result.done[kind] ?? 0) + 1;
  }
  fail(resource: ResourceKind, name: string, err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    this.result.ok = false;
    this.result.errors.push({ resource, name, message });
    this.emit(resource, name, "Error", { message });
  }
  warn(message: string): void {
    this.result.warnings.push(message);
    this.emit("service", "", "Warning", { message });
  }
}

/** Spec updates that make the manager replace tasks (and so report an update status). */
function rollsOut(op: Extract<SwarmOperation, { kind: "update-service" }>): boolean {
  return op.changes.length === 0 || op.changes.some((c) => /^(TaskTemplate|EndpointSpec)/.test(c.path));
}

export async function executeSwarmPlan(
  api: SwarmApi,
  project: Project,
  stack: SwarmStackSpec,
  plan: SwarmPlan,
  observed: SwarmObserved,
  options: SwarmExecuteOptions,
  emit: (e: DeployEvent) => void,
): Promise<ExecuteResult> {
  const started = Date.now();
  const run = new SwarmRun(emit);
  const ops = plan.operations;
  const of = <K extends SwarmOperation["kind"]>(kind: K) =>
    ops.filter((o): o is Extract<SwarmOperation, { kind: K }> => o.kind === kind);

  // Networks, then secret and config versions: everything a service spec refers to.
  const prepared = await Promise.all(
    [
      ...of("create-network").map(async (op) => {
        run.emit("network", op.name, "Creating");
        await api.createNetwork(stack.networks[op.key]);
        run.count(op.kind);
        run.emit("network", op.name, "Created");
      }),
      ...of("create-secret").map(async (op) => {
        run.emit("secret", op.name, "Creating");
        await api.createSecret(stack.secrets[op.key]);
        run.count(op.kind);
        run.emit("secret", op.name, "Created");
      }),
      ...of("create-config").map(async (op) => {
        run.emit("config", op.name, "Creating");
        await api.createConfig(stack.configs[op.key]);
        run.count(op.kind);
        run.emit("config", op.name, "Created");
      }),
    ].map((p) =>
      p.then(
        () => undefined,
        (e: unknown) => e,
      ),
    ),
  );
  const prepError = prepared.find((e) => e !== undefined);
  if (prepError) {
    run.fail("service", plan.project, prepError);
    run.result.durationMs = Date.now() - started;
    return run.result;
  }
  const [secrets, configs] = await Promise.all([api.listSecrets({}), api.listConfigs({})]);
  const secretIds = new Map(secrets.map((s) => [s.Spec.Name, s.ID]));
  const configIds = new Map(configs.map((s) => [s.Spec.Name, s.ID]));

  const byService = new Map<string, SwarmOperation>();
  for (const op of ops) if (op.kind === "create-service" || op.kind === "update-service") byService.set(op.service, op);
  const wait = options.wait !== false;

  const graph = subgraph(dependencyGraph(project), plan.order);
  const gating = gatingServices(graph, byService);
  // Unchanged services that gate nothing this deploy starts are verified beside the walk, so that
  // one of them being slow (a task restarting) holds up only itself, not every service after it.
  const besideWalk: Array<Promise<void>> = [];
  const outcomes = await walkGraph(
    graph,
    async (service, ctx) => {
      const edges = graph.get(service) ?? [];
      const blocking = ctx.failed.filter((d) => edges.find((e) => e.target === d)?.required !== false);
      if (blocking.length) throw new SkipNode(`dependency ${blocking.join(", ")} failed`);
      const desired = withIds(stack.services[service], secretIds, configIds);
      const op = byService.get(service);
      const name = desired.Name;
      const since = Date.now() - 1000;
      let serviceId = observed.services[name]?.ID;
      let updatedAtVersion: number | undefined;
      if (!op && !gating.has(service)) {
        if (wait && serviceId)
          besideWalk.push(checkUnchanged(api, run, service, name, serviceId, since, options, emit));
        return;
      }
      try {
        if (op?.kind === "create-service") {
          run.emit("service", name, "Creating", { service });
          serviceId = await api.createService(desired);
          run.count(op.kind);
        } else if (op?.kind === "update-service") {
          run.emit("service", name, "Updating", { service, message: op.reason });
          const current = await api.inspectService(op.serviceId);
          const spec = structuredClone(desired);
          const force = current.Spec.TaskTemplate.ForceUpdate ?? 0;
          spec.TaskTemplate.ForceUpdate = op.changes.length === 0 ? force + 1 : force;
          for (const w of await api.updateService(current, spec)) run.warn(`service ${name}: ${w}`);
          if (rollsOut(op)) updatedAtVersion = (await api.inspectService(op.serviceId)).Version.Index;
          run.count(op.kind);
        }
        // An unchanged service reaching here gates a dependent this deploy creates or updates.
        if (wait || !op || graphHasDependents(graph, service)) {
          await waitConverged(api, serviceId!, {
            timeoutMs: options.timeoutMs,
            signal: options.signal,
            updatedAtVersion,
            nodeNames: options.nodeNames,
            since,
            emit,
          });
        }
        if (op) run.emit("service", name, op.kind === "create-service" ? "Created" : "Updated", { service });
        else run.emit("service", name, "Running", { service, message: "unchanged" });
      } catch (e) {
        if (e instanceof ConvergeError && e.message === "interrupted") {
          run.result.interrupted = true;
          throw new SkipNode("interrupted");
        }
        run.fail("service", name, e);
        throw e;
      }
    },
    { signal: options.signal },
  );
  await Promise.all(besideWalk);
  for (const [service, outcome] of outcomes) {
    if (outcome.status === "skipped") {
      if (outcome.reason === "interrupted") run.result.interrupted = true;
      run.result.skipped.push({ resource: "service", name: stack.services[service].Name, message: outcome.reason });
      run.emit("service", stack.services[service].Name, "Skipped", { message: outcome.reason });
    }
  }

  await removeListed(api, run, ops, Boolean(run.result.ok));
  run.result.durationMs = Date.now() - started;
  return run.result;
}

/**
 * The unchanged services whose health this deploy waits for before going on: the direct
 * dependencies of the services it creates or updates. depends_on orders the start of a service;
 * a service the deploy leaves alone starts nothing, so its own dependencies gate nothing.
 */
export function gatingServices(graph: DependencyGraph, changing: Map<string, SwarmOperation>): Set<string> {
  const out = new Set<string>();
  for (const service of changing.keys())
    for (const e of graph.get(service) ?? []) if (!changing.has(e.target)) out.add(e.target);
  return out;
}

/** An unchanged service checked beside the walk: still running as it should, or a failure of the deploy. */
async function checkUnchanged(
  api: SwarmApi,
  run: SwarmRun,
  service: string,
  name: string,
  serviceId: string,
  since: number,
  options: SwarmExecuteOptions,
  emit: (e: DeployEvent) => void,
): Promise<void> {
  try {
    await waitConverged(api, serviceId, {
      timeoutMs: options.timeoutMs,
      signal: options.signal,
      nodeNames: options.nodeNames,
      since,
      emit,
    });
    run.emit("service", name, "Running", { service, message: "unchanged" });
  } catch (e) {
    if (e instanceof ConvergeError && e.message === "interrupted") {
      run.result.interrupted = true;
      run.result.skipped.push({ resource: "service", name, message: "interrupted" });
      run.emit("service", name, "Skipped", { message: "interrupted" });
    } else run.fail("service", name, e);
  }
}

function graphHasDependents(graph: DependencyGraph, service: string): boolean {
  for (const edges of graph.values()) if (edges.some((e) => e.target === service)) return true;
  return false;
}

/** Secret and config references carry the IDs of the versions they name (the manager requires them). */
function withIds(spec: ServiceSpec, secrets: Map<string, string>, configs: Map<string, string>): ServiceSpec {
  const out = structuredClone(spec);
  const c = out.TaskTemplate.ContainerSpec;
  for (const r of c.Secrets ?? []) r.SecretID = secrets.get(r.SecretName) ?? r.SecretID;
  for (const r of c.Configs ?? []) r.ConfigID = configs.get(r.ConfigName) ?? r.ConfigID;
  return out;
}

/**
 * Removals: orphan services (and, for down, every service) first; their tasks must be gone before
 * networks, versions and volumes they used can go. Versions still in use after a failed update
 * (the rollback went back to them) are left, as the next deploy will find them unused.
 */
export async function removeListed(
  api: SwarmApi,
  r: SwarmRun,
  ops: SwarmOperation[],
  removeVersions: boolean,
  volumeEngines: VolumeRemover[] = [],
): Promise<void> {
  const services = ops.filter(
    (o): o is Extract<SwarmOperation, { kind: "remove-service" }> => o.kind === "remove-service",
  );
  await Promise.all(
    services.map(async (op) => {
      r.emit("service", op.name, "Removing");
      try {
        await api.removeService(op.serviceId);
      } catch (e) {
        if (!isNotFound(e)) return r.fail("service", op.name, e);
      }
      r.count(op.kind);
      r.emit("service", op.name, "Removed");
    }),
  );
  if (services.length)
    await waitTasksGone(
      api,
      services.map((s) => s.name),
    );
  const rest = ops.filter(
    (o) =>
      o.kind === "remove-network" ||
      o.kind === "remove-secret" ||
      o.kind === "remove-config" ||
      o.kind === "remove-volume",
  );
  await Promise.all(
    rest.map(async (op) => {
      if ((op.kind === "remove-secret" || op.kind === "remove-config") && !removeVersions) return;
      const resource: ResourceKind =
        op.kind === "remove-network"
          ? "network"
          : op.kind === "remove-secret"
            ? "secret"
            : op.kind === "remove-config"
              ? "config"
              : "volume";
      r.emit(resource, op.name, "Removing");
      try {
        await retryWhileInUse(async () => {
          if (op.kind === "remove-network") {
            await api.removeNetwork(op.name);
            await waitNetworkGone(api, op.name);
          } else if (op.kind === "remove-secret") await api.removeSecret(op.id);
          else if (op.kind === "remove-config") await api.removeConfig(op.id);
          else if (op.kind === "remove-volume") {
            await Promise.all(volumeEngines.map((v) => v.removeVolume(op.name)));
          }
        });
        r.count(op.kind);
        r.emit(resource, op.name, "Removed");
      } catch (e) {
        if (isNotFound(e)) {
          r.emit(resource, op.name, "Removed", { message: "already gone" });
          return;
        }
        r.warn(`${resource} ${op.name} not removed: ${(e as Error).message}`);
      }
    }),
  );
}

export interface VolumeRemover {
  /** Removes the volume on one node's engine; absent there is fine. */
  removeVolume(name: string): Promise<void>;
}

/** Containers of removed services linger until their tasks are shut down; networks and volumes wait for that. */
async function waitTasksGone(api: SwarmApi, services: string[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const tasks = await api.listTasks({ service: services }).catch(() => []);
    if (tasks.length === 0) return;
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** A swarm network goes once the manager has detached its last task: down is done when it is gone. */
async function waitNetworkGone(api: SwarmApi, name: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const left = await api.listNetworks({ name: [name] });
    if (!left.some((n) => n.Name === name)) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`network ${name} still present ${timeoutMs / 1000}s after its removal`);
}

/** "in use" conflicts clear once the last task's container is gone. */
async function retryWhileInUse(fn: () => Promise<void>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      const msg = (e as Error).message;
      if (Date.now() > deadline || !/in use|active endpoints|has active|is being used/i.test(msg)) throw e;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
