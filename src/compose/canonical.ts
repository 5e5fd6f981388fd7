/**
 * Short syntax → long syntax, on one compose document before it is merged (compose-go's
 * `transform.Canonical`, plus the list → mapping conversions its decoders do later, done here so
 * that merging only ever sees one shape per attribute).
 *
 * Input is a validated, interpolated, type-cast document that may still hold the `!reset` /
 * `!override` markers: a marker is kept where it stands and the value inside an `!override` is
 * transformed like any other. Nothing is dropped: attributes not listed here pass through as-is.
 */
import { isIP } from "node:net";
import { UserError } from "./errors.js";
import { defineEntry, isMapping, keyValueMapping, ownEntry } from "./mapping.js";
import { goClean, goString, goType } from "./go-format.js";
import { Override, isOverride, isReset } from "./yaml-tags.js";
import { shellSplit, ShellSplitError } from "./shell-split.js";

type Mapping = Record<string, unknown>;

export function canonicalizeFile(dict: Record<string, unknown>): Record<string, unknown> {
  const out: Mapping = {};
  for (const [key, value] of Object.entries(dict)) {
    switch (key) {
      case "services":
        out[key] = marked(value, (services) =>
          mapEntries(services, (name, s) => marked(s, (svc) => canonService(svc, `services.${name}`))),
        );
        break;
      case "networks":
      case "volumes":
      case "secrets":
      case "configs":
        out[key] = marked(value, (items) =>
          mapEntries(items, (name, r) => marked(r, (res) => canonResource(res, `${key}.${name}`))),
        );
        break;
      case "include":
        out[key] = marked(value, (list) => (Array.isArray(list) ? list.map((e) => marked(e, canonInclude)) : list));
        break;
      default:
        defineEntry(out, key, value);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Services

type Transform = (value: unknown, path: string) => unknown;

const SERVICE: Record<string, Transform> = {
  build: (v, p) => (typeof v === "string" ? { context: v } : isMapping(v) ? canonBuild(v, p) : v),
  depends_on: canonDependsOn,
  env_file: canonEnvFile,
  label_file: stringToList,
  extends: (v) => (typeof v === "string" ? { service: v } : v),
  gpus: (v) => (typeof v === "string" ? [{ count: "all" }] : v),
  networks: namesToMapping,
  models: namesToMapping,
  volumes: (v, p) => eachEntry(v, p, canonVolumeMount),
  dns: (v) => omitEmptyStrings(stringToList(v)),
  dns_search: stringToList,
  tmpfs: stringToList,
  devices: (v, p) => eachEntry(v, p, canonDevice),
  secrets: (v, p) => eachEntry(v, p, canonFileReference),
  configs: (v, p) => eachEntry(v, p, canonFileReference),
  ports: canonPorts,
  environment: (v, p) => keyValueList(v, p, null),
  labels: (v, p) => keyValueList(v, p, ""),
  annotations: (v, p) => keyValueList(v, p, ""),
  sysctls: (v, p) => keyValueList(v, p, ""),
  extra_hosts: canonExtraHosts,
  command: canonShellCommand,
  entrypoint: canonShellCommand,
  healthcheck: (v) => (isMapping(v) ? mapKeys(v, { test: canonHealthcheckTest }) : v),
  deploy: (v, p) => (isMapping(v) ? mapKeys(v, { labels: (l, lp) => keyValueList(l, lp, "") }, p) : v),
  develop: (v, p) => (isMapping(v) ? mapKeys(v, { watch: canonWatch }, p) : v),
  post_start: (v, p) => eachEntry(v, p, canonHook),
  pre_stop: (v, p) => eachEntry(v, p, canonHook),
};

function canonService(service: unknown, path: string): unknown {
  if (!isMapping(service)) return service;
  return mapKeys(service, SERVICE, path);
}

const BUILD: Record<string, Transform> = {
  args: (v, p) => keyValueList(v, p, null),
  labels: (v, p) => keyValueList(v, p, ""),
  additional_contexts: canonAdditionalContexts,
  ssh: canonSsh,
  secrets: (v, p) => eachEntry(v, p, canonFileReference),
  extra_hosts: canonExtraHosts,
  cache_from: stringToList,
  cache_to: stringToList,
  no_cache_filter: stringToList,
  tags: stringToList,
  platforms: stringToList,
};

function canonBuild(build: Mapping, path: string): Mapping {
  return mapKeys(build, BUILD, path) as Mapping;
}

function canonDependsOn(value: unknown, path: string): unknown {
  if (Array.isArray(value)) {
    const out: Mapping = {};
    for (const name of value) defineEntry(out, String(name), { condition: "service_started", required: true });
    return out;
  }
  if (!isMapping(value)) return value;
  return mapEntries(value, (name, dep) =>
    marked(dep, (d) => {
      if (!isMapping(d))
        throw new UserError(`${path}.${name}: unsupported value ${goString(d)}`, { path: `${path}.${name}` });
      const out: Mapping = { ...d };
      if (!("condition" in out)) out.condition = "service_started";
      if (!("required" in out)) out.required = true;
      return out;
    }),
  );
}

function canonEnvFile(value: unknown, path: string): unknown {
  const one = (e: unknown): unknown => {
    if (typeof e === "string") return { path: e, required: true };
    if (isMapping(e)) return "required" in e ? { ...e } : { ...e, required: true };
    return e;
  };
  if (typeof value === "string") return [one(value)];
  if (Array.isArray(value)) return value.map((e) => marked(e, one));
  if (value === null || value === undefined) return value;
  throw new UserError(`${path}: invalid type ${goType(value)} for env_file`, { path });
}

function canonAdditionalContexts(value: unknown, path: string): unknown {
  if (!Array.isArray(value)) return value;
  const out: Mapping = {};
  for (const e of value) {
    const s = String(e);
    const eq = s.indexOf("=");
    if (eq < 0) throw new UserError(`${path}: invalid value ${s}, expected key=value`, { path });
    defineEntry(out, s.slice(0, eq), s.slice(eq + 1));
  }
  return out;
}

function canonSsh(value: unknown, path: string): unknown {
  if (typeof value === "string") value = [value];
  if (!Array.isArray(value)) return value;
  const out: Mapping = {};
  for (const e of value) {
    if (typeof e !== "string") throw new UserError(`${path}: invalid ssh key type ${goType(e)}`, { path });
    const eq = e.indexOf("=");
    if (eq < 0) {
      if (e !== "default") throw new UserError(`${path}: invalid ssh key ${JSON.stringify(e)}`, { path });
      defineEntry(out, e, null);
    } else {
      defineEntry(out, e.slice(0, eq), e.slice(eq + 1));
    }
  }
  return out;
}

function canonFileReference(value: unknown): unknown {
  return typeof value === "string" ? { source: value } : value;
}

function canonDevice(value: unknown, path: string): unknown {
  if (typeof value !== "string") return value;
  const parts = value.split(":");
  if (parts.length > 3) {
    throw new UserError(`${path}: confusing device mapping, please use long syntax: ${value}`, { path });
  }
  const source = parts[0]!;
  const target = parts[1] || source;
  return { source, target, permissions: parts[2] ?? "rwm" };
}

function canonHealthcheckTest(value: unknown): unknown {
  return typeof value === "string" ? ["CMD-SHELL", value] : value;
}

function canonShellCommand(value: unknown, path: string): unknown {
  if (typeof value !== "string") return value;
  try {
    return shellSplit(value);
  } catch (e) {
    if (e instanceof ShellSplitError) throw new UserError(`${path}: ${e.message}: ${value}`, { path, cause: e });
    throw e;
  }
}

function canonHook(value: unknown, path: string): unknown {
  if (!isMapping(value)) return value;
  return mapKeys(value, { command: canonShellCommand, environment: (v, p) => keyValueList(v, p, null) }, path);
}

/** `develop.watch`: an entry watching several paths becomes one entry per path. */
function canonWatch(value: unknown, path: string): unknown {
  if (!Array.isArray(value)) return value;
  const kept: unknown[] = [];
  const expanded: unknown[] = [];
  value.forEach((entry, i) => {
    if (!isMapping(entry)) return kept.push(entry);
    const w = mapKeys(entry, { ignore: stringToList, include: stringToList }, `${path}[${i}]`) as Mapping;
    if (Array.isArray(w.path)) {
      for (const p of w.path) expanded.push({ ...w, path: p });
    } else {
      kept.push(w);
    }
  });
  return [...kept, ...expanded];
}

// ---------------------------------------------------------------------------------------------
// KEY=VALUE lists → mappings

/**
 * environment, labels, sysctls, build args, …: a `KEY=VALUE` list becomes a mapping (see keyValueMapping).
 * Mapping values are kept as written; normalization turns them into strings.
 */
function keyValueList(value: unknown, _path: string, bare: null | ""): unknown {
  return Array.isArray(value) ? keyValueMapping(value, bare) : value;
}

/** extra_hosts (list of `host=ip`/`host:ip`, or mapping) → mapping of host → addresses. */
function canonExtraHosts(value: unknown, path: string): unknown {
  if (value === null || value === undefined) return value;
  const hosts: Record<string, string[]> = {};
  const add = (host: string, ips: string[]) => {
    defineEntry(hosts, host, [...(ownEntry(hosts, host) ?? []), ...ips]);
  };
  if (Array.isArray(value)) {
    for (const entry of value) {
      const s = goString(entry);
      let found = false;
      for (const sep of ["=", ":"]) {
        const at = s.indexOf(sep);
        if (at >= 0) {
          add(s.slice(0, at), s.slice(at + 1).split(","));
          found = true;
          break;
        }
      }
      if (!found) throw new UserError(`${path}: invalid additional host, missing IP: ${s}`, { path });
    }
  } else if (isMapping(value)) {
    for (const [host, ips] of Object.entries(value)) {
      if (ips === null || ips === undefined) add(host, [""]);
      else if (Array.isArray(ips)) add(host, ips.map(goString));
      else add(host, [goString(ips)]);
    }
  } else {
    throw new UserError(`${path}: unexpected value type ${goType(value)} for extra_hosts`, { path });
  }
  for (const [host, ips] of Object.entries(hosts)) {
    if (host === "" || host.includes(":") || host.includes("=")) {
      throw new UserError(`${path}: bad host name '${host}'`, { path });
    }
    defineEntry(
      hosts,
      host,
      ips.map((ip) => (ip.length > 2 && ip.startsWith("[") && ip.endsWith("]") ? ip.slice(1, -1) : ip)),
    );
  }
  return hosts;
}

// ---------------------------------------------------------------------------------------------
// Ports (docker/go-connections nat.ParsePortSpecs, as compose-go's ParsePortConfig uses it)

function canonPorts(value: unknown, path: string): unknown {
  if (!Array.isArray(value)) {
    if (value === null || value === undefined) return value;
    throw new UserError(`${path}: invalid type ${goType(value)} for port`, { path });
  }
  const out: unknown[] = [];
  value.forEach((entry, i) => {
    const at = `${path}[${i}]`;
    if (typeof entry === "number") out.push({ target: entry });
    else if (typeof entry === "string") out.push(...parsePortSpec(entry, at));
    else if (isMapping(entry) || isReset(entry) || isOverride(entry)) out.push(entry);
    else throw new UserError(`${at}: invalid type ${goType(entry)} for port`, { path: at });
  });
  return out;
}

interface PortConfig {
  mode: string;
  host_ip?: string;
  target: number;
  published?: string;
  protocol: string;
}

/** One short-syntax port (`[ip:][host[-range]:]container[-range][/proto]`) → long-syntax entries. */
export function parsePortSpec(raw: string, path = "ports"): PortConfig[] {
  const fail = (msg: string) => new UserError(`${path}: ${msg}`, { path });
  const parts = raw.split(":");
  const n = parts.length;
  let ip = "";
  let hostPort = "";
  let containerPart = parts[n - 1]!;
  if (n === 2) hostPort = parts[0]!;
  else if (n === 3) [ip, hostPort] = [parts[0]!, parts[1]!];
  else if (n > 3) [ip, hostPort] = [parts.slice(0, n - 2).join(":"), parts[n - 2]!];

  const [proto, containerPort] = splitProtoPort(containerPart);
  containerPart = containerPort;
  if (ip.startsWith("[")) {
    if (!ip.endsWith("]")) throw fail(`invalid IP address ${ip}`);
    ip = ip.slice(1, -1);
  }
  if (ip !== "" && isIP(ip) === 0) throw fail(`invalid IP address: ${ip}`);
  if (containerPart === "") throw fail(`no port specified: ${raw}<empty>`);

  const container = parsePortRange(containerPart);
  if (!container) throw fail(`invalid containerPort: ${containerPart}`);
  let host: [number, number] = [0, 0];
  if (hostPort !== "") {
    const parsed = parsePortRange(hostPort);
    if (!parsed) throw fail(`invalid hostPort: ${hostPort}`);
    host = parsed;
  }
  const [start, end] = container;
  const [hostStart, hostEnd] = host;
  if (hostPort !== "" && end - start !== hostEnd - hostStart && end !== start) {
    throw fail(`invalid ranges specified for container and host Ports: ${containerPart} and ${hostPort}`);
  }
  const protocol = proto.toLowerCase();
  if (!["tcp", "udp", "sctp"].includes(protocol)) throw fail(`invalid proto: ${proto}`);

  const mappings: Array<{ key: string; config: PortConfig }> = [];
  for (let i = 0; i <= end - start; i++) {
    let published = hostPort === "" ? "" : String(hostStart + i);
    // a single container port with a host range lets the engine pick one port in the range
    if (start === end && hostStart !== hostEnd) published = `${published}-${hostEnd}`;
    const config: PortConfig = { mode: "ingress", target: start + i, protocol };
    if (ip !== "") config.host_ip = ip;
    if (published !== "") config.published = published;
    mappings.push({ key: `${start + i}/${protocol}`, config: reorderPort(config) });
  }
  // compose-go sorts the expanded ports by their "port/proto" text, not numerically
  return mappings.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((m) => m.config);
}

function reorderPort(p: PortConfig): PortConfig {
  const out: PortConfig = { mode: p.mode } as PortConfig;
  if (p.host_ip !== undefined) out.host_ip = p.host_ip;
  out.target = p.target;
  if (p.published !== undefined) out.published = p.published;
  out.protocol = p.protocol;
  return out;
}

function splitProtoPort(raw: string): [string, string] {
  const parts = raw.split("/");
  if (raw.length === 0 || parts[0]!.length === 0) return ["", ""];
  if (parts.length === 1) return ["tcp", raw];
  if (parts[1]!.length === 0) return ["tcp", parts[0]!];
  return [parts[1]!, parts[0]!];
}

function parsePortRange(ports: string): [number, number] | undefined {
  const parseOne = (s: string) => (/^\d+$/.test(s) && Number(s) <= 65535 ? Number(s) : undefined);
  if (!ports.includes("-")) {
    const p = parseOne(ports);
    return p === undefined ? undefined : [p, p];
  }
  const parts = ports.split("-");
  const start = parseOne(parts[0]!);
  const end = parseOne(parts[1]!);
  if (start === undefined || end === undefined || end < start) return undefined;
  return [start, end];
}

// ---------------------------------------------------------------------------------------------
// Volumes (compose-go format.ParseVolume)

function canonVolumeMount(value: unknown, path: string): unknown {
  if (typeof value !== "string") return value;
  return parseVolumeSpec(value, path);
}

/** `[source:]target[:options]` → long syntax, with compose-go's defaults for short binds and volumes. */
export function parseVolumeSpec(spec: string, path = "volumes"): Mapping {
  if (spec.length === 0) throw new UserError(`${path}: invalid empty volume spec`, { path });
  if (spec.length <= 2) return { type: "volume", target: spec };

  const vol: { source?: string; target?: string; readOnly: boolean; bind?: Mapping; volume?: Mapping } = {
    readOnly: false,
  };
  const chars = Array.from(spec);
  let buffer = "";
  let inVar = 0;
  const END = "\u0000";
  const flush = (sep: string) => {
    if (buffer.length === 0)
      throw new UserError(`${path}: invalid spec: ${spec}: empty section between colons`, { path });
    if (vol.source === undefined && sep === END) vol.target = buffer;
    else if (vol.source === undefined) vol.source = buffer;
    else if (vol.target === undefined) vol.target = buffer;
    else if (sep === ":") throw new UserError(`${path}: invalid spec: ${spec}: too many colons`, { path });
    else applyVolumeOptions(vol, buffer);
  };
  for (let i = 0; i <= chars.length; i++) {
    const c = i < chars.length ? chars[i]! : END;
    if (c === "$" && chars[i + 1] === "{") {
      inVar++;
      buffer += c;
      continue;
    }
    if (c === "}" && inVar > 0) {
      inVar--;
      buffer += c;
      continue;
    }
    if (c === ":" && Array.from(buffer).length === 1 && /\p{L}/u.test(buffer)) {
      buffer += c; // Windows drive letter
    } else if ((c === ":" || c === END) && inVar === 0) {
      flush(c);
      buffer = "";
    } else {
      buffer += c;
    }
  }

  const source = vol.source ?? "";
  const out: Mapping = {};
  if (isFilePath(source)) {
    out.type = "bind";
    vol.bind = { ...(vol.bind ?? {}), create_host_path: true };
  } else {
    out.type = "volume";
    vol.volume = vol.volume ?? {};
  }
  if (source !== "") out.source = source;
  if (vol.target !== undefined && vol.target !== "") out.target = goClean(vol.target);
  if (vol.readOnly) out.read_only = true;
  if (vol.bind) out.bind = orderBind(vol.bind);
  if (vol.volume) out.volume = vol.volume;
  return out;
}

const PROPAGATIONS = ["rprivate", "private", "rshared", "shared", "rslave", "slave"];

function applyVolumeOptions(vol: { readOnly: boolean; bind?: Mapping; volume?: Mapping }, options: string): void {
  for (const option of options.split(",")) {
    if (option === "ro") vol.readOnly = true;
    else if (option === "rw") vol.readOnly = false;
    else if (option === "nocopy") vol.volume = { nocopy: true };
    else if (PROPAGATIONS.includes(option)) vol.bind = { ...(vol.bind ?? {}), propagation: option };
    else if (option === "z" || option === "Z") vol.bind = { ...(vol.bind ?? {}), selinux: option };
    // other options are ignored, as compose-go does
  }
}

function orderBind(bind: Mapping): Mapping {
  const out: Mapping = {};
  for (const k of ["selinux", "propagation", "create_host_path"]) if (k in bind) out[k] = bind[k];
  return out;
}

function isFilePath(source: string): boolean {
  if (source === "") return false;
  if (source[0] === "." || source[0] === "/" || source[0] === "~") return true;
  if (source.startsWith("\\\\")) return true; // Windows named pipe
  const chars = Array.from(source);
  return chars.length > 1 && chars[1] === ":" && /\p{L}/u.test(chars[0]!);
}

// ---------------------------------------------------------------------------------------------
// Top-level resources and include

/** networks/volumes/secrets/configs: legacy `external: {name: x}` → `external: true` + `name: x`. */
function canonResource(resource: unknown, path: string): unknown {
  if (!isMapping(resource)) return resource;
  const out: Mapping = { ...resource };
  if (isMapping(out.external)) {
    const ext = out.external;
    out.external = true;
    if ("name" in ext) {
      if ("name" in out && out.name !== ext.name) {
        throw new UserError(`${path}: name and external.name conflict; only use name`, { path });
      }
      out.name = ext.name;
    }
  }
  if ("labels" in out) out.labels = marked(out.labels, (l) => keyValueList(l, `${path}.labels`, ""));
  return out;
}

function canonInclude(entry: unknown): unknown {
  if (typeof entry === "string") return { path: [entry] };
  if (!isMapping(entry)) return entry;
  const out: Mapping = { ...entry };
  if (typeof out.path === "string") out.path = [out.path];
  if (typeof out.env_file === "string") out.env_file = [out.env_file];
  return out;
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** Applies `fn` to a value, through an `!override` wrapper; a `!reset` marker stays as it is. */
function marked(value: unknown, fn: (v: unknown) => unknown): unknown {
  if (isReset(value)) return value;
  if (isOverride(value)) return new Override(fn(value.value));
  return fn(value);
}

function mapKeys(obj: Mapping, transforms: Record<string, Transform>, path = ""): Mapping {
  const out: Mapping = {};
  for (const [key, value] of Object.entries(obj)) {
    const t = Object.hasOwn(transforms, key) ? transforms[key] : undefined;
    const at = path ? `${path}.${key}` : key;
    defineEntry(out, key, t ? marked(value, (v) => t(v, at)) : value);
  }
  return out;
}

function mapEntries(value: unknown, fn: (key: string, v: unknown) => unknown): unknown {
  if (!isMapping(value)) return value;
  const out: Mapping = {};
  for (const [k, v] of Object.entries(value)) defineEntry(out, k, fn(k, v));
  return out;
}

function eachEntry(value: unknown, path: string, fn: (entry: unknown, path: string) => unknown): unknown {
  if (!Array.isArray(value)) return value;
  return value.map((entry, i) => marked(entry, (e) => fn(e, `${path}[${i}]`)));
}

function stringToList(value: unknown): unknown {
  return typeof value === "string" ? [value] : value;
}

function omitEmptyStrings(value: unknown): unknown {
  return Array.isArray(value) ? value.filter((e) => e !== "" && e !== null) : value;
}

function namesToMapping(value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  const out: Mapping = {};
  for (const name of value) defineEntry(out, String(name), null);
  return out;
}
