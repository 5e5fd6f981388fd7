/**
 * Planning is pure: (project, observed state, options) → the atomic operations that converge the
 * engine to the project, each with a reason, recreates with a field-by-field diff. Deploy executes a
 * plan; `c2ts plan` prints one. Nothing here talks to the engine or the file system.
 */
import type { Project, ServiceConfig } from "../compose/model.js";
import { UserError } from "../compose/errors.js";
import {
  buildContainerSpec,
  containerName,
  serviceImage,
  serviceReference,
  serviceScale,
  type ContainerSpec,
} from "./container-spec.js";
import { diffConfigs, formatChange, type FieldChange } from "./diff.js";
import { dependencyGraph, topologicalOrder, withDependencies, type DependencyGraph } from "./graph.js";
import { composeServiceHashes } from "./service-hash.js";
import { configHash, decodeConfigLabel, encodeConfigLabel, networkHash, serviceHashInput, volumeHash } from "./hash.js";
import { LABEL } from "./labels.js";
import { parseDuration } from "../compose/durations.js";
import { restartingWarnings } from "./container-faults.js";
import type { Observed, ObservedContainer } from "./observe.js";
import { shortId } from "./short-id.js";
import { defineEntry } from "../compose/mapping.js";
import { planUpdateOrder } from "./update-order.js";

export type Operation =
  | { kind: "create-network"; key: string; name: string; reason: string }
  /** Stop and disconnect what is attached, remove, create anew; the attached containers are recreated. */
  | { kind: "recreate-network"; key: string; name: string; reason: string }
  | { kind: "create-volume"; key: string; name: string; reason: string }
  | { kind: "pull-image"; image: string; services: string[]; reason: string }
  | { kind: "build-image"; image: string; service: string; reason: string }
  | { kind: "create-container"; service: string; number: number; name: string; reason: string }
  | {
      kind: "recreate-container";
      service: string;
      number: number;
      name: string;
      containerId: string;
      reason: string;
      changes: FieldChange[];
      /** How the update runs (update-order.ts): start-first, or why it falls back to stop-first. */
      update?: string;
      /** Start the new container (number/name above) beside the old one, retire the old once healthy. */
      startFirst?: boolean;
    }
  | { kind: "start-container"; service: string; name: string; containerId: string; reason: string }
  | { kind: "restart-container"; service: string; name: string; containerId: string; reason: string }
  | { kind: "rename-container"; service: string; containerId: string; from: string; to: string; reason: string }
  | { kind: "remove-container"; service: string; name: string; containerId: string; reason: string }
  | { kind: "remove-network"; name: string; reason: string }
  | { kind: "remove-volume"; name: string; reason: string };

export type OperationKind = Operation["kind"];

/** What a service's containers should be created with. */
export interface DesiredService {
  image: string;
  /** Image ID known now; absent when the image is missing or about to be pulled/built. */
  imageDigest?: string;
  hash: string;
  /** Compose's ServiceHash, written to `com.docker.compose.config-hash`. */
  composeHash: string;
  configLabel: string;
  scale: number;
  /**
   * The specs of the containers this plan creates or recreates, by container number, under their
   * canonical names: execution only names each (temporary name) and labels an image ID it learnt.
   * A Map, so a serialized plan carries no environment values or secret contents.
   */
  specs: Map<number, ContainerSpec>;
}

/** What down removes: operations only (it creates nothing, so it has no desired services). */
export interface DownPlan {
  project: string;
  operations: Operation[];
  warnings: string[];
}

export interface Plan extends DownPlan {
  services: Record<string, DesiredService>;
  /** Services the plan covers (selection plus dependencies), dependencies first. */
  order: string[];
}

export interface PlanOptions {
  /** Only these services (and what they depend on). Default: all. */
  services?: string[];
  /** diverged (default): recreate what changed; force: recreate all; never: keep existing containers. */
  recreate?: "diverged" | "force" | "never";
  removeOrphans?: boolean;
  /** auto (default): build images that are missing; always: build every service with a build section; never. */
  build?: "auto" | "always" | "never";
  /** Override every service's pull_policy. */
  pull?: "always" | "missing" | "never";
  /** Leave image operations out (deploy plans them in a first pass). */
  skipImages?: boolean;
  /** Variables secrets/configs with `environment:` read. */
  environment?: Record<string, string | undefined>;
  /** Clock for daily/weekly/every_<d> pull policies (ms since epoch). */
  now?: number;
  /** Recorded in the containers' working_dir/config_files/version labels. */
  workingDir?: string;
  configFiles?: string[];
  composeVersion?: string;
}

export function planHasChanges(plan: DownPlan): boolean {
  return plan.operations.length > 0;
}

/** `c2ts plan` exit status: 0 nothing to do, 2 changes pending (1 is left for errors). */
export function planExitCode(plan: Plan): 0 | 2 {
  return planHasChanges(plan) ? 2 : 0;
}

export function planDeploy(project: Project, observed: Observed, options: PlanOptions = {}): Plan {
  const graph = dependencyGraph(project);
  const selected = options.services?.length
    ? withDependencies(graph, options.services)
    : new Set(Object.keys(project.services));
  for (const s of options.services ?? []) {
    if (!project.services[s]) throw new UserError(`no such service: ${s}`, { path: `services.${s}` });
  }
  const order = topologicalOrder(graph).filter((s) => selected.has(s));
  const env = options.environment ?? {};
  const warnings: string[] = [];
  const ops: Operation[] = [];

  const scope: PlanScope = { project, observed, services: order, warnings, options };
  const networkOps = planNetworks(scope);
  const volumeOps = planVolumes(scope);
  const imageOps = options.skipImages ? [] : planImages(scope);
  ops.push(...networkOps, ...volumeOps, ...imageOps);
  const changingImages = new Set(imageOps.map((o) => (o as { image: string }).image));

  const services: Record<string, DesiredService> = {};
  const composeHashes = composeServiceHashes(project);
  const containerOps = new Map<string, Operation[]>();
  /** Each planned service's container names once the plan has run, lowest number first. */
  const containersAfter: Record<string, string[]> = {};
  for (const name of order) {
    const service = project.services[name];
    const input = serviceHashInput(project, name, observed.files, env);
    const image = serviceImage(project, name);
    const desired: DesiredService = {
      image,
      imageDigest: changingImages.has(image) ? undefined : (observed.images[image]?.id ?? undefined),
      hash: configHash(input),
      composeHash: composeHashes[name]!,
      configLabel: encodeConfigLabel(input),
      scale: serviceScale(service),
      specs: new Map(),
    };
    defineEntry(services, name, desired);
    if (desired.scale > 1 && service.container_name) {
      throw new UserError(
        `service "${name}" sets container_name "${service.container_name}" and cannot be scaled to ${desired.scale}: container names must be unique`,
        { path: `services.${name}.container_name` },
      );
    }
    const list = planUpdateOrder(
      project,
      name,
      observed,
      planServiceContainers(scope, {
        name,
        desired,
        input,
        graph,
        planned: containerOps,
        networkOps,
        volumeOps,
      }),
    );
    containerOps.set(name, list);
    ops.push(...list);
    defineEntry(containersAfter, name, containerNamesAfter(observed, name, list));
    warnings.push(...planContainerSpecs(scope, { name, desired, ops: list, containersAfter }));
  }

  // Containers of services no longer in the project.
  const orphans = observed.containers.filter((c) => !c.oneoff && !Object.hasOwn(project.services, c.service));
  if (orphans.length) {
    if (options.removeOrphans) {
      for (const c of orphans) {
        ops.push({
          kind: "remove-container",
          service: c.service,
          name: c.name,
          containerId: c.id,
          reason: "orphan: its service is no longer in the project",
        });
      }
    } else {
      warnings.push(
        `found orphan containers (${orphans
          .map((c) => c.name)
          .sort()
          .join(", ")}) for this project; ` +
          "if you removed or renamed their service, deploy with --remove-orphans to clean them up",
      );
    }
  }

  warnings.push(...restartingWarnings(observed, order));
  return { project: project.name, operations: ops, warnings, services, order };
}

/**
 * A service's containers as they will be named once its operations have run, lowest number first:
 * what `service:x` references, volumes_from and links of the services planned after it resolve to.
 */
function containerNamesAfter(observed: Observed, service: string, ops: Operation[]): string[] {
  const after = new Map<string, { name: string; number: number }>();
  for (const c of observed.containers) {
    if (!c.oneoff && c.service === service && c.number > 0) after.set(c.id, { name: c.name, number: c.number });
  }
  for (const op of ops) {
    if (op.kind === "remove-container") after.delete(op.containerId);
    else if (op.kind === "rename-container") after.set(op.containerId, { ...after.get(op.containerId)!, name: op.to });
    else if (op.kind === "recreate-container") {
      after.delete(op.containerId);
      after.set(`new:${op.number}`, { name: op.name, number: op.number });
    } else if (op.kind === "create-container") after.set(`new:${op.number}`, { name: op.name, number: op.number });
  }
  return [...after.values()].sort((a, b) => a.number - b.number).map((c) => c.name);
}

/**
 * Builds the spec of every container `ops` create or recreate, once, into `desired.specs`, and
 * returns the service's warnings. A service the plan leaves alone still gets its warnings, from
 * the spec of its first container (what it was created from), so every plan reports them.
 */
function planContainerSpecs(
  { project, observed, options }: PlanScope,
  {
    name,
    desired,
    ops,
    containersAfter,
  }: { name: string; desired: DesiredService; ops: Operation[]; containersAfter: Record<string, string[]> },
): string[] {
  const build = (number: number, replaced?: ObservedContainer): ContainerSpec => {
    try {
      return buildContainerSpec({
        project,
        service: name,
        number,
        apiVersion: observed.apiVersion,
        configHash: desired.hash,
        composeHash: desired.composeHash,
        configLabel: desired.configLabel,
        imageDigest: desired.imageDigest,
        workingDir: options.workingDir ?? "",
        configFiles: options.configFiles ?? [],
        composeVersion: options.composeVersion ?? "",
        serviceContainers: containersAfter,
        environment: options.environment ?? {},
        seccompProfiles: observed.seccompProfiles,
        ...(replaced
          ? {
              inherit: {
                id: replaced.id,
                mounts: replaced.mounts,
                imageVolumes: observed.images[desired.image]?.volumes ?? [],
              },
            }
          : {}),
      });
    } catch (e) {
      // A reference to a service that will have no container (scaled to 0): nothing to create it from.
      throw new UserError(`service "${name}": ${e instanceof Error ? e.message : String(e)}`, {
        path: `services.${name}`,
      });
    }
  };
  const warnings = new Set<string>();
  for (const op of ops) {
    if (op.kind !== "create-container" && op.kind !== "recreate-container") continue;
    const replaced =
      op.kind === "recreate-container" ? observed.containers.find((c) => c.id === op.containerId) : undefined;
    const spec = build(op.number, replaced);
    desired.specs.set(op.number, spec);
    for (const w of spec.warnings) warnings.add(w);
  }
  if (desired.specs.size === 0) {
    const first = observed.containers.find((c) => !c.oneoff && c.service === name && c.number > 0);
    for (const w of build(first?.number ?? 1).warnings) warnings.add(w);
  }
  return [...warnings];
}

/** What every step of a deploy plan reads: the project, the engine's state, the services covered. */
interface PlanScope {
  project: Project;
  observed: Observed;
  /** Services the plan covers, dependencies first. */
  services: string[];
  /** Collects the plan's warnings. */
  warnings: string[];
  options: PlanOptions;
}

/** Networks the selected services attach to (top-level keys). */
function usedNetworks(project: Project, services: string[]): string[] {
  const keys = new Set<string>();
  for (const s of services) {
    const svc = project.services[s];
    if (svc.network_mode) continue;
    const nets = Object.keys(svc.networks ?? {});
    if (nets.length === 0 && project.networks?.default) keys.add("default");
    for (const k of nets) keys.add(k);
  }
  return [...keys].sort();
}

function planNetworks({ project, observed, services, warnings }: PlanScope): Operation[] {
  const ops: Operation[] = [];
  for (const key of usedNetworks(project, services)) {
    const net = project.networks?.[key];
    if (!net)
      throw new UserError(`service network "${key}" is not declared in the top-level networks`, {
        path: `networks.${key}`,
      });
    const found = observed.networks[net.name];
    if (net.external) {
      if (!found)
        throw new UserError(`network ${net.name} declared as external, but could not be found`, {
          path: `networks.${key}`,
        });
      continue;
    }
    if (!found) {
      ops.push({ kind: "create-network", key, name: net.name, reason: "does not exist" });
      continue;
    }
    if (!found.labels[LABEL.project]) {
      warnings.push(
        `a network with name ${net.name} exists but was not created by compose; set \`external: true\` to use an existing network`,
      );
    } else if (found.labels[LABEL.project] !== project.name) {
      warnings.push(
        `a network with name ${net.name} exists but was created for project "${found.labels[LABEL.project]}"; set \`external: true\` to use an existing network`,
      );
    }
    const hash = found.labels[LABEL.configHash];
    if (hash && hash !== networkHash(net)) {
      // As Compose does: a network whose configuration changed is recreated with its containers.
      const outside = observed.containers
        .filter((c) => Object.values(c.networks).includes(found.id) && !services.includes(c.service))
        .map((c) => c.service);
      if (outside.length > 0) {
        throw new UserError(
          `network ${net.name} changed and must be recreated, but it is also used by service(s) outside this deploy: ${[...new Set(outside)].sort().join(", ")}; deploy them too`,
          { path: `networks.${key}` },
        );
      }
      ops.push({ kind: "recreate-network", key, name: net.name, reason: "configuration changed" });
    }
  }
  return ops;
}

function usedVolumes(project: Project, services: string[]): string[] {
  const keys = new Set<string>();
  for (const s of services) {
    for (const v of project.services[s].volumes ?? []) {
      if (v.type === "volume" && v.source && project.volumes?.[v.source]) keys.add(v.source);
    }
  }
  return [...keys].sort();
}

function planVolumes({ project, observed, services, warnings }: PlanScope): Operation[] {
  const ops: Operation[] = [];
  for (const key of usedVolumes(project, services)) {
    const vol = project.volumes![key];
    const found = observed.volumes[vol.name];
    if (vol.external) {
      if (!found) throw new UserError(`external volume "${vol.name}" not found`, { path: `volumes.${key}` });
      continue;
    }
    if (!found) {
      ops.push({ kind: "create-volume", key, name: vol.name, reason: "does not exist" });
      continue;
    }
    const owner = found.labels[LABEL.project];
    if (!owner) {
      warnings.push(
        `volume "${vol.name}" already exists but was not created by Docker Compose; use \`external: true\` to use an existing volume`,
      );
    } else if (owner !== project.name) {
      warnings.push(
        `volume "${vol.name}" already exists but was created for project "${owner}" (expected "${project.name}"); use \`external: true\` to use an existing volume`,
      );
    }
    const hash = found.labels[LABEL.configHash];
    if (hash && hash !== volumeHash(vol)) {
      warnings.push(
        `volume "${vol.name}" exists but doesn't match its configuration; remove it (down --volumes) to recreate it — its data would be lost`,
      );
    }
  }
  return ops;
}

/** pull_policy → when to pull. Refresh policies carry their period in ms. */
export function parsePullPolicy(policy: string | undefined): {
  kind: "always" | "missing" | "never" | "build" | "refresh";
  periodMs?: number;
} {
  switch (policy ?? "missing") {
    case "always":
      return { kind: "always" };
    case "never":
      return { kind: "never" };
    case "build":
      return { kind: "build" };
    case "missing":
    case "if_not_present":
      return { kind: "missing" };
    case "daily":
      return { kind: "refresh", periodMs: 24 * 3600e3 };
    case "weekly":
      return { kind: "refresh", periodMs: 7 * 24 * 3600e3 };
    default: {
      const m = /^every_(.+)$/.exec(policy!);
      if (m) return { kind: "refresh", periodMs: Number(parseDuration(m[1]) / 1_000_000n) };
      throw new UserError(`invalid pull_policy "${policy}"`);
    }
  }
}

function planImages({ project, observed, services, options }: PlanScope): Operation[] {
  const pulls = new Map<string, { services: string[]; reason: string }>();
  const builds: Operation[] = [];
  const now = options.now ?? Date.now();
  // An image another service builds is produced by this deploy: its users need no pull (Compose builds first).
  const builtHere = new Set(
    Object.keys(project.services)
      .filter((n) => project.services[n]!.build)
      .map((n) => serviceImage(project, n)),
  );
  for (const name of services) {
    const svc: ServiceConfig = project.services[name];
    const image = serviceImage(project, name);
    const present = observed.images[image];
    const policy = parsePullPolicy(svc.pull_policy);
    if (svc.build) {
      const force = options.build === "always" || policy.kind === "build";
      if (options.build !== "never" && (force || !present)) {
        const reason = force
          ? policy.kind === "build"
            ? "pull_policy: build"
            : "build requested"
          : "image not present";
        builds.push({ kind: "build-image", image, service: name, reason });
        continue;
      }
      if (present) continue;
      if (!svc.image) {
        throw new UserError(`service "${name}" has no image ${image} and building is disabled`, {
          path: `services.${name}.build`,
        });
      }
    }
    const kind = options.pull ?? policy.kind;
    if (builtHere.has(image) && kind !== "always") continue;
    if (kind === "build") {
      throw new UserError(`service "${name}" has pull_policy: build but no build section`, {
        path: `services.${name}.pull_policy`,
      });
    }
    let reason: string | undefined;
    if (kind === "always") reason = options.pull ? "pull requested" : "pull_policy: always";
    else if (kind === "missing" && !present) reason = "image not present";
    else if (kind === "refresh") {
      if (!present) reason = "image not present";
      else {
        const last = present.lastTagTime ? Date.parse(present.lastTagTime) : 0;
        if (!(last > 0) || now - last > policy.periodMs!)
          reason = `pull_policy: ${svc.pull_policy} (last pulled ${present.lastTagTime ?? "never"})`;
      }
    } else if (kind === "never" && !present) {
      throw new UserError(`image ${image} for service "${name}" is not present and pull_policy is never`, {
        path: `services.${name}.pull_policy`,
      });
    }
    if (!reason) continue;
    const entry = pulls.get(image);
    if (entry) entry.services.push(name);
    else pulls.set(image, { services: [name], reason });
  }
  const out: Operation[] = [];
  for (const [image, p] of [...pulls].sort(([a], [b]) => (a < b ? -1 : 1)))
    out.push({ kind: "pull-image", image, services: p.services, reason: p.reason });
  return [...out, ...builds];
}

/** A one-shot container that ran to completion: a later deploy leaves it alone. */
function completedJob(c: ObservedContainer, service: ServiceConfig): boolean {
  const restart = service.deploy?.restart_policy?.condition ?? service.restart ?? "no";
  return (
    c.state === "exited" &&
    c.exitCode === 0 &&
    (restart === "no" || restart === "none" || restart.startsWith("on-failure"))
  );
}

/** One service's container operations, given what the plan decided before it. */
interface ServiceContainersInput {
  name: string;
  desired: DesiredService;
  input: ReturnType<typeof serviceHashInput>;
  graph: DependencyGraph;
  /** Container operations of the services planned before this one (its dependencies). */
  planned: Map<string, Operation[]>;
  networkOps: Operation[];
  volumeOps: Operation[];
}

function planServiceContainers(
  { project, observed, options }: PlanScope,
  { name, desired, input, graph, planned, networkOps, volumeOps }: ServiceContainersInput,
): Operation[] {
  const service = project.services[name];
  const ops: Operation[] = [];
  const mine = observed.containers.filter((c) => !c.oneoff && c.service === name);

  // Containers are created under a temporary name and renamed once fully set up, so a canonical
  // name means a complete container. Other containers sharing its number were left by an
  // interrupted deploy: a replacement whose predecessor is already gone is finished (renamed);
  // any other temporary container may be half set up and goes.
  const allIds = new Set(observed.containers.map((c) => c.id));
  const byNumber = new Map<number, ObservedContainer[]>();
  for (const c of mine) byNumber.set(c.number, [...(byNumber.get(c.number) ?? []), c]);
  const kept: ObservedContainer[] = [];
  const newest = (list: ObservedContainer[]) =>
    [...list].sort(
      (a, b) => Number(isUpToDate(b, desired)) - Number(isUpToDate(a, desired)) || b.created - a.created,
    )[0];
  for (const [number, group] of [...byNumber].sort(([a], [b]) => a - b)) {
    const canonical = containerName(project, name, number);
    const temps = group.filter((c) => isTemporaryName(c.name, canonical));
    const named = group.find((c) => c.name === canonical);
    const foreign = group.filter((c) => c !== named && !temps.includes(c));
    const finished = temps.filter((t) => t.replaces && !allIds.has(t.replaces));
    let keep: ObservedContainer | undefined;
    if (named) keep = named;
    else if (finished.length) keep = newest(finished);
    else if (foreign.length) keep = newest(foreign);
    for (const c of group) {
      if (c === keep) continue;
      const reason = temps.includes(c)
        ? "temporary container left by an interrupted deploy"
        : `duplicate container number ${number}`;
      ops.push({ kind: "remove-container", service: name, name: c.name, containerId: c.id, reason });
    }
    if (!keep) continue;
    if (temps.includes(keep)) {
      ops.push({
        kind: "rename-container",
        service: name,
        containerId: keep.id,
        from: keep.name,
        to: canonical,
        reason: "finish an interrupted recreate",
      });
      keep = { ...keep, name: canonical };
    }
    kept.push(keep);
  }

  const recreateReasons = (c: ObservedContainer): { reason: string; changes: FieldChange[] } | undefined => {
    if (options.recreate === "never") return undefined;
    if (options.recreate === "force") return { reason: "recreate forced", changes: [] };
    if (c.state === "dead" || c.state === "removing") return { reason: `container is ${c.state}`, changes: [] };
    if (!isUpToDate(c, desired)) {
      const before = decodeConfigLabel(c.labels[LABEL.c2tsConfig]);
      const changes = before ? diffConfigs(before, input) : [];
      const summary = changes.length ? changes.map(formatChange).join("; ") : "config hash changed";
      return { reason: `config changed: ${summary}`, changes };
    }
    if (desired.imageDigest && c.imageDigest !== desired.imageDigest) {
      return {
        reason: `image ${desired.image} changed (${short(c.imageDigest)} → ${short(desired.imageDigest)})`,
        changes: [],
      };
    }
    for (const ref of [service.network_mode, service.ipc, service.pid]) {
      const target = serviceReference(ref);
      if (target && (planned.get(target) ?? []).some(replacesContainer)) {
        return { reason: `shares a namespace with service ${target}, whose container is being replaced`, changes: [] };
      }
    }
    if (!service.network_mode) {
      for (const key of Object.keys(service.networks ?? {})) {
        const name = project.networks?.[key]?.name;
        if (networkOps.some((o) => o.kind === "recreate-network" && o.name === name)) {
          return { reason: `network ${name} is recreated`, changes: [] };
        }
      }
    }
    if (c.state === "running" && !service.network_mode) {
      for (const key of Object.keys(service.networks ?? {})) {
        const net = project.networks?.[key];
        if (!net) continue;
        const obs = observed.networks[net.name];
        const willCreate = networkOps.some((o) => o.kind === "create-network" && o.name === net.name);
        if (willCreate || !obs || !Object.values(c.networks).includes(obs.id)) {
          return { reason: `not connected to network ${net.name}`, changes: [] };
        }
      }
    }
    for (const v of service.volumes ?? []) {
      if (v.type !== "volume" || !v.source) continue;
      const volName = project.volumes?.[v.source]?.name ?? v.source;
      const willCreate = volumeOps.some((o) => o.kind === "create-volume" && o.name === volName);
      if (willCreate || !c.mounts.some((m) => m.Type === "volume" && m.Name === volName)) {
        return { reason: `volume ${volName} is not mounted`, changes: [] };
      }
    }
    return undefined;
  };

  const verdicts = new Map(kept.map((c) => [c.id, recreateReasons(c)]));
  // Scale down: drop the obsolete ones first, then the highest numbers.
  const obsolete = (c: ObservedContainer) => Number(verdicts.get(c.id) !== undefined);
  const ranked = [...kept].sort((a, b) => obsolete(a) - obsolete(b) || a.number - b.number);
  const staying = ranked.slice(0, desired.scale).sort((a, b) => a.number - b.number);
  for (const c of ranked.slice(desired.scale)) {
    ops.push({
      kind: "remove-container",
      service: name,
      name: c.name,
      containerId: c.id,
      reason: `scale down to ${desired.scale}`,
    });
  }

  const dependencyReplaced = (graph.get(name) ?? []).find(
    (e) =>
      e.restart && (planned.get(e.target) ?? []).some((o) => replacesContainer(o) || o.kind === "restart-container"),
  );
  for (const c of staying) {
    const recreate = verdicts.get(c.id);
    if (recreate) {
      ops.push({
        kind: "recreate-container",
        service: name,
        number: c.number,
        name: containerName(project, name, c.number),
        containerId: c.id,
        ...recreate,
      });
      continue;
    }
    if (dependencyReplaced && (c.state === "running" || c.state === "restarting")) {
      ops.push({
        kind: "restart-container",
        service: name,
        name: c.name,
        containerId: c.id,
        reason: `dependency ${dependencyReplaced.target} changed (depends_on restart: true)`,
      });
      continue;
    }
    if (c.state === "created" || c.state === "paused" || (c.state === "exited" && !completedJob(c, service))) {
      ops.push({
        kind: "start-container",
        service: name,
        name: c.name,
        containerId: c.id,
        reason: startReason(c),
      });
    }
  }

  const next = Math.max(0, ...staying.map((c) => c.number)) + 1;
  for (let i = 0; i < desired.scale - staying.length; i++) {
    const number = next + i;
    ops.push({
      kind: "create-container",
      service: name,
      number,
      name: containerName(project, name, number),
      reason: staying.length + i === 0 ? "no container" : `scale up to ${desired.scale}`,
    });
  }
  return ops;
}

/** `<12 hex>_<canonical>`: the name a container has between its creation and its final rename. */
export function isTemporaryName(name: string, canonical: string): boolean {
  return name.length === canonical.length + 13 && /^[0-9a-f]{12}_/.test(name) && name.endsWith(canonical);
}

export function temporaryName(prefix: string, canonical: string): string {
  return `${shortId(prefix)}_${canonical}`;
}

function replacesContainer(op: Operation): boolean {
  return op.kind === "create-container" || op.kind === "recreate-container";
}

function short(id: string | undefined): string {
  return id ? shortId(id) : "none";
}

export interface DownOptions {
  /** Remove named volumes declared by the project, and containers' anonymous volumes. */
  volumes?: boolean;
  removeOrphans?: boolean;
  /** Only these services' containers (networks and volumes stay). */
  services?: string[];
}

/**
 * Down: every container of the project (by label) is stopped and removed, then the networks it
 * created and, only with `volumes`, its volumes. `project` may be a bare `{name, services: {}}`
 * when no compose file is at hand; then the label-found resources are what goes.
 */
export function planDown(project: Project, observed: Observed, options: DownOptions = {}): DownPlan {
  const ops: Operation[] = [];
  const warnings: string[] = [];
  const known = Object.keys(project.services).length > 0;
  const only = options.services?.length ? new Set(options.services) : undefined;
  for (const c of [...observed.containers].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const orphan = known && !project.services[c.service];
    if (only && !only.has(c.service)) continue;
    if (c.oneoff && !options.removeOrphans) continue;
    if (orphan && !options.removeOrphans) {
      warnings.push(`orphan container ${c.name} left in place (use --remove-orphans)`);
      continue;
    }
    ops.push({
      kind: "remove-container",
      service: c.service,
      name: c.name,
      containerId: c.id,
      reason: orphan ? "orphan" : "down",
    });
  }
  if (!only) {
    const declaredNets = new Map(
      Object.entries(project.networks ?? {}).map(([k, n]) => [n.name, { key: k, external: n.external }]),
    );
    for (const net of Object.values(observed.networks).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (net.labels[LABEL.project] !== project.name) continue;
      if (declaredNets.get(net.name)?.external) continue;
      ops.push({ kind: "remove-network", name: net.name, reason: "down" });
    }
    if (options.volumes) {
      const declaredVols = new Map(Object.values(project.volumes ?? {}).map((v) => [v.name, v]));
      for (const vol of Object.values(observed.volumes).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        if (declaredVols.get(vol.name)?.external) continue;
        if (vol.labels[LABEL.project] !== project.name) continue;
        ops.push({ kind: "remove-volume", name: vol.name, reason: "down --volumes" });
      }
    }
  }
  return { project: project.name, operations: ops, warnings };
}

/**
 * A container c2ts created carries its content-aware hash; one `docker compose up` created only
 * Compose's ServiceHash, which is then compared (so Compose's containers are not recreated for
 * nothing). Before c2ts wrote both labels, Compose's label held c2ts's hash: accepted too.
 */
function isUpToDate(c: ObservedContainer, desired: DesiredService): boolean {
  if (c.configHash !== undefined) return c.configHash === desired.hash;
  return c.composeHash === desired.composeHash || c.composeHash === desired.hash;
}

/** Why a stopped container is started; a paused one is started by unpausing it. */
function startReason(c: ObservedContainer): string {
  if (c.state === "created") return "created but never started";
  if (c.state === "paused") return "paused: unpause";
  return `exited (${c.exitCode ?? "?"})`;
}
