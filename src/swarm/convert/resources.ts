/**
 * deploy.resources → the task's Resources (docker/cli convertResources), generic resources
 * included. The service-level forms (cpus, mem_limit, mem_reservation, pids_limit), which
 * docker stack ignores, fill in what deploy.resources leaves unset, as Compose does for containers.
 */
import { requireApi, type ServiceContext } from "./context.js";
import { SwarmConvertError } from "./errors.js";
import type { GenericResource, Limit, Reservation, TaskSpec } from "./types.js";

interface GenericResourceInput {
  discrete_resource_spec?: { kind?: string; value?: number };
  named_resource_spec?: { kind?: string; value?: string };
}

/** `"0.5"` or 0.5 CPUs → nanoCPUs (opts.ParseCPUs). */
function nanoCpus(ctx: ServiceContext, field: string, cpus: string | number | undefined): number | undefined {
  if (cpus === undefined || cpus === "") return undefined;
  const n = Number(cpus);
  if (!Number.isFinite(n) || n < 0) throw new SwarmConvertError(ctx.name, field, `invalid CPU count ${String(cpus)}`);
  return Math.round(n * 1e9);
}

export function swarmResources(ctx: ServiceContext): TaskSpec["Resources"] | undefined {
  const s = ctx.service;
  const res = s.deploy?.resources;
  const limits: Limit = {};
  const lim = res?.limits as { cpus?: string | number; memory?: number; pids?: number } | undefined;
  const cpus = nanoCpus(ctx, "deploy.resources.limits.cpus", lim?.cpus) ?? nanoCpus(ctx, "cpus", s.cpus);
  if (cpus) limits.NanoCPUs = cpus;
  const memory = lim?.memory || s.mem_limit;
  if (memory) limits.MemoryBytes = memory;
  const pids = lim?.pids || s.pids_limit;
  if (pids && pids > 0 && requireApi(ctx, lim?.pids ? "deploy.resources.limits.pids" : "pids_limit", "1.41")) {
    limits.Pids = pids;
  }

  const reservations: Reservation = {};
  const rsv = res?.reservations as
    | { cpus?: string | number; memory?: number; devices?: unknown[]; generic_resources?: GenericResourceInput[] }
    | undefined;
  const rcpus = nanoCpus(ctx, "deploy.resources.reservations.cpus", rsv?.cpus);
  if (rcpus) reservations.NanoCPUs = rcpus;
  const rmem = rsv?.memory || s.mem_reservation;
  if (rmem) reservations.MemoryBytes = rmem;
  const generic = (rsv?.generic_resources ?? []).map((g, i) => genericResource(ctx, g, i));
  if (generic.length) reservations.GenericResources = generic;
  if (rsv?.devices?.length) {
    ctx.warn(
      "deploy.resources.reservations.devices",
      "Swarm has no device requests; advertise the devices as node generic resources and reserve generic_resources instead; ignored",
    );
  }

  const out: NonNullable<TaskSpec["Resources"]> = {};
  if (Object.keys(limits).length) out.Limits = limits;
  if (Object.keys(reservations).length) out.Reservations = reservations;
  return Object.keys(out).length ? out : undefined;
}

function genericResource(ctx: ServiceContext, g: GenericResourceInput, i: number): GenericResource {
  const field = `deploy.resources.reservations.generic_resources[${i}]`;
  if (g.discrete_resource_spec?.kind) {
    return {
      DiscreteResourceSpec: { Kind: g.discrete_resource_spec.kind, Value: g.discrete_resource_spec.value ?? 0 },
    };
  }
  if (g.named_resource_spec?.kind) {
    return { NamedResourceSpec: { Kind: g.named_resource_spec.kind, Value: g.named_resource_spec.value ?? "" } };
  }
  throw new SwarmConvertError(ctx.name, field, "needs discrete_resource_spec or named_resource_spec with a kind");
}
