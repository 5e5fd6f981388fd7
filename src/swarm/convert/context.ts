/** What every per-concept converter of one service gets: the input, the service, and a warning sink. */
import type { Project, ServiceConfig } from "../../compose/model.js";
import { parseDuration } from "../../compose/durations.js";
import { apiAtLeast } from "../../runtime/engine.js";
import type { SwarmConvertInput, SwarmWarning } from "./types.js";

/** Engine API version assumed when the caller gives none: every field is sent. */
export const LATEST_API = "1.51";

export interface ServiceContext {
  input: SwarmConvertInput;
  project: Project;
  namespace: string;
  /** Compose service key. */
  name: string;
  service: ServiceConfig;
  apiVersion: string;
  warn: (field: string, reason: string) => void;
}

export function serviceContext(input: SwarmConvertInput, name: string, warnings: SwarmWarning[]): ServiceContext {
  return {
    input,
    project: input.project,
    namespace: input.projectName,
    name,
    service: input.project.services[name]!,
    apiVersion: input.apiVersion ?? LATEST_API,
    warn: (field, reason) => warnings.push({ service: name, field, reason }),
  };
}

/** True when the engine speaks `wanted`; otherwise warns that `field` is dropped. */
export function requireApi(ctx: ServiceContext, field: string, wanted: string): boolean {
  if (apiAtLeast(ctx.apiVersion, wanted)) return true;
  ctx.warn(field, `needs Engine API ${wanted} for Swarm services (engine speaks ${ctx.apiVersion}); ignored`);
  return false;
}

/** Go duration text → nanoseconds as the Engine API takes them. */
export function durationNanos(duration: string): number {
  return Number(parseDuration(duration));
}
