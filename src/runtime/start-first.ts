/**
 * Executing start-first updates (planned by update-order.ts) on one engine: the new container
 * starts beside the old one, under the next free number, on the same networks and aliases. Once it
 * is healthy (or, without a healthcheck, still running after `monitor`), the old one is taken out
 * of service: its endpoints re-made without the service's aliases so DNS stops sending it work,
 * drained (`x-c2ts.drain_period`), its pre_stop hooks run, stopped and removed. A new container that fails is removed and the old one
 * keeps serving (`failure_action: rollback`, the only one that makes sense on one engine).
 * Replicas go `parallelism` at a time with `delay` between batches; the first failure stops the rest.
 */
import type { DeployEvent, EventStatus } from "./events.js";
import { isNotFound, type ContainerInspect, type Engine } from "./engine.js";
import type { ContainerSpec } from "./container-spec.js";
import type { ObservedContainer } from "./observe.js";
import type { Operation } from "./plan.js";
import type { UpdateConfig } from "./update-order.js";
import { judge, type ContainerWatcher } from "./wait.js";

type StartFirstOp = Extract<Operation, { kind: "recreate-container" }>;

/** What a start-first update needs from the execution that runs it (execute.ts). */
export interface StartFirstContext {
  engine: Engine;
  service: string;
  config: UpdateConfig;
  waitTimeoutMs: number;
  signal?: AbortSignal;
  watcher(): Promise<ContainerWatcher>;
  emit(resource: "container", name: string, status: EventStatus, extra?: Partial<DeployEvent>): void;
  run<T>(fn: () => Promise<T>): Promise<T>;
  /** Creates and fully sets up container #number under its canonical name, from `adjust(planned spec)`; returns its ID. */
  create(number: number, adjust: (spec: ContainerSpec) => ContainerSpec): Promise<string>;
  /** The planned spec of container #number. */
  spec(number: number): ContainerSpec;
  /** Starts it and runs its post_start hooks. */
  start(id: string, name: string): Promise<void>;
  /** pre_stop hooks, then the engine's stop. */
  stop(id: string, name: string): Promise<void>;
  /** The container is gone: forget it. */
  forget(id: string): void;
  count(kind: string): void;
}

/** Runs the service's start-first replacements batch by batch; throws the first failure (old containers kept). */
export async function runStartFirst(
  ctx: StartFirstContext,
  ops: StartFirstOp[],
  observed: readonly ObservedContainer[],
): Promise<void> {
  const size = ctx.config.parallelism > 0 ? ctx.config.parallelism : ops.length;
  for (let i = 0; i < ops.length; i += size) {
    if (i > 0 && ctx.config.delayMs > 0) await sleep(ctx.config.delayMs, ctx.signal);
    if (ctx.signal?.aborted) throw new Error("interrupted");
    const batch = ops.slice(i, i + size);
    const outcomes = await Promise.allSettled(
      batch.map((op) =>
        replace(
          ctx,
          op,
          observed.find((c) => c.id === op.containerId),
        ),
      ),
    );
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === "rejected");
    if (failed) throw failed.reason;
  }
}

async function replace(ctx: StartFirstContext, op: StartFirstOp, old: ObservedContainer | undefined): Promise<void> {
  if (!old) throw new Error(`container ${op.containerId.slice(0, 12)} vanished before it could be updated`);
  ctx.emit("container", old.name, "Recreating", {
    service: ctx.service,
    message: `start-first: ${op.name} starts beside it`,
  });
  const id = await ctx.create(op.number, (spec) => withoutServiceAliases(spec, op.name));
  try {
    await ctx.start(id, op.name);
    await becomesReady(ctx, id);
    await publish(ctx, id, ctx.spec(op.number));
  } catch (e) {
    // Rollback: the new container goes, the old one never stopped serving.
    await ctx.engine.removeContainer(id, { force: true }).catch(() => {});
    ctx.forget(id);
    const why = e instanceof Error ? e.message : String(e);
    ctx.emit("container", op.name, "Removed", {
      service: ctx.service,
      message: "rolled back: the old container keeps serving",
    });
    if (ctx.signal?.aborted) throw new Error("interrupted");
    throw new Error(`start-first update of ${old.name} rolled back, it keeps serving: ${why}`);
  }
  ctx.emit("container", op.name, "Healthy", { service: ctx.service });
  await retire(ctx, old);
  ctx.count("recreate-container");
  ctx.emit("container", op.name, "Recreated", { service: ctx.service, message: `replaces ${old.name}` });
}

/** Every network endpoint of `spec`: the one given at create, then those connected after. */
function endpoints(spec: ContainerSpec): ContainerSpec["connect"] {
  const first = Object.entries(spec.create.NetworkingConfig?.EndpointsConfig ?? {}).map(([network, endpoint]) => ({
    network,
    endpoint,
  }));
  return [...first, ...spec.connect];
}

/**
 * The new container joins its networks under its own name only: the engine's DNS answers for a
 * name as soon as a container holding it starts, so the service's name and aliases wait until it
 * is healthy (publish) instead of sending requests to a server not listening yet.
 */
export function withoutServiceAliases(spec: ContainerSpec, name: string): ContainerSpec {
  const hide = (e: ContainerSpec["connect"][number]["endpoint"]) => ({
    ...e,
    Aliases: (e.Aliases ?? []).filter((a) => a === name),
  });
  const primary = spec.create.NetworkingConfig?.EndpointsConfig;
  return {
    ...spec,
    create: {
      ...spec.create,
      ...(primary
        ? {
            NetworkingConfig: {
              EndpointsConfig: Object.fromEntries(Object.entries(primary).map(([n, e]) => [n, hide(e)])),
            },
          }
        : {}),
    },
    connect: spec.connect.map((c) => ({ ...c, endpoint: hide(c.endpoint) })),
  };
}

/** The healthy new container takes the service's aliases: each network endpoint is re-made with them. */
async function publish(ctx: StartFirstContext, id: string, spec: ContainerSpec): Promise<void> {
  for (const { network, endpoint } of endpoints(spec)) {
    await ctx.run(() => ctx.engine.disconnectNetwork(network, id));
    await ctx.run(() => ctx.engine.connectNetwork(network, id, endpoint));
  }
}

/** Healthy by the engine's own status, or running through `monitor` when there is no healthcheck. */
async function becomesReady(ctx: StartFirstContext, id: string): Promise<void> {
  const info = await ctx.engine.inspectContainer(id);
  const test = info.Config.Healthcheck?.Test;
  if (test?.length && test[0] !== "NONE") {
    await (await ctx.watcher()).waitFor(id, "healthy", ctx.waitTimeoutMs, ctx.signal);
    return;
  }
  await sleep(ctx.config.monitorMs, ctx.signal);
  if (ctx.signal?.aborted) throw new Error("interrupted");
  const now = await ctx.engine.inspectContainer(id);
  if (!stillRunning(info, now)) {
    const verdict = judge(now, "running_or_healthy");
    throw new Error(
      verdict.done && verdict.error
        ? verdict.error
        : `container did not stay running for ${ctx.config.monitorMs / 1000}s`,
    );
  }
}

/** Running now, and not restarted since `before` (a restart policy would hide a crash). */
function stillRunning(before: ContainerInspect, now: ContainerInspect): boolean {
  return now.State.Running && !now.State.Restarting && now.State.StartedAt === before.State.StartedAt;
}

/**
 * Out of service: out of DNS, drained, pre_stop, stopped, removed. Each endpoint is re-made without
 * the service's aliases rather than only disconnected: a disconnect drops the address at once, and a
 * client that resolved it a moment before (or has a request in flight) would wait on a dead address.
 * Re-made at once, the endpoint gets the address it just released back from the engine's allocator
 * (lowest free, and its MAC follows the address), so those requests still reach the old container
 * after a TCP retransmission, while DNS answers only with the new one during the drain.
 */
async function retire(ctx: StartFirstContext, old: ObservedContainer): Promise<void> {
  ctx.emit("container", old.name, "Stopping", {
    service: ctx.service,
    message: `out of DNS, draining ${ctx.config.drainMs / 1000}s`,
  });
  for (const network of Object.keys(old.networks)) {
    const gone = await ctx
      .run(() => ctx.engine.disconnectNetwork(network, old.id))
      .then(() => false)
      .catch((e: unknown) => {
        if (!isNotFound(e)) throw e;
        return true;
      });
    if (!gone && ctx.config.drainMs > 0)
      await ctx
        .run(() => ctx.engine.connectNetwork(network, old.id, {}))
        .catch(() => {
          // Draining is best effort: a container that cannot rejoin just loses its requests in flight.
        });
  }
  await sleep(ctx.config.drainMs, ctx.signal);
  await ctx.stop(old.id, old.name);
  await ctx
    .run(() => ctx.engine.removeContainer(old.id, { force: true }))
    .catch((e: unknown) => {
      if (!isNotFound(e)) throw e;
    });
  ctx.forget(old.id);
  ctx.emit("container", old.name, "Removed", { service: ctx.service });
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
