/**
 * Readiness probing: right after a container starts, c2ts runs the container's own healthcheck
 * test itself (engine exec, with the container's user and working directory; exec inherits its
 * environment), backing off 100 ms, 200 ms, 400 ms… up to the healthcheck's interval. The first
 * pass releases the container's dependents without waiting a whole `interval` for the engine's
 * first check. The engine's health status is left alone: it still turns healthy (or unhealthy) on
 * its own clock, and a container whose test never passes fails through it, as before.
 */
import type { Project } from "../compose/model.js";
import type { ContainerInspect, Engine, ExecSpec } from "./engine.js";
import { EngineError } from "./engine.js";
import type { ContainerWatcher, WaitCondition } from "./wait.js";

/** Where the switch lives: `x-c2ts: { readiness_probe: false }` at the top level or on a service. */
export const PROBE_EXTENSION = "x-c2ts";
export const PROBE_SETTING = "readiness_probe";

const FIRST_DELAY_MS = 100;
/** The engine's defaults when a healthcheck leaves them unset (30 s each). */
const DEFAULT_INTERVAL_MS = 30_000;
const DEFAULT_TIMEOUT_MS = 30_000;

/** Is probing on for `service`? Off when `--no-probe` or an `x-c2ts.readiness_probe: false` says so. */
export function probeEnabled(project: Project, service: string, disabledByFlag: boolean): boolean {
  if (disabledByFlag) return false;
  const setting = (ext: unknown): unknown =>
    ext && typeof ext === "object" && !Array.isArray(ext) ? (ext as Record<string, unknown>)[PROBE_SETTING] : undefined;
  const own = setting(project.services[service]?.[PROBE_EXTENSION]);
  if (own !== undefined) return own !== false && own !== "false";
  const top = setting(project[PROBE_EXTENSION]);
  return top !== false && top !== "false";
}

/** The exec that runs a container's healthcheck test as the engine would; undefined when it has none. */
export function probeExecSpec(info: ContainerInspect): ExecSpec | undefined {
  const test = info.Config.Healthcheck?.Test;
  if (!test || test.length === 0) return undefined;
  const [kind, ...rest] = test;
  let cmd: string[];
  if (kind === "CMD") cmd = rest;
  else if (kind === "CMD-SHELL") {
    const shell =
      Array.isArray(info.Config.Shell) && info.Config.Shell.length
        ? (info.Config.Shell as string[])
        : ["/bin/sh", "-c"];
    cmd = [...shell, rest.join(" ")];
  } else return undefined; // NONE, or a form the engine would not run
  if (cmd.length === 0) return undefined;
  const spec: ExecSpec = { Cmd: cmd };
  if (typeof info.Config.User === "string" && info.Config.User) spec.User = info.Config.User;
  if (typeof info.Config.WorkingDir === "string" && info.Config.WorkingDir) spec.WorkingDir = info.Config.WorkingDir;
  return spec;
}

/** The delays between attempts: 100 ms doubling, capped at `intervalMs`. */
export function probeDelays(intervalMs: number): () => number {
  let next = FIRST_DELAY_MS;
  return () => {
    const d = Math.min(next, intervalMs);
    next = Math.min(next * 2, intervalMs);
    return d;
  };
}

function nanosToMs(ns: number | undefined, fallback: number): number {
  return ns && ns > 0 ? ns / 1e6 : fallback;
}

/**
 * One probe per container per deploy, shared by all its dependents. `passed(id)` resolves once the
 * test passes and otherwise stays pending: the engine's own status decides failures, so callers
 * race it against their event-driven wait. close() stops every probe.
 */
export class ReadinessProbes {
  private readonly probes = new Map<string, Promise<void>>();
  private readonly stopped = new AbortController();

  constructor(private readonly engine: Engine) {}

  passed(containerId: string): Promise<void> {
    let p = this.probes.get(containerId);
    if (!p) {
      p = this.probe(containerId);
      this.probes.set(containerId, p);
    }
    return p;
  }

  close(): void {
    this.stopped.abort();
  }

  private async probe(containerId: string): Promise<void> {
    let info: ContainerInspect;
    try {
      info = await this.engine.inspectContainer(containerId);
    } catch {
      return this.never();
    }
    const spec = probeExecSpec(info);
    if (!spec || info.State.Health?.Status === "healthy") return spec ? undefined : this.never();
    const hc = info.Config.Healthcheck!;
    const delay = probeDelays(nanosToMs(hc.Interval, DEFAULT_INTERVAL_MS));
    const timeoutMs = nanosToMs(hc.Timeout, DEFAULT_TIMEOUT_MS);
    while (!this.stopped.signal.aborted) {
      const outcome = await this.attempt(containerId, spec, timeoutMs);
      if (outcome === "passed") return;
      if (outcome === "gone") return this.never();
      await this.sleep(delay());
    }
    return this.never();
  }

  /** One run of the test: passed, failed (try again) or gone (the container no longer runs). */
  private async attempt(id: string, spec: ExecSpec, timeoutMs: number): Promise<"passed" | "failed" | "gone"> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<"failed">((resolve) => {
      timer = setTimeout(() => resolve("failed"), timeoutMs);
    });
    const run = this.engine
      .exec(id, spec, () => {})
      .then(
        ({ exitCode }) => (exitCode === 0 ? ("passed" as const) : ("failed" as const)),
        // 404: removed; 409: not running (exited, restarting, paused). Anything else: try again.
        (e: unknown) =>
          e instanceof EngineError && (e.statusCode === 404 || e.statusCode === 409)
            ? ("gone" as const)
            : ("failed" as const),
      );
    try {
      return await Promise.race([run, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  private sleep(ms: number): Promise<void> {
    const signal = this.stopped.signal;
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener("abort", done, { once: true });
    });
  }

  /** A probe that cannot decide: leaves the verdict to the engine's status. */
  private never(): Promise<void> {
    return new Promise(() => {});
  }
}

/**
 * The engine's verdict on `condition`, raced (for `healthy`, when `probes` is given) against the
 * readiness probe: whichever says ready first wins; failures come from the engine. True when the probe won.
 */
export async function waitOrProbe(w: {
  watcher: ContainerWatcher;
  probes: ReadinessProbes | undefined;
  id: string;
  condition: WaitCondition;
  timeoutMs: number;
  signal?: AbortSignal;
}): Promise<boolean> {
  if (w.condition !== "healthy" || !w.probes) {
    await w.watcher.waitFor(w.id, w.condition, w.timeoutMs, w.signal);
    return false;
  }
  // The engine wait listens to its own signal: aborted when the deploy is, or when the probe wins.
  const settled = new AbortController();
  const stop = () => settled.abort();
  w.signal?.addEventListener("abort", stop, { once: true });
  if (w.signal?.aborted) settled.abort();
  try {
    const engineWait = w.watcher.waitFor(w.id, w.condition, w.timeoutMs, settled.signal).then(() => false);
    const won = await Promise.race([engineWait, w.probes.passed(w.id).then(() => true)]);
    if (won) {
      engineWait.catch(() => {}); // rejected by the abort below; nothing to report
      settled.abort();
    }
    return won;
  } finally {
    w.signal?.removeEventListener("abort", stop);
  }
}
