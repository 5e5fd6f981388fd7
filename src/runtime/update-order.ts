/**
 * Planning `deploy.update_config.order` (pure): which recreates of a service may run start-first
 * (the new container beside the old one, Swarm's order, honoured here on a plain engine) and which
 * fall back to stop-first, with the reason the plan shows. start-first needs two containers to
 * coexist, so a fixed `container_name` or published host ports rule it out; it never half-applies.
 */
import type { Project, ServiceConfig } from "../compose/model.js";
import { containerName } from "./container-spec.js";
import { UserError } from "../compose/errors.js";
import { parseDuration } from "../compose/durations.js";
import type { Observed, ObservedContainer } from "./observe.js";
import type { Operation } from "./plan.js";

export interface UpdateConfig {
  order: "start-first" | "stop-first";
  /** Containers replaced at once; 0 means all. */
  parallelism: number;
  /** Pause between batches (ms). */
  delayMs: number;
  /** How long a new container without a healthcheck must stay running (ms). */
  monitorMs: number;
  /** Time the old container keeps its address, out of DNS, for requests already resolved or in flight (ms). */
  drainMs: number;
}

const DEFAULT_MONITOR_MS = 5_000;
/** Where the drain time lives: `x-c2ts: { drain_period: 5s }` on the service. */
export const DRAIN_EXTENSION = "x-c2ts";
export const DRAIN_SETTING = "drain_period";
const DEFAULT_DRAIN_MS = 1_000;

function durationMs(value: unknown, path: string, fallback: number): number {
  if (value === undefined || value === null || value === "") return fallback;
  try {
    return Number(parseDuration(String(value)) / 1_000_000n);
  } catch {
    throw new UserError(`invalid duration "${String(value)}"`, { path });
  }
}

/**
 * A service's update_config with Compose's defaults (order stop-first, parallelism 1, no delay,
 * monitor 5 s), and c2ts's drain time (`x-c2ts.drain_period`, default 1 s).
 */
export function updateConfig(name: string, service: ServiceConfig): UpdateConfig {
  const raw = (service.deploy?.update_config ?? {}) as Record<string, unknown>;
  const path = `services.${name}.deploy.update_config`;
  const order = raw.order ?? "stop-first";
  if (order !== "start-first" && order !== "stop-first")
    throw new UserError(`order must be start-first or stop-first (got "${String(order)}")`, { path: `${path}.order` });
  const parallelism = raw.parallelism === undefined ? 1 : Number(raw.parallelism);
  return {
    order,
    parallelism: Number.isFinite(parallelism) && parallelism >= 0 ? parallelism : 1,
    delayMs: durationMs(raw.delay, `${path}.delay`, 0),
    // Compose's monitor default (5 s, Swarm's) counts from the start; "0" would mean no check at all.
    monitorMs: durationMs(raw.monitor, `${path}.monitor`, DEFAULT_MONITOR_MS) || DEFAULT_MONITOR_MS,
    drainMs: Math.max(
      0,
      durationMs(drainSetting(service), `services.${name}.${DRAIN_EXTENSION}.${DRAIN_SETTING}`, DEFAULT_DRAIN_MS),
    ),
  };
}

function drainSetting(service: ServiceConfig): unknown {
  const ext: unknown = service[DRAIN_EXTENSION];
  return ext && typeof ext === "object" && !Array.isArray(ext)
    ? (ext as Record<string, unknown>)[DRAIN_SETTING]
    : undefined;
}

/** Why start-first cannot replace `old` of this service, or undefined when it can. */
export function startFirstObstacle(service: ServiceConfig, old: ObservedContainer | undefined): string | undefined {
  if (service.container_name) return `container_name "${service.container_name}" cannot be held by two containers`;
  const published = (service.ports ?? []).filter((p) => p.published !== undefined && p.published !== "");
  if (published.length)
    return `published host port${published.length > 1 ? "s" : ""} ${published.map((p) => p.published).join(", ")} cannot be held by two containers`;
  const fixed = Object.entries(service.networks ?? {}).find(([, n]) => n?.ipv4_address || n?.ipv6_address);
  if (fixed) return `a fixed address on network ${fixed[0]} cannot be held by two containers`;
  const mode = service.network_mode;
  if (mode === "host" || mode?.startsWith("container:") || mode?.startsWith("service:"))
    return `network_mode ${mode} gives both containers one network stack`;
  if (old && old.state !== "running") return `the old container is ${old.state}, not serving`;
  return undefined;
}

/**
 * Applies the service's update order to its planned container operations. A start-first recreate
 * gets the next free container number (as Compose's scale does), so the new container can run
 * beside the old one; `update` says how each recreate runs and, on a fallback, why.
 */
export function planUpdateOrder(project: Project, name: string, observed: Observed, ops: Operation[]): Operation[] {
  const service = project.services[name];
  const config = updateConfig(name, service);
  if (config.order !== "start-first") return ops;
  let next =
    Math.max(
      0,
      ...observed.containers.filter((c) => c.service === name).map((c) => c.number),
      ...ops.map((o) => ("number" in o ? o.number : 0)),
    ) + 1;
  return ops.map((op) => {
    if (op.kind !== "recreate-container") return op;
    const old = observed.containers.find((c) => c.id === op.containerId);
    const obstacle = startFirstObstacle(service, old);
    if (obstacle) return { ...op, update: `stop-first: start-first is not possible, ${obstacle}` };
    const number = next++;
    const newName = containerName(project, name, number);
    return {
      ...op,
      number,
      name: newName,
      startFirst: true,
      update: `start-first: ${newName} starts beside ${old?.name ?? op.name}, which goes once it is healthy`,
    };
  });
}
