/**
 * Waiting for containers to reach a depends_on condition, driven by the engine's event stream:
 * one subscription per deploy, and a container is re-inspected only when an event about it
 * arrives (start, die, health_status…), never on a timer. A container that exits or turns
 * unhealthy fails the wait at once with its last health-check output or log lines.
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

type Verdict = { done: true; error?: string } | { done: false };

const HEALTH_OUTPUT_MAX = 2000;

/** Decide a condition from one inspect result. */
export function judge(info: ContainerInspect, condition: WaitCondition): Verdict {
  const name = info.Name.replace(/^\//, "");
  const state = info.State;
  const exited = state.Status === "exited" || state.Status === "dead";
  if (condition === "completed") {
    if (!exited) return { done: false };
    return state.ExitCode === 0
      ? { done: true }
      : { done: true, error: `service ${serviceOf(info)} didn't complete successfully: exit ${state.ExitCode}` };
  }
  const health = state.Health;
  if (exited) {
    if (condition === "running_or_healthy" && state.ExitCode === 0 && !info.Config.Healthcheck) return { done: true };
    return { done: true, error: `container ${name} exited (${state.ExitCode})${lastHealthOutput(info)}` };
  }
  const noHealthcheck = !health || info.Config.Healthcheck?.Test?.[0] === "NONE";
  if (noHealthcheck) {
    if (condition === "running_or_healthy") return state.Status === "running" ? { done: true } : { done: false };
    return { done: true, error: `container ${name} has no healthcheck configured` };
  }
  switch (health.Status) {
    case "healthy":
      return { done: true };
    case "unhealthy":
      return { done: true, error: `container ${name} is unhealthy${lastHealthOutput(info)}` };
    default:
      return { done: false };
  }
}

function serviceOf(info: ContainerInspect): string {
  return info.Config.Labels?.[LABEL.service] ?? info.Name.replace(/^\//, "");
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

export class ContainerWatcher {
  private readonly listeners = new Map<string, Set<() => void>>();
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
    const set = this.listeners.get(e.Actor?.ID);
    if (set) for (const l of set) l();
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

      const finish = (err?: Error) => {
        if (finished) return;
        finished = true;
        const set = this.listeners.get(containerId);
        set?.delete(check);
        if (set && set.size === 0) this.listeners.delete(containerId);
        if (timer) clearTimeout(timer);
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
              const verdict = judge(info, condition);
              if (verdict.done) {
                if (verdict.error) {
                  const detail = condition === "completed" ? await this.tail(containerId) : "";
                  return finish(new DependencyFailed(verdict.error + detail));
                }
                return finish();
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
