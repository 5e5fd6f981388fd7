/**
 * Waiting for containers to reach a depends_on condition, driven by the engine's event stream:
 * one subscription per deploy, and a container is re-inspected only when an event about it
 * arrives (start, die, health_status…), never on a timer. A container that exits, restarts or turns
 * unhealthy fails the wait at once with its exit code, restart count, last health-check output and
 * log lines. A running container without a healthcheck is only judged started once it has run for
 * STABLE_RUN_MS (the one timer): a crash-looping one is running for an instant between restarts.
 */
import type { ContainerInspect, Engine, EngineEvent, EventSubscription } from "./engine.js";
import { isNotFound } from "./engine.js";
import { LABEL } from "./labels.js";
import { shortId } from "./short-id.js";

export type WaitCondition = "healthy" | "completed" | "running_or_healthy";

/** The awaited container failed the condition (exited, unhealthy, no healthcheck…). */
export class DependencyFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DependencyFailed";
  }
}

export class WaitTimeout extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WaitTimeout";
  }
}

/** `recheckAt`: running but not yet for long enough; judge again at that time (epoch ms). */
type Verdict = { done: true; error?: string } | { done: false; recheckAt?: number };

const HEALTH_OUTPUT_MAX = 2000;

/**
 * How long a container without a healthcheck must have run to count as started: longer than a
 * command that fails at once plus the engine's first restart delay (100 ms), so a crash loop is
 * seen restarting rather than caught running.
 */
export const STABLE_RUN_MS = 2000;

/**
 * Decide a condition from one inspect result. `first` is the first inspect of this wait: a
 * container restarted since then (new start time) is crash-looping even if running now.
 */
export function judge(
  info: ContainerInspect,
  condition: WaitCondition,
  now = Date.now(),
  first: ContainerInspect = info,
  lastExitCode?: number,
): Verdict {
  const name = info.Name.replace(/^\//, "");
  const state = info.State;
  const exited = state.Status === "exited" || state.Status === "dead";
  const restarted =
    state.Status === "restarting" ||
    (first.State.StartedAt !== undefined && state.StartedAt !== first.State.StartedAt && condition !== "completed");
  if (restarted) {
    return {
      done: true,
      error: `container ${name} is restarting${exitDetail(info, lastExitCode)}${lastHealthOutput(info)}`,
    };
  }
  if (condition === "completed") {
    if (!exited) return { done: false };
    return state.ExitCode === 0
      ? { done: true }
      : { done: true, error: `service ${serviceOf(info)} didn't complete successfully: exit ${state.ExitCode}` };
  }
  const health = state.Health;
  if (exited) {
    if (condition === "running_or_healthy" && state.ExitCode === 0 && !info.Config.Healthcheck) return { done: true };
    return { done: true, error: `container ${name} exited${exitDetail(info)}${lastHealthOutput(info)}` };
  }
  const noHealthcheck = !health || info.Config.Healthcheck?.Test?.[0] === "NONE";
  if (noHealthcheck) {
    if (condition !== "running_or_healthy")
      return { done: true, error: `container ${name} has no healthcheck configured` };
    if (state.Status !== "running") return { done: false };
    const stableAt = Date.parse(state.StartedAt ?? "") + STABLE_RUN_MS;
    return Number.isFinite(stableAt) && stableAt > now ? { done: false, recheckAt: stableAt } : { done: true };
  }
  switch (health.Status) {
    case "healthy":
      return { done: true };
    case "unhealthy":
      return { done: true, error: `container ${name} is unhealthy${exitDetail(info)}${lastHealthOutput(info)}` };
    default:
      return { done: false };
  }
}

function serviceOf(info: ContainerInspect): string {
  return info.Config.Labels?.[LABEL.service] ?? info.Name.replace(/^\//, "");
}

/** ` (exit 1, restarted 3 times)`: the last exit code and the engine's restart count, when known. */
function exitDetail(info: ContainerInspect, lastExitCode?: number): string {
  const parts: string[] = [];
  if (info.State.Status !== "running" || info.State.ExitCode !== 0) parts.push(`exit ${info.State.ExitCode}`);
  else if (lastExitCode !== undefined) parts.push(`exit ${lastExitCode}`);
  const restarts = info.RestartCount ?? 0;
  parts.push(`restarted ${restarts} time${restarts === 1 ? "" : "s"}`);
  return ` (${parts.join(", ")})`;
}

/** `: <output of the last health probe>`, trimmed, or "" when there is none. */
function lastHealthOutput(info: ContainerInspect): string {
  const log = info.State.Health?.Log ?? [];
  const last = log[log.length - 1];
  const out = last?.Output?.trim();
  if (!out) return "";
  const text = out.length > HEALTH_OUTPUT_MAX ? `${out.slice(0, HEALTH_OUTPUT_MAX)}…` : out;
  return `: last health check (exit ${last.ExitCode}): ${text}`;
}

/** A stop's wait for the container's process to exit; see ContainerWatcher.expectExit. */
export interface ExpectedExit {
  exited: Promise<void>;
  /** Resolve `exited` now and stop listening (the stop request has returned). */
  settle(): void;
}

export class ContainerWatcher {
  private readonly listeners = new Map<string, Set<() => void>>();
  /** Stops in flight: has the engine signalled the container yet, and what to call once it died. */
  private readonly exits = new Map<string, { killed: boolean; settle: () => void }>();
  /** Exit code of each container's last `die` event. */
  private readonly lastExitCodes = new Map<string, number>();
  private subscription: EventSubscription | undefined;
  private streamError: Error | undefined;

  constructor(
    private readonly engine: Engine,
    private readonly project: string,
  ) {}

  /** Open the event stream; waits registered afterwards miss nothing. */
  async start(): Promise<void> {
    if (this.subscription) return this.subscription.ready;
    this.subscription = this.engine.events(
      { type: ["container"], label: [`${LABEL.project}=${this.project}`] },
      (e) => this.dispatch(e),
      (err) => {
        this.streamError = err;
        for (const set of this.listeners.values()) for (const l of set) l();
      },
    );
    await this.subscription.ready;
  }

  close(): void {
    this.subscription?.close();
    this.subscription = undefined;
  }

  private dispatch(e: EngineEvent): void {
    // exec_create/exec_start/exec_die: three per health check or readiness probe, and none changes
    // the container's state (a health change has its own health_status event). Re-inspecting on
    // them would cost a starved engine one inspect per event of every container waited on.
    if (e.Action?.startsWith("exec_")) return;
    // A crash loop may be caught running again, when inspect shows exit 0: the die event kept the code.
    const exitCode = e.Action === "die" ? Number(e.Actor?.Attributes?.exitCode) : NaN;
    if (Number.isInteger(exitCode)) this.lastExitCodes.set(e.Actor.ID, exitCode);
    const set = this.listeners.get(e.Actor?.ID);
    if (set) for (const l of set) l();
    const exit = this.exits.get(e.Actor?.ID);
    if (exit && e.Action === "kill") exit.killed = true;
    else if (exit && e.Action === "die" && exit.killed) exit.settle();
  }

  /**
   * Call right before stopping a container: `exited` resolves once the engine reports that it
   * signalled the container and its process died (`kill`, then `die`). Moby sends `die` before it
   * releases the container's network and mounts, so well before the stop request returns (by
   * 0.1 s on an idle engine, 0.3 s under load). A `die` with no `kill` after this call (an exit of
   * its own, or an event from before) does not count; the caller settles on the stop's return then.
   */
  expectExit(containerId: string): ExpectedExit {
    let resolve!: () => void;
    const exited = new Promise<void>((r) => (resolve = r));
    const settle = () => {
      if (this.exits.get(containerId)?.settle === settle) this.exits.delete(containerId);
      resolve();
    };
    this.exits.set(containerId, { killed: false, settle });
    return { exited, settle };
  }

  /**
   * Resolve when the container meets `condition`; reject with DependencyFailed when it cannot any
   * more, WaitTimeout after `timeoutMs`, or an Error("interrupted") on abort.
   */
  waitFor(containerId: string, condition: WaitCondition, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let finished = false;
      let checking = false;
      let again = false;
      let timer: NodeJS.Timeout | undefined;
      let recheck: NodeJS.Timeout | undefined;
      let first: ContainerInspect | undefined;

      const finish = (err?: Error) => {
        if (finished) return;
        finished = true;
        const set = this.listeners.get(containerId);
        set?.delete(check);
        if (set && set.size === 0) this.listeners.delete(containerId);
        if (timer) clearTimeout(timer);
        if (recheck) clearTimeout(recheck);
        signal?.removeEventListener("abort", onAbort);
        if (err) reject(err);
        else resolve();
      };

      const check = () => {
        if (finished) return;
        if (checking) {
          again = true;
          return;
        }
        checking = true;
        void (async () => {
          try {
            do {
              again = false;
              let info: ContainerInspect;
              try {
                info = await this.engine.inspectContainer(containerId);
              } catch (e) {
                if (isNotFound(e)) return finish(new DependencyFailed(`container ${shortId(containerId)} was removed`));
                throw e;
              }
              first ??= info;
              const verdict = judge(info, condition, Date.now(), first, this.lastExitCodes.get(info.Id));
              if (verdict.done) {
                if (verdict.error) return finish(new DependencyFailed(verdict.error + (await this.tail(containerId))));
                return finish();
              }
              if (verdict.recheckAt !== undefined && !recheck) {
                recheck = setTimeout(
                  () => {
                    recheck = undefined;
                    check();
                  },
                  Math.max(0, verdict.recheckAt - Date.now()) + 10,
                );
              }
              if (this.streamError)
                return finish(new Error(`lost the engine event stream: ${this.streamError.message}`));
            } while (again && !finished);
          } catch (e) {
            finish(e instanceof Error ? e : new Error(String(e)));
          } finally {
            checking = false;
          }
        })();
      };

      const onAbort = () => finish(new Error("interrupted"));
      if (signal?.aborted) return onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });
      if (timeoutMs > 0 && Number.isFinite(timeoutMs)) {
        timer = setTimeout(
          () =>
            finish(
              new WaitTimeout(
                `timed out after ${Math.round(timeoutMs / 1000)}s waiting for container ${shortId(containerId)} to be ${condition.replace(/_/g, " ")}`,
              ),
            ),
          timeoutMs,
        );
      }
      let set = this.listeners.get(containerId);
      if (!set) this.listeners.set(containerId, (set = new Set()));
      set.add(check);
      check();
    });
  }

  /** The last log lines of a container, to explain why it failed. */
  private async tail(containerId: string): Promise<string> {
    const lines: string[] = [];
    try {
      await this.engine.logs(containerId, { follow: false, tail: 10 }, (_s, l) => lines.push(l));
    } catch {
      return "";
    }
    return lines.length ? `; last output:\n  ${lines.join("\n  ")}` : "";
  }
}
