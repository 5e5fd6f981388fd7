/**
 * Carrying out a plan against the engine, emitting typed events as it goes.
 *
 * Networks, volumes and images first (in parallel), then containers service by service over the
 * dependency graph: create/recreate, wait for the dependencies' conditions (engine events, not
 * polling), start. A failing service fails or skips only what depends on it; other branches
 * finish. Every operation is atomic on the engine side, so an interrupted run leaves a state the
 * next plan recognises and converges (see the duplicate/rename handling in plan.ts).
 */
import { randomBytes } from "node:crypto";
import type { Project } from "../compose/model.js";
import { containerName, linkedServices, referencedServices, type ContainerSpec } from "./container-spec.js";
import { isConflict, isNotFound, type Engine } from "./engine.js";
import type { DeployEvent, EventStatus, ExecuteResult, ResourceKind } from "./events.js";
import { createLimiter, dependencyGraph, SkipNode, subgraph, walkGraph, type Edge, type Limiter } from "./graph.js";
import { runHooks } from "./hooks.js";
import { executeImageOperation } from "./images.js";
import type { Observed, ObservedContainer } from "./observe.js";
import { temporaryName, type DownPlan, type Operation, type Plan } from "./plan.js";
import { networkCreateSpec, networkWarnings, volumeCreateSpec } from "./resource-spec.js";
import { shortId } from "./short-id.js";
import { tarBuffer } from "./tar.js";
import { waitBudget, type Deadline } from "./deadline.js";
import { withImageLabel, withName } from "./spec-at-execution.js";
import { ContainerWatcher, DependencyFailed, type ExpectedExit, type WaitCondition } from "./wait.js";
import { probeEnabled, ReadinessProbes, waitOrProbe } from "./readiness-probe.js";
import { runStartFirst, type StartFirstContext } from "./start-first.js";
import { updateConfig } from "./update-order.js";

export interface ExecuteOptions {
  environment: Record<string, string | undefined>;
  composeVersion: string;
  /** Engine calls in flight at once. */
  concurrency?: number;
  /** Longest wait for a dependency's condition (ms). */
  waitTimeoutMs?: number;
  /** The deploy's deadline: a wait gets what is left of it (and at most waitTimeoutMs). */
  deadline?: Deadline;
  /** Seconds to let containers stop before they are killed; default: each container's stop_grace_period. */
  stopTimeout?: number;
  signal?: AbortSignal;
  /** After starting, wait until every container is running (healthy when it has a healthcheck). */
  wait?: boolean;
  /** Create but do not start containers. */
  noStart?: boolean;
  /** Remove containers' anonymous volumes along with them (down --volumes). */
  removeVolumes?: boolean;
  /** false (`--no-probe`): dependents wait for the engine's own health status (readiness-probe.ts). */
  probe?: boolean;
}

export const DEFAULT_CONCURRENCY = 16;
export const DEFAULT_WAIT_TIMEOUT_MS = 300_000;

interface Current {
  id: string;
  name: string;
  number: number;
}

type ContainerOp = Extract<Operation, { service: string }>;

/** One run of a plan; `P` is a deploy plan unless said otherwise (down has no desired services). */
class Execution<P extends DownPlan = Plan> {
  readonly limiter: Limiter;
  readonly result: ExecuteResult;
  readonly started = Date.now();
  /** Containers of each service as they are now, lowest number first. */
  readonly current = new Map<string, Current[]>();
  private watcherStarted: Promise<ContainerWatcher> | undefined;
  /** Containers created, started or restarted by this run. */
  readonly touched = new Set<string>();
  /** Errors already reported through fail(), so a rethrow is not reported twice. */
  readonly reported = new WeakSet<Error>();
  readonly probes: ReadinessProbes;

  constructor(
    readonly engine: Engine,
    readonly project: Project,
    readonly plan: P,
    readonly observed: Observed,
    readonly options: ExecuteOptions,
    readonly emitEvent: (e: DeployEvent) => void,
  ) {
    this.limiter = createLimiter(options.concurrency ?? DEFAULT_CONCURRENCY);
    this.probes = new ReadinessProbes(engine);
    this.result = { ok: true, interrupted: false, errors: [], skipped: [], warnings: [], done: {}, durationMs: 0 };
    for (const c of observed.containers) {
      if (c.oneoff || c.number <= 0) continue;
      const list = this.current.get(c.service) ?? [];
      list.push({ id: c.id, name: c.name, number: c.number });
      this.current.set(c.service, list);
    }
    for (const list of this.current.values()) list.sort((a, b) => a.number - b.number);
  }

  emit(resource: ResourceKind, name: string, status: EventStatus, extra: Partial<DeployEvent> = {}): void {
    this.emitEvent({ time: Date.now(), resource, name, status, ...extra });
  }

  warn(message: string, resource: ResourceKind = "service", name = "", service?: string): void {
    this.result.warnings.push(message);
    this.emit(resource, name, "Warning", { message, ...(service ? { service } : {}) });
  }

  fail(resource: ResourceKind, name: string, err: unknown, service?: string): Error {
    const message = err instanceof Error ? err.message : String(err);
    this.result.ok = false;
    this.result.errors.push({ resource, name, message, ...(service ? { service } : {}) });
    this.emit(resource, name, "Error", { message, ...(service ? { service } : {}) });
    const error = err instanceof Error ? err : new Error(message);
    this.reported.add(error);
    return error;
  }

  /**
   * The event watcher, subscribed on first use. Subscribing late is safe: every wait inspects the
   * container after registering for its events, so no state change falls between the two.
   */
  watcher(): Promise<ContainerWatcher> {
    this.watcherStarted ??= (async () => {
      const w = new ContainerWatcher(this.engine, this.project.name);
      await w.start();
      return w;
    })();
    return this.watcherStarted;
  }

  async closeWatcher(): Promise<void> {
    this.probes.close();
    if (this.watcherStarted) (await this.watcherStarted.catch(() => undefined))?.close();
  }

  count(kind: string): void {
    this.result.done[kind] = (this.result.done[kind] ?? 0) + 1;
  }

  run<T>(fn: () => Promise<T>, priority: "normal" | "low" = "normal"): Promise<T> {
    return this.limiter.run(fn, priority);
  }

  setContainer(service: string, entry: Current): void {
    const list = (this.current.get(service) ?? []).filter((c) => c.number !== entry.number);
    list.push(entry);
    list.sort((a, b) => a.number - b.number);
    this.current.set(service, list);
  }

  dropContainer(service: string, id: string): void {
    const list = this.current.get(service);
    if (list)
      this.current.set(
        service,
        list.filter((c) => c.id !== id),
      );
  }
}

/** Execute `plan`: the operations it lists, nothing else. */
export async function executePlan(
  engine: Engine,
  project: Project,
  plan: Plan,
  observed: Observed,
  options: ExecuteOptions,
  emit: (e: DeployEvent) => void,
): Promise<ExecuteResult> {
  const x = new Execution(engine, project, plan, observed, options, emit);
  for (const w of plan.warnings) x.warn(w);
  try {
    await Promise.all([runInfrastructure(x), runImages(x)]);
    const serviceOps = new Map<string, ContainerOp[]>();
    const orphanOps: ContainerOp[] = [];
    for (const op of plan.operations) {
      if (!("service" in op) || op.kind === "build-image") continue;
      if (plan.order.includes(op.service)) serviceOps.set(op.service, [...(serviceOps.get(op.service) ?? []), op]);
      else orphanOps.push(op);
    }
    await Promise.all(
      orphanOps.map((op) => removeContainer(x, op as Extract<Operation, { kind: "remove-container" }>)),
    );
    if (serviceOps.size > 0 || options.wait) await runContainers(x, serviceOps);
  } finally {
    await x.closeWatcher();
  }
  x.result.interrupted = Boolean(options.signal?.aborted);
  if (x.result.interrupted) x.result.ok = false;
  x.result.durationMs = Date.now() - x.started;
  return x.result;
}

async function runInfrastructure(x: Execution): Promise<void> {
  const apiVersion = x.observed.apiVersion;
  await Promise.all(
    x.plan.operations.map(async (op) => {
      if (op.kind === "create-network" || op.kind === "recreate-network") {
        for (const w of networkWarnings(x.project, op.key, apiVersion)) x.warn(w, "network", op.name);
        if (op.kind === "recreate-network") await detachAndRemoveNetwork(x, op.name);
        x.emit("network", op.name, "Creating");
        try {
          await x.run(() =>
            x.engine.createNetwork(networkCreateSpec(x.project, op.key, x.options.composeVersion, apiVersion)),
          );
        } catch (e) {
          // Another deploy of the same project may have created it meanwhile.
          if (!(isConflict(e) && (await x.engine.inspectNetwork(op.name)))) throw x.fail("network", op.name, e);
        }
        x.count(op.kind);
        x.emit("network", op.name, op.kind === "recreate-network" ? "Recreated" : "Created");
      } else if (op.kind === "create-volume") {
        x.emit("volume", op.name, "Creating");
        try {
          await x.run(() => x.engine.createVolume(volumeCreateSpec(x.project, op.key, x.options.composeVersion)));
        } catch (e) {
          throw x.fail("volume", op.name, e);
        }
        x.count(op.kind);
        x.emit("volume", op.name, "Created");
      }
    }),
  ).catch(() => {
    // Failures are recorded; services needing the resource fail when they are created.
  });
}

/**
 * First half of a network recreate: the project's containers on it are stopped (pre_stop hooks
 * first) and disconnected, then it is removed. Those containers are recreated by the container
 * walk, attached to the new network. A container of another project on it stops everything: it
 * is not ours to stop.
 */
async function detachAndRemoveNetwork(x: Execution, name: string): Promise<void> {
  x.emit("network", name, "Recreating", { message: "configuration changed" });
  const info = await x.engine.inspectNetwork(name);
  if (!info) return;
  const ours = new Map(x.observed.containers.map((c) => [c.id, c]));
  const attached = Object.keys(info.Containers ?? {});
  const foreign = attached.filter((id) => !ours.has(id));
  if (foreign.length > 0) {
    throw x.fail(
      "network",
      name,
      new Error(
        `network ${name} changed but cannot be recreated: ${foreign.length} container(s) of other projects use it (${foreign.map(shortId).join(", ")})`,
      ),
    );
  }
  try {
    await Promise.all(
      attached.map(async (id) => {
        const c = ours.get(id)!;
        x.emit("container", c.name, "Stopping", { service: c.service, message: `network ${name} is recreated` });
        await stopContainer(x, c.service, c.id, c.name);
        await x.run(() => x.engine.disconnectNetwork(name, c.id));
        x.emit("container", c.name, "Stopped", { service: c.service });
      }),
    );
    x.emit("network", name, "Removing");
    await x.run(() => x.engine.removeNetwork(name));
  } catch (e) {
    throw x.fail("network", name, e);
  }
}

async function runImages(x: Execution): Promise<void> {
  const ops = x.plan.operations.filter((o) => o.kind === "pull-image" || o.kind === "build-image");
  await Promise.all(
    ops.map(async (op) => {
      try {
        await executeImageOperation(
          x.engine,
          x.project,
          op as Extract<Operation, { kind: "pull-image" | "build-image" }>,
          {
            emit: (e) => x.emitEvent(e),
            warn: (m) => x.warn(m, "image", (op as { image: string }).image),
            run: (fn) => x.run(fn),
            environment: x.options.environment,
          },
        );
        x.count(op.kind);
      } catch (e) {
        x.fail("image", (op as { image: string }).image, e);
      }
    }),
  );
}

/**
 * Fresh containers are created before the walk, at low priority, so that only their start waits
 * for dependencies: on a deep graph every level's create, network connects, file copies and rename
 * leave the critical path. Services whose containers name another service's container
 * (network_mode/ipc/pid `service:x`, volumes_from, links) are created in the walk, once that one exists.
 * A service later skipped for a failed dependency keeps its created container, as with Docker
 * Compose v2 (whose `up` creates every container before it starts any); the next deploy starts it.
 */
function createAhead(x: Execution, serviceOps: Map<string, ContainerOp[]>): Map<ContainerOp, Promise<string>> {
  const ahead = new Map<ContainerOp, Promise<string>>();
  if (x.options.noStart) return ahead;
  for (const service of x.plan.order) {
    const config = x.project.services[service];
    if (!config || referencedServices(config).length > 0 || linkedServices(config).length > 0) continue;
    for (const op of serviceOps.get(service) ?? []) {
      if (op.kind !== "create-container") continue;
      const created = createContainer(x, service, op.number, undefined, "low");
      created.catch(() => {}); // awaited (and reported) by the service's visit
      ahead.set(op, created);
    }
  }
  return ahead;
}

async function runContainers(x: Execution, serviceOps: Map<string, ContainerOp[]>): Promise<void> {
  const graph = subgraph(dependencyGraph(x.project), x.plan.order);
  const ahead = createAhead(x, serviceOps);
  const outcomes = await walkGraph(
    graph,
    async (service, ctx) => {
      const ops = serviceOps.get(service) ?? [];
      const edges = graph.get(service) ?? [];
      const blocking = ctx.failed.filter((f) => edges.find((e) => e.target === f)?.required);
      for (const f of ctx.failed.filter((f) => !blocking.includes(f))) {
        x.warn(`optional dependency ${f} of service ${service} failed`, "service", service, service);
      }
      if (blocking.length && ops.length) {
        const reason = `dependency ${blocking.join(", ")} failed`;
        x.result.skipped.push({ resource: "service", name: service, service, message: reason });
        x.emit("service", service, "Skipped", { service, message: reason });
        throw new SkipNode(reason);
      }
      await convergeService(x, service, ops, edges, ahead);
    },
    { signal: x.options.signal },
  );
  await Promise.allSettled(ahead.values());
  for (const [service, outcome] of outcomes) {
    if (outcome.status === "failed" && !x.reported.has(outcome.error))
      x.fail("service", service, outcome.error, service);
    if (outcome.status === "skipped" && outcome.reason === "interrupted") {
      x.result.skipped.push({ resource: "service", name: service, service, message: "interrupted" });
    }
  }
  if (x.options.wait && !x.options.signal?.aborted) {
    // Services that failed or were skipped have been reported; waiting on them would only time out.
    const settled = new Set([...outcomes].filter(([, o]) => o.status !== "done").map(([s]) => s));
    await waitForAll(x, settled);
  }
}

async function convergeService(
  x: Execution,
  service: string,
  ops: ContainerOp[],
  edges: Edge[],
  ahead: Map<ContainerOp, Promise<string>>,
): Promise<void> {
  const removals = ops.filter(
    (o): o is Extract<Operation, { kind: "remove-container" }> => o.kind === "remove-container",
  );
  await Promise.all(removals.map((op) => removeContainer(x, op)));
  for (const op of ops) {
    if (op.kind !== "rename-container") continue;
    await x.run(() => x.engine.renameContainer(op.containerId, op.to));
    const number = x.current.get(service)?.find((c) => c.id === op.containerId)?.number ?? 0;
    x.setContainer(service, { id: op.containerId, name: op.to, number });
    x.count(op.kind);
    x.emit("container", op.to, "Renamed", { service, message: `from ${op.from}` });
  }

  const toStart: Array<{ id: string; name: string; restart: boolean }> = [];
  const failures: Error[] = [];
  const startFirst = ops.filter(
    (o): o is Extract<Operation, { kind: "recreate-container" }> =>
      o.kind === "recreate-container" && Boolean(o.startFirst),
  );
  await Promise.all(
    ops.map(async (op) => {
      if (startFirst.includes(op as never)) return; // after the dependencies, below
      try {
        if (op.kind === "create-container") {
          const id = await (ahead.get(op) ?? createContainer(x, service, op.number, undefined));
          toStart.push({ id, name: op.name, restart: false });
        } else if (op.kind === "recreate-container") {
          const id = await recreateContainer(x, op);
          toStart.push({ id, name: op.name, restart: false });
        } else if (op.kind === "start-container") {
          toStart.push({ id: op.containerId, name: op.name, restart: false });
        } else if (op.kind === "restart-container") {
          toStart.push({ id: op.containerId, name: op.name, restart: true });
        }
      } catch (e) {
        failures.push(x.fail("container", "name" in op ? op.name : service, e, service));
      }
    }),
  );
  if (failures.length) throw failures[0];
  if ((toStart.length === 0 && startFirst.length === 0) || x.options.noStart) return;

  await waitForDependencies(x, service, edges);
  if (x.options.signal?.aborted) throw new SkipNode("interrupted");

  await Promise.all(
    toStart
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .map(async (c) => {
        try {
          if (c.restart) {
            x.emit("container", c.name, "Restarting", { service });
            await stopContainer(x, service, c.id, c.name);
            await x.run(() => x.engine.startContainer(c.id));
            x.touched.add(c.id);
            await postStart(x, service, c.id, c.name);
            x.count("restart-container");
            x.emit("container", c.name, "Restarted", { service });
          } else await startContainer(x, service, c.id, c.name);
        } catch (e) {
          failures.push(x.fail("container", c.name, e, service));
        }
      }),
  );
  if (failures.length) throw failures[0];
  if (startFirst.length) {
    try {
      await runStartFirst(startFirstContext(x, service), startFirst, x.observed.containers);
    } catch (e) {
      if (x.options.signal?.aborted) throw new SkipNode("interrupted");
      throw x.fail("service", service, e, service);
    }
  }
}

/** The execution's steps a start-first update (start-first.ts) is made of. */
function startFirstContext(x: Execution, service: string): StartFirstContext {
  return {
    engine: x.engine,
    service,
    config: updateConfig(service, x.project.services[service]!),
    waitTimeoutMs: waitBudget(x.options.waitTimeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS, x.options.deadline),
    signal: x.options.signal,
    watcher: () => x.watcher(),
    emit: (resource, name, status, extra) => x.emit(resource, name, status, extra),
    run: (fn) => x.run(fn),
    create: (number, adjust) => createContainer(x, service, number, undefined, "normal", adjust),
    spec: (number) => x.plan.services[service]!.specs.get(number)!,
    start: (id, name) => startContainer(x, service, id, name),
    stop: (id, name) => stopContainer(x, service, id, name),
    forget: (id) => x.dropContainer(service, id),
    count: (kind) => x.count(kind),
  };
}

function conditionOf(edge: Edge): WaitCondition | undefined {
  if (edge.condition === "service_healthy") return "healthy";
  if (edge.condition === "service_completed_successfully") return "completed";
  return undefined;
}

async function waitForDependencies(x: Execution, service: string, edges: Edge[]): Promise<void> {
  const timeout = waitBudget(x.options.waitTimeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS, x.options.deadline);
  await Promise.all(
    edges.map(async (edge) => {
      const condition = conditionOf(edge);
      if (!condition) return;
      const targets = x.current.get(edge.target) ?? [];
      if (targets.length === 0) {
        const scale = x.plan.services[edge.target]?.scale;
        if (scale === 0) return;
        const message = `${service} is missing dependency ${edge.target}`;
        if (edge.required) throw new Error(message);
        x.warn(message, "service", service, service);
        return;
      }
      await Promise.all(
        targets.map(async (t) => {
          x.emit("container", t.name, "Waiting", { service: edge.target, message: `needed by ${service}` });
          try {
            const probed = await waitOrProbe({
              watcher: await x.watcher(),
              probes: probeEnabled(x.project, edge.target, x.options.probe === false) ? x.probes : undefined,
              id: t.id,
              condition,
              timeoutMs: timeout,
              signal: x.options.signal,
            });
            x.emit("container", t.name, condition === "healthy" ? "Healthy" : "Exited", {
              service: edge.target,
              ...(probed ? { message: "health check passed (probe)" } : {}),
            });
          } catch (e) {
            if (x.options.signal?.aborted) throw new SkipNode("interrupted");
            const msg = e instanceof Error ? e.message : String(e);
            if (!edge.required && e instanceof DependencyFailed) {
              x.warn(`optional dependency ${edge.target} of ${service}: ${msg}`, "container", t.name, edge.target);
              return;
            }
            throw new Error(`dependency failed to start: ${msg}`);
          }
        }),
      );
    }),
  );
}

/** Was the container ready (running and healthy, or a job that completed) when observed? */
function observedReady(c: ObservedContainer | undefined): boolean {
  if (!c) return false;
  if (c.state === "running") return c.health === undefined || c.health === "healthy";
  return c.state === "exited" && c.exitCode === 0;
}

/** `--wait`: every container this run touched, or that was not ready before it, must become ready. */
async function waitForAll(x: Execution, exclude: ReadonlySet<string>): Promise<void> {
  const timeout = waitBudget(x.options.waitTimeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS, x.options.deadline);
  const observed = new Map(x.observed.containers.map((c) => [c.id, c]));
  const pending = x.plan.order
    .filter((s) => !exclude.has(s))
    .flatMap((s) => (x.current.get(s) ?? []).map((c) => ({ ...c, service: s })))
    .filter((c) => x.touched.has(c.id) || !observedReady(observed.get(c.id)));
  if (pending.length === 0) return;
  const watcher = await x.watcher();
  await Promise.all(
    pending.map(async (c) => {
      try {
        await watcher.waitFor(c.id, "running_or_healthy", timeout, x.options.signal);
        x.emit("container", c.name, "Healthy", { service: c.service });
      } catch (e) {
        if (!x.options.signal?.aborted) x.fail("container", c.name, e, c.service);
      }
    }),
  );
}

/**
 * Create a container for `service` #number under a temporary name and set it up (extra networks,
 * secret/config files). A fresh container is then renamed to its canonical name at once; a
 * replacement (`replace`) keeps the temporary name until its predecessor is gone. A canonical name
 * therefore always means a fully set up container, whatever interrupts us. Returns the new ID.
 */
async function createContainer(
  x: Execution,
  service: string,
  number: number,
  replace: ObservedContainer | undefined,
  priority: "normal" | "low" = "normal",
  adjust: (spec: ContainerSpec) => ContainerSpec = (spec) => spec,
): Promise<string> {
  const desired = x.plan.services[service];
  const planned = desired?.specs.get(number);
  if (!planned) throw new Error(`the plan has no spec for container ${number} of service ${service}`);
  const canonical = containerName(x.project, service, number);
  const tempName = temporaryName(replace?.id ?? randomBytes(6).toString("hex"), canonical);
  const spec = withImageLabel(withName(adjust(planned), tempName), x.observed.images[desired.image]?.id);
  if (!replace) x.emit("container", canonical, "Creating", { service });
  const created = await x.run(async () => {
    // A creation ahead of need is not worth starting once the deploy is interrupted.
    if (priority === "low" && x.options.signal?.aborted) throw new SkipNode("interrupted");
    return x.engine.createContainer(spec.create);
  }, priority);
  try {
    for (const w of created.Warnings) x.warn(w, "container", canonical, service);
    for (const c of spec.connect) {
      await x.run(() => x.engine.connectNetwork(c.network, created.Id, c.endpoint), priority);
    }
    if (spec.copies.length) {
      const tar = tarBuffer(
        spec.copies.map((f) => ({
          name: f.target.replace(/^\/+/, ""),
          type: "file" as const,
          mode: f.mode,
          uid: f.uid,
          gid: f.gid,
          mtime: 0,
          content: f.content,
        })),
      );
      await x.run(() => x.engine.putArchive(created.Id, "/", tar), priority);
    }
    if (!replace) await x.run(() => x.engine.renameContainer(created.Id, canonical), priority);
  } catch (e) {
    // Half set up: do not leave it for a later run to mistake for a finished one.
    await x.engine.removeContainer(created.Id, { force: true }).catch(() => {});
    throw e;
  }
  x.touched.add(created.Id);
  if (!replace) {
    x.setContainer(service, { id: created.Id, name: canonical, number });
    x.count("create-container");
    x.emit("container", canonical, "Created", { service });
  }
  return created.Id;
}

async function recreateContainer(
  x: Execution,
  op: Extract<Operation, { kind: "recreate-container" }>,
): Promise<string> {
  const old = x.observed.containers.find((c) => c.id === op.containerId);
  if (!old) throw new Error(`container ${shortId(op.containerId)} vanished before it could be recreated`);
  const canonical = containerName(x.project, op.service, op.number);
  x.emit("container", canonical, "Recreating", { service: op.service, message: op.reason });
  const id = await createContainer(x, op.service, op.number, old);
  x.emit("container", canonical, "Stopping", { service: op.service });
  await stopContainer(x, op.service, old.id, old.name);
  await x.run(() => x.engine.removeContainer(old.id, { force: true }));
  await x.run(() => x.engine.renameContainer(id, canonical));
  x.setContainer(op.service, { id, name: canonical, number: op.number });
  x.count("recreate-container");
  x.emit("container", canonical, "Recreated", { service: op.service });
  return id;
}

async function startContainer(x: Execution, service: string, id: string, name: string): Promise<void> {
  x.emit("container", name, "Starting", { service });
  // A paused container (plan: "paused: unpause") is resumed rather than started.
  const paused = x.observed.containers.some((o) => o.id === id && o.state === "paused");
  await x.run(() => (paused ? x.engine.unpauseContainer(id) : x.engine.startContainer(id)));
  x.touched.add(id);
  await postStart(x, service, id, name);
  x.count("start-container");
  x.emit("container", name, "Started", { service });
}

/** `post_start` hooks of `service`, run in the container just started; a failing hook fails it. */
async function postStart(x: Execution, service: string, id: string, name: string): Promise<void> {
  const hooks = x.project.services[service]?.post_start;
  if (!hooks?.length) return;
  await runHooks(x.engine, { id, name, service }, "post_start", hooks, (status, message) =>
    x.emit("container", name, status, { service, message }),
  );
}

/**
 * Every stop goes through here (down, recreate, restart, network recreation): the service's
 * `pre_stop` hooks first, then the engine's stop with the configured timeout. A container that is
 * not running (the exec is refused with 409) has nothing to prepare; a failing hook fails the stop,
 * as in Compose, so the container keeps running.
 */
async function stopContainer(x: Execution<DownPlan>, service: string, id: string, name: string): Promise<void> {
  await runPreStopHooks(x, service, id, name);
  await x.run(() => x.engine.stopContainer(id, x.options.stopTimeout));
}

async function runPreStopHooks(x: Execution<DownPlan>, service: string, id: string, name: string): Promise<void> {
  const hooks = x.project.services[service]?.pre_stop;
  if (!hooks?.length) return;
  try {
    await runHooks(x.engine, { id, name, service }, "pre_stop", hooks, (status, message) =>
      x.emit("container", name, status, { service, message }),
    );
  } catch (e) {
    if (!isConflict(e) && !isNotFound(e)) throw e;
  }
}

async function removeContainer(
  x: Execution<DownPlan>,
  op: Extract<Operation, { kind: "remove-container" }>,
): Promise<void> {
  await stopAndRemove(x, op).removed;
}

/**
 * Stop a container, then remove it. `exited` resolves as soon as its process is known to have
 * exited (with `watcher`: the engine's die event; else, or at the latest, when the stop returns),
 * which is all a dependency waits for in `down`: neither the engine's clean-up of the container's
 * network and mounts nor its removal holds the next level of the graph. `removed` resolves when
 * it is gone (or failed, which is reported). Neither rejects.
 */
function stopAndRemove(
  x: Execution<DownPlan>,
  op: Extract<Operation, { kind: "remove-container" }>,
  watcher?: ContainerWatcher,
): { exited: Promise<void>; removed: Promise<void> } {
  const removed = () => {
    x.dropContainer(op.service, op.containerId);
    x.count(op.kind);
    x.emit("container", op.name, "Removed", { service: op.service });
  };
  let markExited!: () => void;
  const exited = new Promise<void>((resolve) => (markExited = resolve));
  let exit: ExpectedExit | undefined;
  const stopped = (async (): Promise<boolean> => {
    try {
      x.emit("container", op.name, "Stopping", { service: op.service });
      await runPreStopHooks(x, op.service, op.containerId, op.name);
      exit = watcher?.expectExit(op.containerId); // before the stop: its kill event must not be missed
      void exit?.exited.then(markExited);
      await x.run(() => x.engine.stopContainer(op.containerId, x.options.stopTimeout));
      x.emit("container", op.name, "Stopped", { service: op.service });
      return true;
    } catch (e) {
      if (isNotFound(e)) return true;
      x.fail("container", op.name, e, op.service);
      return false;
    } finally {
      exit?.settle();
      markExited();
    }
  })();
  return {
    exited,
    removed: stopped.then(async (ok) => {
      if (!ok) return;
      try {
        x.emit("container", op.name, "Removing", { service: op.service });
        await x.run(() =>
          x.engine.removeContainer(op.containerId, { force: true, volumes: Boolean(x.options.removeVolumes) }),
        );
      } catch (e) {
        if (!isNotFound(e)) {
          x.fail("container", op.name, e, op.service);
          return;
        }
      }
      removed();
    }),
  };
}

/**
 * Down: containers in reverse dependency order (dependents stop first), then networks and,
 * when planned, volumes. A network the engine still reports endpoints on although nothing is
 * attached (moby#42119) is left with a warning; the rest of down carries on.
 */
export async function executeDown(
  engine: Engine,
  project: Project,
  plan: DownPlan,
  observed: Observed,
  options: ExecuteOptions,
  emit: (e: DeployEvent) => void,
): Promise<ExecuteResult> {
  const x = new Execution<DownPlan>(engine, project, plan, observed, options, emit);
  for (const w of plan.warnings) x.warn(w);
  const removals = plan.operations.filter(
    (o): o is Extract<Operation, { kind: "remove-container" }> => o.kind === "remove-container",
  );
  const byService = new Map<string, typeof removals>();
  for (const op of removals) byService.set(op.service, [...(byService.get(op.service) ?? []), op]);

  // The loader has rejected cycles and undefined dependencies, so a graph error here is bad input
  // from elsewhere (a hand-built project): it propagates, naming the service, before anything stops.
  const graph = subgraph(
    dependencyGraph(project),
    [...byService.keys()].filter((s) => project.services[s]),
  );
  // Services no longer in the project (orphans) have no edges: they go at once.
  for (const s of byService.keys()) if (!graph.has(s)) graph.set(s, []);
  // With the engine's events, a dependency is stopped as soon as its dependents' processes died
  // (without them, once their stops return).
  const ordered = [...graph.values()].some((edges) => edges.some((e) => graph.has(e.target)));
  const watcher = ordered ? await x.watcher().catch(() => undefined) : undefined;
  const removing: Promise<void>[] = [];
  try {
    await walkGraph(
      graph,
      async (service) => {
        const runs = (byService.get(service) ?? []).map((op) => stopAndRemove(x, op, watcher));
        removing.push(...runs.map((r) => r.removed));
        await Promise.all(runs.map((r) => r.exited));
      },
      { reverse: true },
    );
    await Promise.all(removing);
  } finally {
    await x.closeWatcher();
  }

  await Promise.all(
    plan.operations.map(async (op) => {
      if (op.kind === "remove-network") await removeNetwork(x, op.name);
    }),
  );
  await Promise.all(
    plan.operations.map(async (op) => {
      if (op.kind !== "remove-volume") return;
      x.emit("volume", op.name, "Removing");
      try {
        await x.run(() => engine.removeVolume(op.name));
        x.count(op.kind);
        x.emit("volume", op.name, "Removed");
      } catch (e) {
        if (isNotFound(e)) x.emit("volume", op.name, "Removed", { message: "already gone" });
        else if (isConflict(e)) x.warn(`volume ${op.name} is still in use; left in place`, "volume", op.name);
        else x.fail("volume", op.name, e);
      }
    }),
  );
  x.result.durationMs = Date.now() - x.started;
  return x.result;
}

async function removeNetwork(x: Execution<DownPlan>, name: string): Promise<void> {
  x.emit("network", name, "Removing");
  try {
    await x.run(() => x.engine.removeNetwork(name));
    x.count("remove-network");
    x.emit("network", name, "Removed");
  } catch (e) {
    if (isNotFound(e)) {
      x.emit("network", name, "Removed", { message: "already gone" });
      return;
    }
    const message = e instanceof Error ? e.message : String(e);
    if (/active endpoints/i.test(message)) {
      const info = await x.engine.inspectNetwork(name).catch(() => null);
      const attached = Object.keys(info?.Containers ?? {}).length;
      x.warn(
        attached > 0
          ? `network ${name} is still in use by ${attached} container(s); left in place`
          : `network ${name} still reports active endpoints although no container is attached (moby#42119); left in place`,
        "network",
        name,
      );
      return;
    }
    x.fail("network", name, e);
  }
}
