/**
 * deploy.mode and replicas → ServiceMode (docker/cli convertDeployMode), and the restart
 * policy (convertRestartPolicy: deploy.restart_policy, else the service's `restart`).
 */
import { serviceScale } from "../../runtime/container-spec.js";
import { durationNanos, type ServiceContext } from "./context.js";
import { SwarmConvertError } from "./errors.js";
import type { RestartPolicy, ServiceMode } from "./types.js";

export type DeployMode = "replicated" | "global" | "replicated-job" | "global-job";

export function deployMode(ctx: ServiceContext): DeployMode {
  const mode = ctx.service.deploy?.mode ?? "replicated";
  if (mode === "replicated" || mode === "global" || mode === "replicated-job" || mode === "global-job") return mode;
  throw new SwarmConvertError(
    ctx.name,
    "deploy.mode",
    `unknown mode "${mode}" (replicated, global, replicated-job or global-job)`,
  );
}

export function isJob(mode: DeployMode): boolean {
  return mode === "replicated-job" || mode === "global-job";
}

/** Replicas the file asks for: `scale` wins over deploy.replicas (compose-go); undefined when unset. */
function askedReplicas(ctx: ServiceContext): number | undefined {
  const s = ctx.service;
  return typeof s.scale === "number" || typeof s.deploy?.replicas === "number" ? serviceScale(s) : undefined;
}

export function serviceMode(ctx: ServiceContext, mode: DeployMode): ServiceMode {
  const replicas = askedReplicas(ctx);
  switch (mode) {
    case "global":
    case "global-job":
      if (replicas !== undefined) {
        throw new SwarmConvertError(ctx.name, "deploy.replicas", `cannot be used with mode ${mode}`);
      }
      return mode === "global" ? { Global: {} } : { GlobalJob: {} };
    case "replicated-job":
      return { ReplicatedJob: { MaxConcurrent: replicas ?? 1, TotalCompletions: replicas ?? 1 } };
    default:
      return { Replicated: { Replicas: replicas ?? 1 } };
  }
}

const CONDITIONS = new Set(["none", "on-failure", "any"]);

export function restartPolicy(ctx: ServiceContext, mode: DeployMode): RestartPolicy | undefined {
  const rp = ctx.service.deploy?.restart_policy;
  if (rp) {
    const out: RestartPolicy = {};
    if (rp.condition) {
      if (!CONDITIONS.has(rp.condition)) {
        throw new SwarmConvertError(
          ctx.name,
          "deploy.restart_policy.condition",
          `unknown condition "${rp.condition}" (none, on-failure or any)`,
        );
      }
      out.Condition = rp.condition as RestartPolicy["Condition"];
    }
    if (rp.delay) out.Delay = durationNanos(rp.delay);
    if (rp.max_attempts !== undefined) out.MaxAttempts = rp.max_attempts;
    if (rp.window) out.Window = durationNanos(rp.window);
    return out;
  }
  // A job that completed must not start again: `docker service create` defaults jobs to on-failure.
  return legacyRestart(ctx) ?? (isJob(mode) ? { Condition: "on-failure" } : undefined);
}

/**
 * `restart:` mapped as docker/cli does (always/unless-stopped → any, on-failure[:n] →
 * on-failure), except `no`: docker stack drops it and Swarm then restarts always; c2ts sends
 * `none`, which is what the file says.
 */
function legacyRestart(ctx: ServiceContext): RestartPolicy | undefined {
  const restart = ctx.service.restart;
  if (!restart) return undefined;
  const [name, count] = restart.split(":");
  const attempts = count ? Number.parseInt(count, 10) : 0;
  const max = attempts > 0 ? { MaxAttempts: attempts } : {};
  switch (name) {
    case "no":
      return { Condition: "none" };
    case "always":
    case "unless-stopped":
      return { Condition: "any", ...max };
    case "on-failure":
      return { Condition: "on-failure", ...max };
    default:
      throw new SwarmConvertError(ctx.name, "restart", `unknown restart policy "${restart}"`);
  }
}
