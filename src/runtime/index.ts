/**
 * The runtime's entry points used by the CLI: deploy, plan, down, ps, logs.
 *
 * Importing this module loads nothing heavy; the engine client (engine-docker.ts) is loaded when an
 * engine is first connected (connectEngine), so `c2ts plan --help` and friends stay fast.
 */
import { setMaxListeners } from "node:events";
import { readFileSync } from "node:fs";
import type { Project } from "../compose/model.js";
import { connectEngine, isNotFound, type Engine } from "./engine.js";
import { serviceImage } from "./container-spec.js";
import type { DeployEvent, ExecuteResult } from "./events.js";
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_WAIT_TIMEOUT_MS,
  executeDown,
  executePlan,
  type ExecuteOptions,
} from "./execute.js";
import { Deadline } from "./deadline.js";
import { acquireDeployLock, deployLockHeld, type DeployLock } from "./deploy-lock.js";
import { observe, observeByName, observeContainers, observeImages, type Observed } from "./observe.js";
import { planDeploy, planDown, type DownPlan, type Plan, type PlanOptions } from "./plan.js";

export type { DeployEvent, ExecuteResult } from "./events.js";
export type { Engine } from "./engine.js";
export type { DownPlan, Plan, Operation, PlanOptions } from "./plan.js";
export { planExitCode, planHasChanges } from "./plan.js";
export { createRenderer, formatPlan, type ProgressMode, type Renderer } from "./progress.js";

export interface RuntimeOptions {
  /** Engine address (unix://, tcp://, ssh://); default DOCKER_HOST or the local socket. */
  host?: string;
  /** An engine to use instead of connecting (kept open afterwards). */
  engine?: Engine;
  /** Recorded in the containers' working_dir/config_files labels. */
  workingDir?: string;
  configFiles?: string[];
  /** Variables secrets/configs declared with `environment:` read; default process.env. */
  environment?: Record<string, string | undefined>;
  onEvent?: (event: DeployEvent) => void;
  signal?: AbortSignal;
}

export interface DeployOptions extends RuntimeOptions, Omit<PlanOptions, "environment" | "skipImages"> {
  /** Wait until every container is running/healthy before returning. */
  wait?: boolean;
  waitTimeoutMs?: number;
  concurrency?: number;
  noStart?: boolean;
  /** Seconds containers get to stop before being killed; default their stop_grace_period. */
  stopTimeout?: number;
  /** false: no readiness probing, dependents wait for the engine's health status (`--no-probe`). */
  probe?: boolean;
}

export interface DeployResult {
  /** The plan that was executed (after images were pulled/built). */
  plan: Plan;
  result: ExecuteResult;
}

let versionCache: string | undefined;
/** c2ts's version, recorded in the com.docker.compose.version label. */
export function runtimeVersion(): string {
  if (versionCache) return versionCache;
  try {
    versionCache = (
      JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
    ).version;
  } catch {
    versionCache = "0.0.0";
  }
  return versionCache;
}

async function withEngine<T>(opts: RuntimeOptions, fn: (engine: Engine) => Promise<T>): Promise<T> {
  const engine = opts.engine ?? (await connectEngine(opts.host));
  try {
    return await fn(engine);
  } finally {
    if (!opts.engine) engine.close();
  }
}

function executeOptions(opts: DeployOptions): ExecuteOptions {
  return {
    environment: opts.environment ?? process.env,
    composeVersion: runtimeVersion(),
    concurrency: opts.concurrency ?? DEFAULT_CONCURRENCY,
    waitTimeoutMs: opts.waitTimeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS,
    stopTimeout: opts.stopTimeout,
    signal: opts.signal,
    wait: opts.wait,
    noStart: opts.noStart,
    probe: opts.probe,
  };
}

function planOptions(opts: DeployOptions): PlanOptions {
  return {
    services: opts.services,
    recreate: opts.recreate,
    removeOrphans: opts.removeOrphans,
    build: opts.build,
    pull: opts.pull,
    now: opts.now,
    environment: opts.environment ?? process.env,
    workingDir: opts.workingDir ?? process.cwd(),
    configFiles: opts.configFiles ?? [],
    composeVersion: runtimeVersion(),
  };
}

/** What deploy would do, without doing it. */
export async function plan(project: Project, opts: DeployOptions = {}): Promise<Plan> {
  return withEngine(opts, async (engine) =>
    planDeploy(project, await observe(engine, project, { workingDir: opts.workingDir }), planOptions(opts)),
  );
}

/**
 * Converge the engine to `project`: observe and plan; unless nothing is to change, take the
 * project's deploy lock, observe and plan again under it, pull/build what the plan needs, re-plan
 * against the resulting images (so a changed image recreates its containers), execute. An explicit
 * `waitTimeoutMs` bounds the whole deploy; by default it bounds what follows the images (a large
 * pull may take long). When the deadline passes, requests still in flight are cut, so a frozen
 * engine cannot hold the deploy.
 */
export async function deploy(project: Project, opts: DeployOptions = {}): Promise<DeployResult> {
  return withEngine(opts, async (engine) => {
    const timeoutMs = opts.waitTimeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS;
    const whole = opts.waitTimeoutMs !== undefined ? new Deadline(timeoutMs) : undefined;
    const lockTtl = (whole ? timeoutMs : LOCK_TTL_WITHOUT_TIMEOUT_MS) + LOCK_GRACE_MS;
    const early = whole ? (engine.bounded?.(whole.signal) ?? engine) : engine;
    let deadline = whole;
    const startDeadline = () => (deadline ??= new Deadline(timeoutMs));
    let lock: DeployLock | undefined;
    try {
      // A deploy with nothing to change writes nothing, so it needs no lock (a volume created and
      // removed: most of a no-op's engine time). Whether another deploy holds it is read meanwhile:
      // then this one takes the locked way and reports that deploy, as before.
      const [held, observed] = await Promise.all([
        deployLockHeld(early, project.name),
        observe(early, project, { workingDir: opts.workingDir }),
      ]);
      const first = planDeploy(project, observed, planOptions(opts));
      let firstLook: FirstLook | undefined = { observed, plan: first };
      if (held || first.operations.length > 0) {
        lock = await acquireDeployLock(early, project.name, lockTtl);
        firstLook = undefined; // another deploy may have changed the engine before the lock was ours
      }
      const outcome = await converge(project, opts, engine, whole, startDeadline, firstLook);
      if (deadline?.expired && !opts.signal?.aborted) {
        const { result } = outcome;
        result.interrupted = false;
        result.ok = false;
        result.errors.unshift({
          resource: "service",
          name: project.name,
          message: (deadline.signal.reason as Error).message,
        });
      }
      return outcome;
    } finally {
      deadline?.dispose();
      if (lock) {
        // Past the deadline the engine may be frozen: a lock left behind expires (its pid is gone).
        const leash = deadline?.expired ? LOCK_RELEASE_AFTER_DEADLINE_MS : LOCK_RELEASE_TIMEOUT_MS;
        const releaseEngine = engine.bounded?.(AbortSignal.timeout(leash)) ?? engine;
        await lock.release(releaseEngine).catch(() => {});
      }
    }
  });
}

/** The lock outlives a deploy without --timeout by this much at most (a killed one's lock expires). */
const LOCK_TTL_WITHOUT_TIMEOUT_MS = 3_600_000;
const LOCK_GRACE_MS = 60_000;

/** Releasing the lock must not hold the process either: the engine may be the one that froze. */
const LOCK_RELEASE_TIMEOUT_MS = 5_000;
const LOCK_RELEASE_AFTER_DEADLINE_MS = 1_000;

/** An observation and its plan, when still valid for execution (no lock was needed since). */
interface FirstLook {
  observed: Observed;
  plan: Plan;
}

/** Observe and plan (unless `firstLook` still holds), pull/build what the plan needs, execute. */
async function converge(
  project: Project,
  opts: DeployOptions,
  rawEngine: Engine,
  whole: Deadline | undefined,
  startDeadline: () => Deadline,
  firstLook: FirstLook | undefined,
): Promise<DeployResult> {
  const emit = opts.onEvent ?? (() => {});
  const under = (d: Deadline | undefined): { engine: Engine; options: ExecuteOptions } => {
    const engine = d ? (rawEngine.bounded?.(d.signal) ?? rawEngine) : rawEngine;
    const signal = d ? (opts.signal ? AbortSignal.any([opts.signal, d.signal]) : d.signal) : opts.signal;
    // Every container waited on listens to it at once (Node warns past 10 listeners).
    if (signal) setMaxListeners(0, signal);
    return { engine, options: { ...executeOptions(opts), signal, deadline: d } };
  };
  const early = under(whole);
  const observed = firstLook?.observed ?? (await observe(early.engine, project, { workingDir: opts.workingDir }));
  const first = firstLook?.plan ?? planDeploy(project, observed, planOptions(opts));
  const imageOps = first.operations.filter((o) => o.kind === "pull-image" || o.kind === "build-image");
  if (imageOps.length === 0) {
    const { engine, options } = under(startDeadline());
    const result = await executePlan(engine, project, first, observed, options, emit);
    return { plan: first, result };
  }
  const imagePhase: Plan = { ...first, operations: imageOps, warnings: [] };
  const imageResult = await executePlan(
    early.engine,
    project,
    imagePhase,
    observed,
    { ...early.options, wait: false },
    emit,
  );
  if (!imageResult.ok) {
    return { plan: first, result: { ...imageResult, warnings: [...first.warnings, ...imageResult.warnings] } };
  }
  const { engine, options } = under(startDeadline());
  const refreshed: Observed = {
    ...observed,
    images: {
      ...observed.images,
      ...(await observeImages(
        engine,
        project,
        imageOps.map((o) => (o as { image: string }).image),
      )),
    },
  };
  const second = planDeploy(project, refreshed, { ...planOptions(opts), skipImages: true });
  const result = await executePlan(engine, project, second, refreshed, options, emit);
  for (const [k, v] of Object.entries(imageResult.done)) result.done[k] = (result.done[k] ?? 0) + v;
  result.warnings.unshift(...imageResult.warnings);
  result.durationMs += imageResult.durationMs;
  return { plan: { ...second, operations: [...imageOps, ...second.operations] }, result };
}

export interface DownRuntimeOptions extends RuntimeOptions {
  volumes?: boolean;
  removeOrphans?: boolean;
  services?: string[];
  stopTimeout?: number;
  concurrency?: number;
  /** Remove images too: `local` those built without an `image:` name, `all` every service image. */
  rmi?: "local" | "all";
}

/** Stop and remove the project's containers and networks (and, with `volumes`, its volumes). */
export async function down(
  project: Project | string,
  opts: DownRuntimeOptions = {},
): Promise<{ plan: DownPlan; result: ExecuteResult }> {
  const p: Project = typeof project === "string" ? { name: project, services: {} } : project;
  return withEngine(opts, async (engine) => {
    const observed =
      typeof project === "string"
        ? await observeByName(engine, p.name)
        : await observe(engine, p, { skipImages: true });
    const downPlan = planDown(p, observed, {
      volumes: opts.volumes,
      removeOrphans: opts.removeOrphans,
      services: opts.services,
    });
    const result = await executeDown(
      engine,
      p,
      downPlan,
      observed,
      { ...executeOptions({ ...opts, environment: {} }), removeVolumes: opts.volumes },
      opts.onEvent ?? (() => {}),
    );
    if (opts.rmi && result.ok) await removeImages(engine, p, opts.rmi, opts.onEvent ?? (() => {}), result);
    return { plan: downPlan, result };
  });
}

/** `down --rmi`: images go after the containers that used them; one still in use elsewhere is a warning. */
async function removeImages(
  engine: Engine,
  project: Project,
  mode: "local" | "all",
  emit: (e: DeployEvent) => void,
  result: ExecuteResult,
): Promise<void> {
  const images = new Set<string>();
  for (const [name, svc] of Object.entries(project.services)) {
    if (mode === "all" || !svc.image) images.add(serviceImage(project, name));
  }
  for (const image of [...images].sort()) {
    emit({ time: Date.now(), resource: "image", name: image, status: "Removing" });
    try {
      await engine.removeImage(image);
      emit({ time: Date.now(), resource: "image", name: image, status: "Removed" });
      result.done["remove-image"] = (result.done["remove-image"] ?? 0) + 1;
    } catch (e) {
      const message = isNotFound(e) ? "not present" : (e as Error).message;
      emit({ time: Date.now(), resource: "image", name: image, status: "Warning", message });
      if (!isNotFound(e)) result.warnings.push(`image ${image} not removed: ${message}`);
    }
  }
}

export interface PsEntry {
  name: string;
  service: string;
  number: number;
  state: string;
  health?: string;
  exitCode?: number;
  image: string;
  id: string;
}

/** The project's containers (one-off ones excluded), by service then number. */
export async function ps(project: Project | string, opts: RuntimeOptions = {}): Promise<PsEntry[]> {
  const name = typeof project === "string" ? project : project.name;
  return withEngine(opts, async (engine) => {
    const containers = await observeContainers(engine, name);
    return containers
      .filter((c) => !c.oneoff)
      .map((c) => ({
        name: c.name,
        service: c.service,
        number: c.number,
        state: c.state,
        health: c.health,
        exitCode: c.exitCode,
        image: c.image,
        id: c.id,
      }))
      .sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : a.number - b.number));
  });
}

export interface LogsOptions extends RuntimeOptions {
  follow?: boolean;
  tail?: number;
  timestamps?: boolean;
  onLine: (container: string, stream: "stdout" | "stderr", line: string) => void;
}

/** Stream logs of the services' containers (all services when `services` is empty). */
export async function logs(project: Project | string, services: string[], opts: LogsOptions): Promise<void> {
  const name = typeof project === "string" ? project : project.name;
  return withEngine(opts, async (engine) => {
    const wanted = new Set(services);
    const containers = (await observeContainers(engine, name)).filter(
      (c) => !c.oneoff && (wanted.size === 0 || wanted.has(c.service)),
    );
    await Promise.all(
      containers.map((c) =>
        engine.logs(
          c.id,
          { follow: Boolean(opts.follow), tail: opts.tail, timestamps: opts.timestamps },
          (stream, line) => opts.onLine(c.name, stream, line),
          opts.signal,
        ),
      ),
    );
  });
}
