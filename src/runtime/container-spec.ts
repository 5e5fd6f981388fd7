/**
 * Pure mapping of a canonical ServiceConfig to Engine API create options, the way Docker
 * Compose v2 does it (pkg/compose/create.go getCreateConfigs): same labels, same network
 * aliases, Binds for plain bind mounts and Mounts for the rest, durations in nanoseconds.
 *
 * What the target engine cannot honour (by API version or by nature, e.g. swarm-only
 * fields) is dropped with a warning naming the service and the field.
 */
import type { Project, ServiceConfig, ServiceNetworkConfig, ServiceVolumeConfig } from "../compose/model.js";
import {
  apiAtLeast,
  type ContainerCreateSpec,
  type ContainerMount,
  type EndpointSettings,
  type HealthConfig,
  type HostConfig,
  type MountSpec,
} from "./engine.js";
import { parseDuration } from "../compose/durations.js";
import { fileReferenceTarget, inlineFileContent } from "./file-references.js";
import { LABEL } from "./labels.js";

export interface SpecContext {
  project: Project;
  service: string;
  number: number;
  /** Create under this name instead of the canonical one (recreate uses a temporary name). */
  name?: string;
  apiVersion: string;
  /** c2ts's content-aware hash (hash.ts). */
  configHash: string;
  /** Compose's ServiceHash (service-hash.ts), the value `docker compose up` compares. */
  composeHash?: string;
  /** Value of the c2ts config label (compressed hash input); omitted when undefined. */
  configLabel?: string;
  /** Image ID the container is created from, recorded for later image-change detection. */
  imageDigest?: string;
  workingDir: string;
  configFiles: string[];
  composeVersion: string;
  /** Names of the current containers of each service, lowest number first, for `service:x` references and links. */
  serviceContainers: Record<string, string[]>;
  /** The container being replaced: its anonymous volumes are carried over. */
  inherit?: { id: string; mounts: ContainerMount[]; imageVolumes: string[] };
  /** The deploying process's environment, for secrets/configs declared with `environment:`. */
  environment: Record<string, string | undefined>;
  /** Contents of seccomp profiles named in security_opt, by path as written. */
  seccompProfiles?: Record<string, string>;
}

/** A file copied into the container before it starts (secrets/configs with content or environment). */
export interface FileCopy {
  target: string;
  content: string;
  uid: number;
  gid: number;
  mode: number;
}

export interface ContainerSpec {
  create: ContainerCreateSpec;
  /** Networks to connect after create (engines before API 1.44 take one network at create). */
  connect: Array<{ network: string; endpoint: EndpointSettings }>;
  copies: FileCopy[];
  warnings: string[];
}

export const SEPARATOR = "-";

/** Go duration → nanoseconds as the Engine API takes them. */
function nanos(duration: string): number {
  return Number(parseDuration(duration));
}

export function serviceImage(project: Project, service: string): string {
  return project.services[service].image ?? `${project.name}${SEPARATOR}${service}`;
}

export function containerName(project: Project, service: string, number: number): string {
  return project.services[service].container_name ?? [project.name, service, String(number)].join(SEPARATOR);
}

/** How many containers the service wants (scale wins over deploy.replicas, as in compose-go). */
export function serviceScale(service: ServiceConfig): number {
  if (typeof service.scale === "number") return service.scale;
  if (typeof service.deploy?.replicas === "number") return service.deploy.replicas;
  return 1;
}

/** Service networks, highest priority first, then by name (compose-go NetworksByPriority). */
export function networksByPriority(service: ServiceConfig): string[] {
  return Object.entries(service.networks ?? {})
    .map(([name, cfg]) => ({ name, priority: cfg?.priority ?? 0 }))
    .sort((a, b) => b.priority - a.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((n) => n.name);
}

/** `service:x` in network_mode/ipc/pid → x. */
export function serviceReference(mode: string | undefined): string | undefined {
  return mode?.startsWith("service:") ? mode.slice("service:".length) : undefined;
}

/** Services a service's containers reference by namespace or volumes (must exist before it). */
export function referencedServices(service: ServiceConfig): string[] {
  const out = new Set<string>();
  for (const mode of [service.network_mode, service.ipc, service.pid]) {
    const ref = serviceReference(mode);
    if (ref) out.add(ref);
  }
  for (const vf of service.volumes_from ?? []) {
    const [first] = vf.split(":");
    if (first !== "container") out.add(first);
  }
  return [...out];
}

/** Services a service's containers link to (`links: [svc:alias]`). */
export function linkedServices(service: ServiceConfig): string[] {
  return (service.links ?? []).map((link) => link.split(":")[0]);
}

export function buildContainerSpec(ctx: SpecContext): ContainerSpec {
  const { project } = ctx;
  const service = project.services[ctx.service];
  const warnings: string[] = [];
  const warn = (field: string, why: string) => warnings.push(`service "${ctx.service}": ${field} ${why}`);
  const canonicalName = containerName(project, ctx.service, ctx.number);

  warnUnsupported(service, ctx.apiVersion, warn);

  const host: HostConfig = {};
  const create: ContainerCreateSpec = {
    name: ctx.name ?? canonicalName,
    Image: serviceImage(project, ctx.service),
    Labels: containerLabels(ctx, service),
    AttachStdout: true,
    AttachStderr: true,
    HostConfig: host,
  };
  if (service.platform) create.platform = service.platform;
  if (service.command) create.Cmd = service.command;
  if (service.entrypoint) create.Entrypoint = service.entrypoint;
  const env = toEnvList(service.environment);
  if (env.length) create.Env = env;
  if (service.hostname) create.Hostname = service.hostname;
  if (service.domainname) create.Domainname = service.domainname;
  if (service.user) create.User = service.user;
  if (service.working_dir) create.WorkingDir = service.working_dir;
  if (service.tty) create.Tty = true;
  if (service.stdin_open) create.OpenStdin = true;
  if (service.stop_signal) create.StopSignal = service.stop_signal;
  if (service.stop_grace_period) create.StopTimeout = Number(parseDuration(service.stop_grace_period) / 1_000_000_000n);
  if (service.network_mode === "disabled") create.NetworkDisabled = true;
  const health = toHealthConfig(service, ctx.apiVersion, warn);
  if (health) create.Healthcheck = health;
  const exposed = exposedPorts(service);
  if (Object.keys(exposed).length) create.ExposedPorts = exposed;

  // Storage
  const { binds, mounts } = buildMounts(ctx, service, warn);
  if (binds.length) host.Binds = binds;
  if (mounts.length) host.Mounts = mounts;
  if (service.tmpfs?.length) host.Tmpfs = toTmpfs(service.tmpfs);
  if (service.volumes_from?.length) host.VolumesFrom = service.volumes_from.map((v) => resolveVolumesFrom(ctx, v));

  // Networking
  const links = resolveLinks(ctx, service);
  const connect = applyNetworking(ctx, service, canonicalName, links, create, warn);
  const ports = portBindings(service);
  if (Object.keys(ports).length) host.PortBindings = ports;
  if (links.length) host.Links = links;
  if (service.dns?.length) host.Dns = service.dns;
  if (service.dns_opt?.length) host.DnsOptions = service.dns_opt;
  if (service.dns_search?.length) host.DnsSearch = service.dns_search;
  const extraHosts = toExtraHosts(service.extra_hosts);
  if (extraHosts.length) host.ExtraHosts = extraHosts;

  // Runtime behaviour
  const restart = restartPolicy(service);
  if (restart) host.RestartPolicy = restart;
  if (service.init !== undefined) host.Init = service.init;
  if (service.privileged) host.Privileged = true;
  if (service.read_only) host.ReadonlyRootfs = true;
  if (service.cap_add?.length) host.CapAdd = service.cap_add;
  if (service.cap_drop?.length) host.CapDrop = service.cap_drop;
  if (service.group_add?.length) host.GroupAdd = service.group_add;
  if (service.security_opt?.length) applySecurityOpts(ctx, service.security_opt, host, warn);
  if (service.sysctls && Object.keys(service.sysctls).length) host.Sysctls = service.sysctls;
  if (service.shm_size !== undefined) host.ShmSize = service.shm_size;
  if (service.ipc) host.IpcMode = resolveNamespace(ctx, service.ipc);
  if (service.pid) host.PidMode = resolveNamespace(ctx, service.pid);
  if (service.uts) host.UTSMode = service.uts;
  if (service.userns_mode) host.UsernsMode = service.userns_mode;
  if (service.cgroup) host.CgroupnsMode = service.cgroup;
  if (service.runtime) host.Runtime = service.runtime;
  if (service.isolation) host.Isolation = service.isolation;
  if (service.storage_opt) host.StorageOpt = service.storage_opt;
  if (service.oom_score_adj !== undefined) host.OomScoreAdj = service.oom_score_adj;
  if (service.logging && (service.logging.driver || service.logging.options)) {
    host.LogConfig = {
      Type: service.logging.driver ?? "",
      ...(service.logging.options ? { Config: service.logging.options } : {}),
    };
  }
  if (service.annotations && Object.keys(service.annotations).length) {
    if (apiAtLeast(ctx.apiVersion, "1.43")) host.Annotations = service.annotations;
    else warn("annotations", `need Engine API 1.43 (engine speaks ${ctx.apiVersion}); ignored`);
  }
  applyResources(service, host, warn);

  return { create, connect, copies: fileCopies(ctx, service, warn), warnings };
}

function containerLabels(ctx: SpecContext, service: ServiceConfig): Record<string, string> {
  const labels: Record<string, string> = { ...(service.labels ?? {}) };
  labels[LABEL.project] = ctx.project.name;
  labels[LABEL.service] = ctx.service;
  labels[LABEL.version] = ctx.composeVersion;
  labels[LABEL.workingDir] = ctx.workingDir;
  labels[LABEL.configFiles] = ctx.configFiles.join(",");
  labels[LABEL.oneoff] = "False";
  labels[LABEL.containerNumber] = String(ctx.number);
  labels[LABEL.configHash] = ctx.composeHash ?? "";
  labels[LABEL.c2tsConfigHash] = ctx.configHash;
  labels[LABEL.dependsOn] = Object.entries(service.depends_on ?? {})
    .map(([name, d]) => `${name}:${d.condition}:${Boolean(d.restart)}`)
    .sort()
    .join(",");
  if (ctx.imageDigest) labels[LABEL.image] = ctx.imageDigest;
  if (ctx.inherit) labels[LABEL.replace] = ctx.inherit.id;
  if (ctx.configLabel) labels[LABEL.c2tsConfig] = ctx.configLabel;
  return labels;
}

/** `KEY=value`, or bare `KEY` for a variable declared without a value; sorted. */
export function toEnvList(environment: Record<string, string | null> | undefined): string[] {
  return Object.keys(environment ?? {})
    .sort()
    .map((k) => {
      const v = environment![k];
      return v === null || v === undefined ? k : `${k}=${v}`;
    });
}

export function toHealthConfig(
  service: ServiceConfig,
  apiVersion: string,
  warn: (f: string, w: string) => void,
): HealthConfig | undefined {
  const hc = service.healthcheck;
  if (!hc) return undefined;
  if (hc.disable) return { Test: ["NONE"] };
  const out: HealthConfig = {};
  if (hc.test?.length) out.Test = hc.test;
  if (hc.interval) out.Interval = nanos(hc.interval);
  if (hc.timeout) out.Timeout = nanos(hc.timeout);
  if (hc.start_period) out.StartPeriod = nanos(hc.start_period);
  if (hc.start_interval) {
    if (apiAtLeast(apiVersion, "1.44")) out.StartInterval = nanos(hc.start_interval);
    else warn("healthcheck.start_interval", `needs Engine API 1.44 (engine speaks ${apiVersion}); ignored`);
  }
  if (hc.retries !== undefined) out.Retries = hc.retries;
  return out;
}

/** `8000-8002/udp` → ["8000/udp", "8001/udp", "8002/udp"]. */
function expandPortSpec(spec: string): string[] {
  const [range, proto = "tcp"] = spec.split("/");
  const [start, end] = range.split("-").map((n) => Number.parseInt(n, 10));
  if (end === undefined || Number.isNaN(end)) return [`${start}/${proto}`];
  const out: string[] = [];
  for (let p = start; p <= end; p++) out.push(`${p}/${proto}`);
  return out;
}

function exposedPorts(service: ServiceConfig): Record<string, Record<string, never>> {
  const out: Record<string, Record<string, never>> = {};
  for (const e of service.expose ?? []) for (const p of expandPortSpec(e)) out[p] = {};
  for (const p of service.ports ?? []) out[`${p.target}/${p.protocol || "tcp"}`] = {};
  return out;
}

function portBindings(service: ServiceConfig): NonNullable<HostConfig["PortBindings"]> {
  const out: NonNullable<HostConfig["PortBindings"]> = {};
  for (const p of service.ports ?? []) {
    const key = `${p.target}/${p.protocol || "tcp"}`;
    (out[key] ??= []).push({ HostIp: p.host_ip ?? "", HostPort: p.published ?? "" });
  }
  return out;
}

function toExtraHosts(extra: Record<string, string[]> | undefined): string[] {
  const out: string[] = [];
  for (const [host, ips] of Object.entries(extra ?? {})) for (const ip of ips) out.push(`${host}:${ip}`);
  return out;
}

function toTmpfs(entries: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of entries) {
    const i = t.indexOf(":");
    if (i >= 0) out[t.slice(0, i)] = t.slice(i + 1);
    else out[t] = "";
  }
  return out;
}

function restartPolicy(service: ServiceConfig): HostConfig["RestartPolicy"] | undefined {
  const mapName = (c: string | undefined) => {
    switch (c) {
      case "none":
      case "no":
        return "no";
      case "any":
      case "always":
        return "always";
      default:
        return c ?? "no";
    }
  };
  let policy: HostConfig["RestartPolicy"] | undefined;
  if (service.restart) {
    const [name, attempts] = service.restart.split(":");
    policy = { Name: mapName(name), MaximumRetryCount: attempts ? Number.parseInt(attempts, 10) || 0 : 0 };
  }
  const rp = service.deploy?.restart_policy;
  if (rp) policy = { Name: mapName(rp.condition), MaximumRetryCount: rp.max_attempts ?? 0 };
  return policy;
}

function resolveServiceContainer(ctx: SpecContext, serviceName: string, what: string): string {
  const names = ctx.serviceContainers[serviceName];
  if (!names?.length) throw new Error(`cannot share ${what} with service ${serviceName}: container missing`);
  return names[0];
}

function resolveNamespace(ctx: SpecContext, mode: string): string {
  const ref = serviceReference(mode);
  return ref ? `container:${resolveServiceContainer(ctx, ref, "namespace")}` : mode;
}

function resolveVolumesFrom(ctx: SpecContext, spec: string): string {
  const parts = spec.split(":");
  if (parts[0] === "container") return parts.slice(1).join(":");
  const [svc, mode] = parts;
  const name = resolveServiceContainer(ctx, svc, "volumes");
  return mode ? `${name}:${mode}` : name;
}

function resolveLinks(ctx: SpecContext, service: ServiceConfig): string[] {
  const links: string[] = [];
  for (const link of service.links ?? []) {
    const [svc, alias = svc] = link.split(":");
    for (const name of ctx.serviceContainers[svc] ?? []) links.push(`${name}:${alias}`);
  }
  for (const link of service.external_links ?? []) {
    const [name, alias = name] = link.split(":");
    links.push(`${name}:${alias}`);
  }
  return links;
}

function endpointFor(
  ctx: SpecContext,
  canonicalName: string,
  cfg: ServiceNetworkConfig | null | undefined,
  links: string[],
  warn: (f: string, w: string) => void,
  networkKey: string,
): EndpointSettings {
  const ep: EndpointSettings = { Aliases: [canonicalName, ctx.service, ...(cfg?.aliases ?? [])] };
  if (links.length) ep.Links = links;
  if (cfg?.ipv4_address || cfg?.ipv6_address || cfg?.link_local_ips?.length) {
    ep.IPAMConfig = {
      ...(cfg.ipv4_address ? { IPv4Address: cfg.ipv4_address } : {}),
      ...(cfg.ipv6_address ? { IPv6Address: cfg.ipv6_address } : {}),
      ...(cfg.link_local_ips?.length ? { LinkLocalIPs: cfg.link_local_ips } : {}),
    };
  }
  if (cfg?.driver_opts && Object.keys(cfg.driver_opts).length) ep.DriverOpts = cfg.driver_opts;
  if (cfg?.mac_address) ep.MacAddress = cfg.mac_address;
  if (cfg?.gw_priority) {
    if (apiAtLeast(ctx.apiVersion, "1.48")) ep.GwPriority = cfg.gw_priority;
    else warn(`networks.${networkKey}.gw_priority`, `needs Engine API 1.48 (engine speaks ${ctx.apiVersion}); ignored`);
  }
  if (cfg?.interface_name) warn(`networks.${networkKey}.interface_name`, "is not supported by c2ts; ignored");
  return ep;
}

/** Sets NetworkMode/NetworkingConfig on `create`; returns the networks to connect after create. */
function applyNetworking(
  ctx: SpecContext,
  service: ServiceConfig,
  canonicalName: string,
  links: string[],
  create: ContainerCreateSpec,
  warn: (f: string, w: string) => void,
): ContainerSpec["connect"] {
  const host = create.HostConfig;
  if (service.network_mode) {
    host.NetworkMode = service.network_mode === "disabled" ? "none" : resolveNamespace(ctx, service.network_mode);
    if (service.mac_address) create.MacAddress = service.mac_address;
    return [];
  }
  const projectNetworks = ctx.project.networks ?? {};
  if (Object.keys(projectNetworks).length === 0) {
    host.NetworkMode = "none";
    return [];
  }
  const keys = Object.keys(service.networks ?? {}).length ? networksByPriority(service) : ["default"];
  const engineName = (key: string) => projectNetworks[key]?.name ?? `${ctx.project.name}_${key}`;
  const multiAtCreate = apiAtLeast(ctx.apiVersion, "1.44");
  const endpoints: Record<string, EndpointSettings> = {};
  const connect: ContainerSpec["connect"] = [];
  keys.forEach((key, i) => {
    const cfg = service.networks?.[key];
    const ep = endpointFor(ctx, canonicalName, cfg, links, warn, key);
    if (i === 0) {
      if (service.mac_address) {
        if (multiAtCreate) ep.MacAddress ??= service.mac_address;
        else create.MacAddress = service.mac_address;
      }
      if (!multiAtCreate && ep.MacAddress) {
        create.MacAddress = ep.MacAddress;
        delete ep.MacAddress;
      }
      endpoints[engineName(key)] = ep;
    } else if (multiAtCreate) {
      endpoints[engineName(key)] = ep;
    } else {
      if (ep.MacAddress) {
        warn(
          `networks.${key}.mac_address`,
          `on a secondary network needs Engine API 1.44 (engine speaks ${ctx.apiVersion}); ignored`,
        );
        delete ep.MacAddress;
      }
      connect.push({ network: engineName(key), endpoint: ep });
    }
  });
  host.NetworkMode = engineName(keys[0]);
  create.NetworkingConfig = { EndpointsConfig: endpoints };
  return connect;
}

/** Bind mounts that need the Mount API (no host-path creation, propagation, recursion options). */
function bindNeedsMountApi(v: ServiceVolumeConfig): boolean {
  if (!v.bind) return false;
  return !v.bind.create_host_path || Boolean(v.bind.propagation) || Boolean(v.bind.recursive);
}

function bindString(v: ServiceVolumeConfig): string {
  const opts = [v.read_only ? "ro" : "rw"];
  if (v.bind?.selinux) opts.push(v.bind.selinux);
  if (v.bind?.propagation) opts.push(v.bind.propagation);
  if (v.volume?.nocopy) opts.push("nocopy");
  return `${v.source}:${v.target}:${opts.join(",")}`;
}

function toMount(
  ctx: SpecContext,
  v: ServiceVolumeConfig,
  warn: (f: string, w: string) => void,
): MountSpec | undefined {
  const m: MountSpec = { Type: v.type, Target: v.target };
  if (v.read_only) m.ReadOnly = true;
  if (v.consistency) m.Consistency = v.consistency;
  switch (v.type) {
    case "bind": {
      m.Source = v.source;
      const b = v.bind;
      if (b) {
        const opts: NonNullable<MountSpec["BindOptions"]> = {};
        if (b.propagation) opts.Propagation = b.propagation;
        if (b.create_host_path) opts.CreateMountpoint = true;
        if (b.recursive === "disabled") opts.NonRecursive = true;
        else if (b.recursive === "writable") opts.ReadOnlyNonRecursive = true;
        else if (b.recursive === "readonly") opts.ReadOnlyForceRecursive = true;
        if (Object.keys(opts).length) m.BindOptions = opts;
      }
      break;
    }
    case "volume": {
      if (v.source) m.Source = ctx.project.volumes?.[v.source]?.name ?? v.source;
      const opts: NonNullable<MountSpec["VolumeOptions"]> = {};
      if (v.volume?.nocopy) opts.NoCopy = true;
      if (v.volume?.labels) opts.Labels = v.volume.labels;
      if (v.volume?.subpath) {
        if (apiAtLeast(ctx.apiVersion, "1.45")) opts.Subpath = v.volume.subpath;
        else
          warn(
            `volumes[${v.target}].volume.subpath`,
            `needs Engine API 1.45 (engine speaks ${ctx.apiVersion}); ignored`,
          );
      }
      if (Object.keys(opts).length) m.VolumeOptions = opts;
      break;
    }
    case "tmpfs": {
      const opts: NonNullable<MountSpec["TmpfsOptions"]> = {};
      if (v.tmpfs?.size !== undefined) opts.SizeBytes = v.tmpfs.size;
      if (v.tmpfs?.mode !== undefined) opts.Mode = v.tmpfs.mode;
      if (Object.keys(opts).length) m.TmpfsOptions = opts;
      break;
    }
    case "image": {
      if (!apiAtLeast(ctx.apiVersion, "1.48")) {
        warn(
          `volumes[${v.target}]`,
          `of type image needs Engine API 1.48 (engine speaks ${ctx.apiVersion}); not mounted`,
        );
        return undefined;
      }
      m.Source = v.source;
      if (v.image?.subpath) m.ImageOptions = { Subpath: v.image.subpath };
      break;
    }
    default:
      m.Source = v.source;
  }
  return m;
}

function buildMounts(
  ctx: SpecContext,
  service: ServiceConfig,
  warn: (f: string, w: string) => void,
): { binds: string[]; mounts: MountSpec[] } {
  const binds: string[] = [];
  const mounts: MountSpec[] = [];
  const taken = new Set<string>();

  // Anonymous volumes of the replaced container live on in the new one.
  const inherited = new Map<string, ContainerMount>();
  for (const m of ctx.inherit?.mounts ?? []) {
    if (m.Type === "volume" && m.Name) inherited.set(m.Destination, m);
  }

  for (const v of service.volumes ?? []) {
    if (v.type === "volume" && !v.source && inherited.has(v.target)) {
      const old = inherited.get(v.target)!;
      mounts.push({ Type: "volume", Source: old.Name, Target: v.target, ...(v.read_only ? { ReadOnly: true } : {}) });
      taken.add(v.target);
      continue;
    }
    if (v.type === "bind" && !bindNeedsMountApi(v)) {
      binds.push(bindString(v));
      taken.add(v.target);
      continue;
    }
    const m = toMount(ctx, v, warn);
    if (m) {
      mounts.push(m);
      taken.add(v.target);
    }
  }
  for (const path of ctx.inherit?.imageVolumes ?? []) {
    const old = inherited.get(path);
    if (old && !taken.has(path)) {
      mounts.push({ Type: "volume", Source: old.Name, Target: path, ...(old.RW ? {} : { ReadOnly: true }) });
      taken.add(path);
    }
  }

  // Secrets and configs backed by a file are read-only binds.
  for (const kind of ["secret", "config"] as const) {
    const refs = kind === "secret" ? service.secrets : service.configs;
    const defs = kind === "secret" ? ctx.project.secrets : ctx.project.configs;
    for (const ref of refs ?? []) {
      const def = defs?.[ref.source];
      const target = fileReferenceTarget(kind, ref.source, ref.target);
      if (!def) {
        warn(`${kind}s.${ref.source}`, "is not declared at the top level; ignored");
        continue;
      }
      if (def.external) {
        warn(`${kind}s.${ref.source}`, "is external, which only Swarm can provide; ignored");
        continue;
      }
      if (!def.file || taken.has(target)) continue;
      if (ref.uid !== undefined || ref.gid !== undefined || ref.mode !== undefined) {
        warn(`${kind}s.${ref.source}`, "uid/gid/mode cannot apply to a file bind mount; ignored");
      }
      mounts.push({ Type: "bind", Source: def.file, Target: target, ReadOnly: true });
      taken.add(target);
    }
  }
  return { binds, mounts };
}

function fileCopies(ctx: SpecContext, service: ServiceConfig, warn: (f: string, w: string) => void): FileCopy[] {
  const out: FileCopy[] = [];
  for (const kind of ["secret", "config"] as const) {
    const refs = kind === "secret" ? service.secrets : service.configs;
    for (const ref of refs ?? []) {
      const content = inlineFileContent(ctx.project, kind, ref.source, ctx.environment);
      if (content === undefined) continue;
      const def = (kind === "secret" ? ctx.project.secrets : ctx.project.configs)?.[ref.source];
      if (def?.environment !== undefined && ctx.environment[def.environment] === undefined) {
        warn(
          `${kind}s.${ref.source}`,
          `reads environment variable ${def.environment}, which is not set; the file will be empty`,
        );
      }
      out.push({
        target: fileReferenceTarget(kind, ref.source, ref.target),
        content,
        uid: ref.uid ? Number.parseInt(ref.uid, 10) || 0 : 0,
        gid: ref.gid ? Number.parseInt(ref.gid, 10) || 0 : 0,
        mode: ref.mode ?? 0o444,
      });
    }
  }
  return out;
}

/** Profile paths named by `seccomp=<file>` security options (not `unconfined`/`builtin`). */
export function seccompProfilePaths(service: ServiceConfig): string[] {
  const out: string[] = [];
  for (const opt of service.security_opt ?? []) {
    const m = /^seccomp[=:](.*)$/.exec(opt);
    if (m && m[1] !== "unconfined" && m[1] !== "builtin") out.push(m[1]);
  }
  return out;
}

function applySecurityOpts(
  ctx: SpecContext,
  opts: string[],
  host: HostConfig,
  warn: (f: string, w: string) => void,
): void {
  const out: string[] = [];
  for (const opt of opts) {
    if (opt === "systempaths=unconfined") {
      host.MaskedPaths = [];
      host.ReadonlyPaths = [];
      continue;
    }
    const [path] = seccompProfilePaths({ security_opt: [opt] } as ServiceConfig);
    if (path !== undefined) {
      // The engine wants the profile itself, compacted, as the docker CLI sends it.
      const profile = ctx.seccompProfiles?.[path];
      if (profile !== undefined) {
        try {
          out.push(`seccomp=${JSON.stringify(JSON.parse(profile))}`);
          continue;
        } catch {
          warn("security_opt", `seccomp profile ${path} is not valid JSON; passed through as written`);
        }
      } else {
        warn("security_opt", `seccomp profile ${path} could not be read; passed through as written`);
      }
    }
    out.push(opt);
  }
  if (out.length) host.SecurityOpt = out;
}

function applyResources(service: ServiceConfig, host: HostConfig, warn: (f: string, w: string) => void): void {
  if (service.cgroup_parent) host.CgroupParent = service.cgroup_parent;
  if (service.mem_limit) host.Memory = service.mem_limit;
  if (service.memswap_limit) host.MemorySwap = service.memswap_limit;
  if (service.mem_swappiness !== undefined && service.mem_swappiness !== 0)
    host.MemorySwappiness = service.mem_swappiness;
  if (service.mem_reservation) host.MemoryReservation = service.mem_reservation;
  if (service.oom_kill_disable !== undefined) host.OomKillDisable = service.oom_kill_disable;
  if (service.cpu_count) host.CpuCount = service.cpu_count;
  if (service.cpu_percent) host.CpuPercent = service.cpu_percent;
  if (service.cpu_period) host.CpuPeriod = service.cpu_period;
  if (service.cpu_quota) host.CpuQuota = service.cpu_quota;
  if (service.cpu_rt_period) host.CpuRealtimePeriod = service.cpu_rt_period;
  if (service.cpu_rt_runtime) host.CpuRealtimeRuntime = service.cpu_rt_runtime;
  if (service.cpu_shares) host.CpuShares = service.cpu_shares;
  if (service.cpus) host.NanoCpus = Math.round(service.cpus * 1e9);
  if (service.cpuset) host.CpusetCpus = service.cpuset;
  if (service.device_cgroup_rules?.length) host.DeviceCgroupRules = service.device_cgroup_rules;
  if (service.pids_limit) host.PidsLimit = service.pids_limit;
  applyBlkio(service.blkio_config, host);

  const limits = service.deploy?.resources?.limits;
  if (limits?.memory) host.Memory = limits.memory;
  if (limits?.cpus !== undefined && Number(limits.cpus) !== 0) host.NanoCpus = Math.round(Number(limits.cpus) * 1e9);
  if (limits?.pids && limits.pids > 0) host.PidsLimit = limits.pids;
  const reservations = service.deploy?.resources?.reservations;
  if (reservations?.memory) host.MemoryReservation = reservations.memory;
  if (reservations?.cpus !== undefined)
    warn("deploy.resources.reservations.cpus", "is a Swarm scheduling hint the engine cannot enforce; ignored");
  if (reservations?.generic_resources?.length)
    warn("deploy.resources.reservations.generic_resources", "is Swarm-only; ignored");

  for (const d of service.devices ?? []) {
    const target = d.target ?? d.source;
    if (d.source === target && /^[a-z0-9.-]+\/[a-z0-9._-]+=\S+$/i.test(d.source)) {
      (host.DeviceRequests ??= []).push({ Driver: "cdi", DeviceIDs: [d.source] });
      continue;
    }
    (host.Devices ??= []).push({
      PathOnHost: d.source,
      PathInContainer: target,
      CgroupPermissions: d.permissions ?? "rwm",
    });
  }
  for (const raw of [...(reservations?.devices ?? []), ...(service.gpus ?? [])]) {
    const d = raw as {
      driver?: string;
      count?: number | string;
      device_ids?: string[];
      capabilities?: string[];
      options?: Record<string, string>;
    };
    const fromGpus = (service.gpus ?? []).includes(raw);
    const caps = [...(d.capabilities ?? [])];
    if (fromGpus && !caps.includes("gpu")) caps.push("gpu");
    (host.DeviceRequests ??= []).push({
      ...(d.driver ? { Driver: d.driver } : {}),
      Count: d.count === "all" ? -1 : d.count !== undefined ? Number(d.count) : d.device_ids?.length ? 0 : -1,
      ...(d.device_ids ? { DeviceIDs: d.device_ids } : {}),
      Capabilities: [caps],
      ...(d.options ? { Options: d.options } : {}),
    });
  }

  const ulimits = Object.entries(service.ulimits ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  if (ulimits.length) {
    host.Ulimits = ulimits.map(([name, u]) => ({
      Name: name,
      Soft: u.soft ?? u.single ?? 0,
      Hard: u.hard ?? u.single ?? 0,
    }));
  }
}

function applyBlkio(raw: unknown, host: HostConfig): void {
  if (!raw || typeof raw !== "object") return;
  const b = raw as {
    weight?: number;
    weight_device?: Array<{ path: string; weight: number }>;
    device_read_bps?: Array<{ path: string; rate: number }>;
    device_write_bps?: Array<{ path: string; rate: number }>;
    device_read_iops?: Array<{ path: string; rate: number }>;
    device_write_iops?: Array<{ path: string; rate: number }>;
  };
  const rates = (list?: Array<{ path: string; rate: number }>) => list?.map((d) => ({ Path: d.path, Rate: d.rate }));
  if (b.weight) host.BlkioWeight = b.weight;
  if (b.weight_device) host.BlkioWeightDevice = b.weight_device.map((d) => ({ Path: d.path, Weight: d.weight }));
  if (b.device_read_bps) host.BlkioDeviceReadBps = rates(b.device_read_bps);
  if (b.device_write_bps) host.BlkioDeviceWriteBps = rates(b.device_write_bps);
  if (b.device_read_iops) host.BlkioDeviceReadIOps = rates(b.device_read_iops);
  if (b.device_write_iops) host.BlkioDeviceWriteIOps = rates(b.device_write_iops);
}

const SWARM_ONLY_DEPLOY = ["placement", "update_config", "rollback_config", "endpoint_mode"];

function warnUnsupported(service: ServiceConfig, apiVersion: string, warn: (f: string, w: string) => void): void {
  const mode = service.deploy?.mode;
  if (mode && mode !== "replicated") warn("deploy.mode", `"${mode}" is Swarm-only; deployed as replicated`);
  for (const key of SWARM_ONLY_DEPLOY) {
    if (service.deploy?.[key] !== undefined) warn(`deploy.${key}`, "is Swarm-only; ignored");
  }
  if (service.deploy?.labels && Object.keys(service.deploy.labels).length) {
    warn("deploy.labels", "label the Swarm service, not the container; ignored");
  }
  const rp = service.deploy?.restart_policy;
  if (rp?.delay || rp?.window) warn("deploy.restart_policy.delay/window", "are Swarm-only; ignored");
  if (service.credential_spec !== undefined) warn("credential_spec", "is Windows-only; ignored");
  for (const [key, cfg] of Object.entries(service.networks ?? {})) {
    if (
      cfg?.mac_address &&
      !apiAtLeast(apiVersion, "1.44") &&
      service.mac_address &&
      cfg.mac_address !== service.mac_address
    ) {
      warn(`networks.${key}.mac_address`, "differs from the service mac_address; the service one wins on this engine");
    }
  }
}
