/**
 * The Swarm plan is pure, like the engine one: (project, converted stack, what the manager holds) →
 * the operations that converge the swarm, each with a reason, updates with a field-by-field diff.
 * It speaks the runtime's vocabulary (create-network, remove-volume, …) and adds the kinds only a
 * swarm has: services, and secret/config versions.
 */
import type { Project } from "../compose/model.js";
import { UserError } from "../compose/errors.js";
import type { FieldChange } from "../runtime/diff.js";
import { dependencyGraph, topologicalOrder, withDependencies } from "../runtime/graph.js";
import type { Operation } from "../runtime/plan.js";
import type { SwarmSecret } from "./api.js";
import type { ServiceSpec, SwarmStackSpec } from "./convert/types.js";
import type { SwarmObserved } from "./observe.js";
import { diffServiceSpecs } from "./spec-diff.js";
import { STACK_LABEL } from "./convert/names.js";

export type SwarmOperation =
  | Extract<Operation, { kind: "create-network" | "remove-network" | "remove-volume" }>
  | { kind: "create-secret"; key: string; name: string; reason: string }
  | { kind: "create-config"; key: string; name: string; reason: string }
  | { kind: "remove-secret"; name: string; id: string; reason: string }
  | { kind: "remove-config"; name: string; id: string; reason: string }
  | { kind: "create-service"; service: string; name: string; reason: string }
  | {
      kind: "update-service";
      service: string;
      name: string;
      serviceId: string;
      reason: string;
      changes: FieldChange[];
    }
  | { kind: "remove-service"; service: string; name: string; serviceId: string; reason: string };

export interface SwarmPlan {
  project: string;
  operations: SwarmOperation[];
  warnings: string[];
  /** Services the plan covers (selection plus dependencies), dependencies first. */
  order: string[];
}

export interface SwarmPlanOptions {
  services?: string[];
  removeOrphans?: boolean;
  /** Update every service even when its spec is unchanged (its tasks are replaced). */
  force?: boolean;
}

export function planSwarmDeploy(
  project: Project,
  stack: SwarmStackSpec,
  observed: SwarmObserved,
  options: SwarmPlanOptions = {},
): SwarmPlan {
  for (const s of options.services ?? []) {
    if (!project.services[s]) throw new UserError(`no such service: ${s}`, { path: `services.${s}` });
  }
  const graph = dependencyGraph(project);
  const selected = options.services?.length
    ? withDependencies(graph, options.services)
    : new Set(Object.keys(project.services));
  const order = topologicalOrder(graph).filter((s) => selected.has(s) && stack.services[s]);
  const ops: SwarmOperation[] = [];
  const warnings = stack.warnings.map((w) => `service "${w.service}": ${w.field}: ${w.reason}`);

  for (const [key, name] of Object.entries(stack.externalNetworks)) {
    if (!observed.networks[name])
      throw new UserError(`network ${name} declared as external, but could not be found`, { path: `networks.${key}` });
  }
  for (const [key, net] of Object.entries(stack.networks).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const found = observed.networks[net.Name];
    if (!found) ops.push({ kind: "create-network", key, name: net.Name, reason: "does not exist" });
    else if (found.Scope !== "swarm" && net.Driver === "overlay")
      warnings.push(`network ${net.Name} exists with scope ${found.Scope ?? "?"}, not as a swarm overlay network`);
  }
  for (const [kind, external, all] of [
    ["secret", stack.externalSecrets, observed.allSecretNames],
    ["config", stack.externalConfigs, observed.allConfigNames],
  ] as const) {
    for (const [key, name] of Object.entries(external)) {
      if (!all.has(name)) throw new UserError(`external ${kind} ${name} not found`, { path: `${kind}s.${key}` });
    }
  }
  for (const [key, spec] of Object.entries(stack.secrets)) {
    if (!observed.allSecretNames.has(spec.Name))
      ops.push({ kind: "create-secret", key, name: spec.Name, reason: "new content version" });
  }
  for (const [key, spec] of Object.entries(stack.configs)) {
    if (!observed.allConfigNames.has(spec.Name))
      ops.push({ kind: "create-config", key, name: spec.Name, reason: "new content version" });
  }

  for (const service of order) {
    const desired = stack.services[service];
    const current = observed.services[desired.Name];
    if (!current) {
      ops.push({ kind: "create-service", service, name: desired.Name, reason: "does not exist" });
      continue;
    }
    const changes = diffServiceSpecs(current.Spec, desired, observed.networkNames);
    if (changes.length === 0 && !options.force) continue;
    ops.push({
      kind: "update-service",
      service,
      name: desired.Name,
      serviceId: current.ID,
      reason: changes.length ? `spec changed: ${changes.length} field(s)` : "update forced",
      changes,
    });
  }

  const desiredNames = new Set(Object.values(stack.services).map((s) => s.Name));
  const orphans = Object.values(observed.services).filter((s) => !desiredNames.has(s.Spec.Name));
  if (orphans.length && options.removeOrphans) {
    for (const s of orphans)
      ops.push({
        kind: "remove-service",
        service: s.Spec.Name,
        name: s.Spec.Name,
        serviceId: s.ID,
        reason: "orphan: no longer in the stack",
      });
  } else if (orphans.length) {
    warnings.push(
      `found orphan services (${orphans
        .map((s) => s.Spec.Name)
        .sort()
        .join(", ")}) for this stack; deploy with --remove-orphans to remove them`,
    );
  }

  // Versions no spec will refer to once this deploy is through: services kept as they are
  // (outside the selection, or orphans left in place) still hold theirs.
  const kept = Object.values(observed.services)
    .filter((s) => !(options.removeOrphans && !desiredNames.has(s.Spec.Name)))
    .filter((s) => !order.some((svc) => stack.services[svc].Name === s.Spec.Name))
    .map((s) => s.Spec);
  const after = [...kept, ...order.map((s) => stack.services[s])];
  // The stack's current versions stay even when no service refers to them (else every deploy would
  // create and remove them again).
  const current = new Set([...Object.values(stack.secrets), ...Object.values(stack.configs)].map((s) => s.Name));
  ops.push(
    ...unusedVersions("secret", observed.secrets, after, current),
    ...unusedVersions("config", observed.configs, after, current),
  );
  return { project: project.name, operations: ops, warnings, order };
}

function unusedVersions(
  kind: "secret" | "config",
  versions: SwarmSecret[],
  specs: ServiceSpec[],
  keep: Set<string> = new Set(),
): SwarmOperation[] {
  const used = new Set<string>(keep);
  for (const spec of specs) {
    const c = spec.TaskTemplate.ContainerSpec;
    for (const r of c.Secrets ?? []) used.add(r.SecretName);
    for (const r of c.Configs ?? []) used.add(r.ConfigName);
  }
  return versions
    .filter((v) => !used.has(v.Spec.Name))
    .sort((a, b) => (a.Spec.Name < b.Spec.Name ? -1 : 1))
    .map((v) => ({
      kind: kind === "secret" ? ("remove-secret" as const) : ("remove-config" as const),
      name: v.Spec.Name,
      id: v.ID,
      reason: "no service uses this version any more",
    }));
}

/** `down`: every service of the stack, then its networks, secret and config versions, volumes only when asked. */
export function planSwarmDown(
  namespace: string,
  observed: SwarmObserved,
  volumes: Array<{ name: string }> = [],
): SwarmPlan {
  const ops: SwarmOperation[] = [];
  for (const s of Object.values(observed.services).sort((a, b) => (a.Spec.Name < b.Spec.Name ? -1 : 1)))
    ops.push({ kind: "remove-service", service: s.Spec.Name, name: s.Spec.Name, serviceId: s.ID, reason: "down" });
  for (const n of Object.values(observed.networks).sort((a, b) => (a.Name < b.Name ? -1 : 1))) {
    if (n.Labels?.[STACK_LABEL.namespace] === namespace)
      ops.push({ kind: "remove-network", name: n.Name, reason: "down" });
  }
  ops.push(...unusedVersions("secret", observed.secrets, []), ...unusedVersions("config", observed.configs, []));
  for (const v of volumes) ops.push({ kind: "remove-volume", name: v.name, reason: "down --volumes" });
  return { project: namespace, operations: ops, warnings: [], order: [] };
}

export function swarmPlanExitCode(plan: SwarmPlan): 0 | 2 {
  return plan.operations.length > 0 ? 2 : 0;
}
