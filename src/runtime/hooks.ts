/**
 * Lifecycle hooks (`post_start`, `pre_stop`): commands exec'd in the service's container right
 * after it starts and right before it is stopped, as Docker Compose runs them. A hook that exits
 * non-zero fails its container ("<service> post_start hook exited with status N"); its output is
 * shown line by line on the container's progress line.
 */
import type { MappingWithEquals, ServiceHook } from "../compose/model.js";
import type { Engine, ExecSpec } from "./engine.js";
import type { EventStatus } from "./events.js";

export type HookPhase = "post_start" | "pre_stop";

export interface HookTarget {
  id: string;
  /** Container name, for progress lines. */
  name: string;
  service: string;
}

/** Engine `Env` entries; a key without a value is passed bare, as Compose does. */
function execEnv(environment: MappingWithEquals | undefined): string[] | undefined {
  if (!environment) return undefined;
  return Object.entries(environment).map(([k, v]) => (v === null ? k : `${k}=${v}`));
}

export function execSpecOf(hook: ServiceHook): ExecSpec {
  const spec: ExecSpec = { Cmd: hook.command };
  if (hook.user !== undefined) spec.User = hook.user;
  if (hook.privileged !== undefined) spec.Privileged = hook.privileged;
  if (hook.working_dir !== undefined) spec.WorkingDir = hook.working_dir;
  const env = execEnv(hook.environment);
  if (env) spec.Env = env;
  return spec;
}

/** Runs `hooks` in order; the first failing one throws and the rest do not run. */
export async function runHooks(
  engine: Engine,
  target: HookTarget,
  phase: HookPhase,
  hooks: readonly ServiceHook[] | undefined,
  emit: (status: EventStatus, message: string) => void,
): Promise<void> {
  for (const hook of hooks ?? []) {
    emit("Hook", `${phase}: ${hook.command.join(" ")}`);
    const { exitCode } = await engine.exec(target.id, execSpecOf(hook), (_stream, line) => emit("Hook", line));
    if (exitCode !== 0) throw new Error(`${target.service} ${phase} hook exited with status ${exitCode}`);
  }
}
