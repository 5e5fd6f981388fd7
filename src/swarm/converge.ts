/**
 * Waiting for a service to converge: every task it should run is running (a task with a health
 * check only reaches "running" once healthy, so running tasks are healthy ones), jobs have
 * completed, and an update the manager is rolling out has finished. Task changes are reported as
 * they happen (node, state, health). A rollback, a paused update or a service whose new tasks keep
 * failing ends the wait with the failing task's error and its last health check output.
 *
 * An update is waited for until the manager marks it "completed", which Swarm does `monitor`
 * (default 5 s) after the last new task runs: until then a failing task still rolls it back, so
 * reporting success earlier could report an update that is then undone. docker's own progress
 * watcher (cli/command/service/progress) waits the same window of stable tasks.
 */
import type { DeployEvent, EventStatus } from "../runtime/events.js";
import type { SwarmApi, SwarmService, SwarmTask } from "./api.js";

export interface ConvergeOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  pollMs?: number;
  /** The service version our update produced: the manager's update status must be newer and completed. */
  updatedAtVersion?: number;
  /** Swarm node ID → the node's name, for progress. */
  nodeNames: Record<string, string>;
  /** Failed tasks before this time (ms) belong to earlier deploys. */
  since: number;
  emit: (e: DeployEvent) => void;
}

export class ConvergeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConvergeError";
  }
}

/** Fresh tasks failing this many times in a row mean the service cannot start. */
const MAX_NEW_FAILURES = 3;
const FAILED = new Set(["failed", "rejected"]);
/** How long a task may stay unschedulable before the deploy reports it. */
const UNSCHEDULABLE_GRACE_MS = 10_000;

function isJob(s: SwarmService): boolean {
  return Boolean(s.Spec.Mode.ReplicatedJob ?? s.Spec.Mode.GlobalJob);
}

function hasHealthcheck(s: SwarmService): boolean {
  const test = s.Spec.TaskTemplate.ContainerSpec.Healthcheck?.Test;
  return Boolean(test?.length && test[0] !== "NONE");
}

function taskName(s: SwarmService, t: SwarmTask, nodeNames: Record<string, string>): string {
  return t.Slot ? `${s.Spec.Name}.${t.Slot}` : `${s.Spec.Name}.${nodeNames[t.NodeID ?? ""] ?? t.NodeID ?? "?"}`;
}

function taskStatus(s: SwarmService, t: SwarmTask): { status: EventStatus; health?: string } {
  const state = t.Status.State;
  if (FAILED.has(state)) return { status: "Error" };
  if (state === "complete") return { status: "Exited" };
  if (state === "running") return hasHealthcheck(s) ? { status: "Healthy", health: "healthy" } : { status: "Running" };
  if (state === "starting") return { status: "Starting", health: hasHealthcheck(s) ? "starting" : undefined };
  if (state === "shutdown") return { status: "Stopped" };
  return { status: "Waiting" };
}

function wanted(s: SwarmService, tasks: SwarmTask[]): SwarmTask[] {
  return tasks.filter((t) => t.DesiredState === "running" || t.DesiredState === "complete");
}

/** Whether the tasks show the service at its goal (ignoring update state). */
function tasksReady(s: SwarmService, tasks: SwarmTask[]): boolean {
  const live = wanted(s, tasks);
  const mode = s.Spec.Mode;
  if (mode.ReplicatedJob) {
    const total = mode.ReplicatedJob.TotalCompletions ?? mode.ReplicatedJob.MaxConcurrent ?? 1;
    return tasks.filter((t) => t.Status.State === "complete").length >= total;
  }
  if (mode.GlobalJob) return live.length > 0 && live.every((t) => t.Status.State === "complete");
  const running = live.filter((t) => t.DesiredState === "running" && t.Status.State === "running");
  if (mode.Replicated) return running.length === mode.Replicated.Replicas && live.length === running.length;
  return live.length > 0 && running.length === live.length;
}

function timeOf(t: SwarmTask): number {
  return Date.parse(t.Status.Timestamp ?? t.CreatedAt ?? "") || 0;
}

/** The newest failed task since `since`: its error, node, and last health output when the container can be read. */
export async function failureDetail(
  api: SwarmApi,
  s: SwarmService,
  tasks: SwarmTask[],
  since: number,
  nodeNames: Record<string, string>,
): Promise<string | undefined> {
  // A failed task says why; else the newest task that ended since (e.g. stopped as unhealthy).
  const recent = tasks
    .filter((t) => timeOf(t) >= since && !(t.DesiredState === "running" && t.Status.State === "running"))
    .sort((a, b) => timeOf(b) - timeOf(a));
  // A task that ran and failed says more than one that only waited for a node (a pending task's
  // Err, e.g. a host port still held by the old task during a stop-first update).
  const failed =
    recent.find((t) => FAILED.has(t.Status.State)) ??
    recent.find((t) => t.DesiredState === "shutdown" && t.Status.ContainerStatus?.ContainerID) ??
    recent.find((t) => t.Status.Err);
  if (!failed) return undefined;
  const node = nodeNames[failed.NodeID ?? ""] ?? failed.NodeID ?? "?";
  let text = `task ${taskName(s, failed, nodeNames)} on ${node}: ${failed.Status.Err ?? failed.Status.Message ?? failed.Status.State}`;
  const container = failed.Status.ContainerStatus?.ContainerID;
  if (container) {
    try {
      const info = await api.engine.inspectContainer(container);
      const last = info.State.Health?.Log?.at(-1);
      if (last) text += `; last health check (exit ${last.ExitCode}): ${last.Output.trim() || "(no output)"}`;
    } catch {
      // The task ran on another node: its container is not readable through this engine.
    }
  }
  return text;
}

export async function waitConverged(api: SwarmApi, serviceId: string, options: ConvergeOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  const seen = new Map<string, string>();
  const unschedulableSince = new Map<string, number>();
  let failure: string | undefined;
  for (;;) {
    if (options.signal?.aborted) throw new ConvergeError("interrupted");
    const [s, tasks] = await Promise.all([api.inspectService(serviceId), api.listTasks({ service: [serviceId] })]);
    for (const t of wanted(s, tasks).concat(
      tasks.filter((t) => FAILED.has(t.Status.State) && timeOf(t) >= options.since),
    )) {
      const { status, health } = taskStatus(s, t);
      const node = options.nodeNames[t.NodeID ?? ""] ?? (t.NodeID ? t.NodeID.slice(0, 12) : "unassigned");
      const message = [`node ${node}`, t.Status.State, health ? `health ${health}` : "", t.Status.Err ?? ""]
        .filter(Boolean)
        .join(", ");
      const key = `${status}|${message}`;
      if (seen.get(t.ID) === key) continue;
      seen.set(t.ID, key);
      options.emit({
        time: Date.now(),
        resource: "task",
        name: taskName(s, t, options.nodeNames),
        service: s.Spec.Name,
        status,
        message,
      });
    }

    // Only an update status newer than our own update speaks about it; an older one (a rollback
    // of an earlier deploy) says nothing about a service this deploy left alone.
    const ours = options.updatedAtVersion !== undefined && s.Version.Index > options.updatedAtVersion;
    const update = ours ? s.UpdateStatus?.State : undefined;
    // A rollback is reported once the previous version serves again (its tasks ready), so that
    // deploy's failure means "the old version is back", not "the old version is on its way".
    // The failing task's detail is read as soon as the rollback starts, while its container (and
    // so its last health output) still exists.
    if (update?.startsWith("rollback") || update === "paused") {
      failure ??= await failureDetail(api, s, tasks, options.since, options.nodeNames);
    }
    const rollbackSettling = update === "rollback_completed" && !tasksReady(s, tasks) && Date.now() <= deadline;
    if (!rollbackSettling && (update === "rollback_completed" || update === "rollback_paused" || update === "paused")) {
      const detail = failure ?? (await failureDetail(api, s, tasks, options.since, options.nodeNames));
      const what = update === "paused" ? "update paused" : "update failed and was rolled back";
      throw new ConvergeError(`${what}: ${s.UpdateStatus?.Message ?? ""}${detail ? ` — ${detail}` : ""}`);
    }
    const updateDone = options.updatedAtVersion === undefined || update === "completed";
    if (updateDone && update !== "updating" && update !== "rollback_started" && tasksReady(s, tasks)) return;

    if (options.updatedAtVersion === undefined || update === "completed") {
      const fresh = tasks.filter((t) => FAILED.has(t.Status.State) && timeOf(t) >= options.since);
      if (
        fresh.length >= MAX_NEW_FAILURES ||
        (isJob(s) && fresh.length > 0 && s.Spec.TaskTemplate.RestartPolicy?.Condition === "none")
      ) {
        const detail = await failureDetail(api, s, tasks, options.since, options.nodeNames);
        throw new ConvergeError(`tasks keep failing${detail ? ` — ${detail}` : ""}`);
      }
    }
    // A task the scheduler cannot place (no node satisfies constraints, ports, resources) stays
    // pending with the reason in Err; after a grace period that is the answer.
    for (const t of wanted(s, tasks)) {
      if (t.Status.State !== "pending" || !t.Status.Err) {
        unschedulableSince.delete(t.ID);
        continue;
      }
      const first = unschedulableSince.get(t.ID) ?? Date.now();
      unschedulableSince.set(t.ID, first);
      if (Date.now() - first > UNSCHEDULABLE_GRACE_MS)
        throw new ConvergeError(`task ${taskName(s, t, options.nodeNames)} cannot be scheduled: ${t.Status.Err}`);
    }
    if (Date.now() > deadline) {
      const detail = await failureDetail(api, s, tasks, options.since, options.nodeNames);
      throw new ConvergeError(
        `not converged after ${Math.round(options.timeoutMs / 1000)}s${detail ? ` — ${detail}` : ""}`,
      );
    }
    await new Promise((r) => setTimeout(r, options.pollMs ?? 250));
  }
}
