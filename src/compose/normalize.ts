/**
 * Project-level normalization: from the merged canonical model (paths resolved) to the Project that
 * `docker compose config` prints. Two stages, as in compose-go:
 *
 *  1. the model-level rules of `transform.SetDefaultValues`, `loader.Normalize`,
 *     `ResolveEnvironment` and `Project.WithServices{Environment,Labels}Resolved(discard)`:
 *     defaults, the implicit `default` network, resource names, implicit dependencies,
 *     `environment` completed from the project environment and `env_file`s, `label_file`s folded
 *     into `labels` (both file lists are dropped, as `config` does);
 *  2. the typed decode + marshal of compose-go's structs (the tables at the end of this file):
 *     field order, which zero values are omitted, durations as Go strings (`1m30s`), …
 *     Stage 2 has two targets: the model (model.ts types: byte sizes and file modes as numbers,
 *     extra_hosts as a mapping, x-* kept everywhere) and compose's exact JSON (`toComposeJson`).
 *
 * Stage 2 accepts either of its outputs as input, so a Project can be encoded again. Unknown
 * attributes are kept (after the known ones), never dropped.
 */
import { readFileSync } from "node:fs";
import { UserError } from "./errors.js";
import { isMapping } from "./mapping.js";
import { parseDotenv } from "./dotenv.js";
import type { Project } from "./model.js";
import { isOverride, isReset } from "./yaml-tags.js";
import { compareStrings, goClean, goParseBool, goString } from "./go-format.js";
import { canonicalDuration, DurationError } from "./durations.js";
import { parseByteSize, ByteSizeError } from "./units.js";
import { shellSplit, ShellSplitError } from "./shell-split.js";

type Mapping = Record<string, unknown>;

export interface NormalizeContext {
  /** Already normalized. */
  projectName: string;
  /** Absolute project directory. */
  workingDir: string;
  /** The resolved project environment (process env over --env-file/.env). */
  environment: Record<string, string>;
  /** Reads env_file / label_file content; a missing file must throw an error with `code: "ENOENT"`. */
  readFile?: (path: string) => string;
}

/** The canonical Project (model.ts): what `config` prints, with the typed values model.ts declares. */
export function normalizeProject(merged: Record<string, unknown>, ctx: NormalizeContext): Project {
  const model = normalizeModel(merged, ctx);
  return encodeProject(model, { target: "model" }) as unknown as Project;
}

/**
 * Exactly what `docker compose config --format json` prints for a Project (before Go's HTML
 * escaping of `<>&` and compose's `$` → `$$`). It differs from the model in a few encodings:
 * byte sizes are decimal strings (`"536870912"`), file modes octal strings (`"0440"`),
 * extra_hosts sorted `host=ip` strings, a single ulimit a bare number, and the `x-*` attributes
 * below the top level are left out (compose-go's structs tag them `json:"-"`).
 */
export function toComposeJson(project: Project): Record<string, unknown> {
  return encodeProject(project as unknown as Mapping, { target: "json" });
}

/**
 * The text `docker compose config --format json` prints: `toComposeJson`, indented by two spaces,
 * with Go's HTML-safe escapes (`<` → `\u003c`, …) and every `$` doubled as compose does.
 * No trailing newline, like compose.
 */
export function formatComposeJson(project: Project): string {
  const text = JSON.stringify(toComposeJson(project), null, 2);
  const goEscaped = text.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return goEscaped.replaceAll("$", "$$$$");
}

/**
 * docker compose's `WithoutUnnecessaryResources` (applied by `config` unless `--all`, after profiles):
 * drops the networks, volumes, secrets, configs and models no remaining service refers to.
 */
export function pruneUnusedResources(project: Project): Project {
  const p = project as unknown as Mapping;
  const used: Record<string, Set<string>> = {
    networks: new Set(),
    volumes: new Set(),
    secrets: new Set(),
    configs: new Set(),
    models: new Set(),
  };
  for (const service of Object.values((p.services ?? {}) as Record<string, Mapping>)) {
    for (const n of Object.keys((service.networks ?? {}) as Mapping)) used.networks!.add(n);
    for (const v of (service.volumes ?? []) as Mapping[]) {
      if (v.type === "volume" && typeof v.source === "string" && v.source !== "") used.volumes!.add(v.source);
    }
    for (const s of (service.secrets ?? []) as Mapping[]) used.secrets!.add(String(s.source));
    const build = service.build as Mapping | undefined;
    for (const s of (build?.secrets ?? []) as Mapping[]) used.secrets!.add(String(s.source));
    for (const c of (service.configs ?? []) as Mapping[]) used.configs!.add(String(c.source));
    for (const m of Object.keys((service.models ?? {}) as Mapping)) used.models!.add(m);
  }
  const out: Mapping = {};
  for (const [key, value] of Object.entries(p)) {
    const keep = used[key];
    if (!keep || !isMapping(value)) {
      out[key] = value;
      continue;
    }
    const filtered: Mapping = {};
    for (const [name, item] of Object.entries(value)) if (keep.has(name)) filtered[name] = item;
    if (Object.keys(filtered).length > 0) out[key] = filtered;
  }
  return out as unknown as Project;
}

// =============================================================================================
// Stage 1: model-level normalization (raw dicts)

function normalizeModel(merged: Mapping, ctx: NormalizeContext): Mapping {
  const model = plain(merged) as Mapping;
  delete model.include;
  delete model.version;
  model.name = ctx.projectName;
  // compose-go always exposes the project name to the project environment
  const env: Record<string, string> = { ...ctx.environment, COMPOSE_PROJECT_NAME: ctx.projectName };
  const readFile = ctx.readFile ?? defaultReadFile;

  const services = isMapping(model.services) ? model.services : {};
  model.services = services;
  for (const [name, raw] of Object.entries(services)) {
    const service = isMapping(raw) ? raw : {};
    services[name] = service;
    normalizeService(service, `services.${name}`, { env, workingDir: ctx.workingDir, readFile });
  }
  addDefaultNetwork(model);
  nameResources(model, ctx.projectName);
  return model;
}

interface ServiceContext {
  env: Record<string, string>;
  workingDir: string;
  readFile: (path: string) => string;
}

function normalizeService(s: Mapping, path: string, ctx: ServiceContext): void {
  const lookup = (k: string): string | undefined => (Object.hasOwn(ctx.env, k) ? ctx.env[k] : undefined);

  if (isMapping(s.build)) {
    const build = s.build;
    if (build.context === undefined || build.context === null) build.context = ctx.workingDir;
    if (isAbsent(build.dockerfile) && isAbsent(build.dockerfile_inline)) build.dockerfile = "Dockerfile";
    if (isMapping(build.args)) build.args = resolveMapping(build.args, lookup, false);
    else if (Array.isArray(build.args)) build.args = resolveMapping(listToMapping(build.args, null), lookup, false);
    defaultSecretTargets(build.secrets);
  }
  defaultSecretTargets(s.secrets);

  if (Array.isArray(s.ports)) {
    for (const port of s.ports) {
      if (!isMapping(port)) continue;
      if (!("protocol" in port)) port.protocol = "tcp";
      if (!("mode" in port)) port.mode = "ingress";
    }
  }
  const reservations = dig(s, ["deploy", "resources", "reservations"]);
  if (isMapping(reservations)) defaultDeviceCount(reservations.devices);
  defaultDeviceCount(s.gpus);

  if (Array.isArray(s.volumes)) {
    for (const v of s.volumes) {
      if (!isMapping(v)) continue;
      if (isMapping(v.bind) && !("create_host_path" in v.bind)) v.bind.create_host_path = true;
      if (typeof v.target === "string" && v.target !== "") v.target = goClean(v.target);
    }
  }
  if (s.pull_policy === "if_not_present") s.pull_policy = "missing";

  resolveServiceEnvironment(s, path, ctx, lookup);
  resolveServiceLabels(s, path, ctx);
  addImplicitDependencies(s);
  delete s.extends;
}

/** `environment` (bare keys from the project environment) completed by `env_file`, which is dropped. */
function resolveServiceEnvironment(
  s: Mapping,
  path: string,
  ctx: ServiceContext,
  lookup: (k: string) => string | undefined,
): void {
  let environment: Record<string, unknown> | undefined;
  if (isMapping(s.environment)) environment = s.environment;
  else if (Array.isArray(s.environment)) environment = listToMapping(s.environment, null);
  if (environment) environment = resolveMapping(environment, lookup, true);

  const envFiles = Array.isArray(s.env_file) ? s.env_file : typeof s.env_file === "string" ? [s.env_file] : [];
  delete s.env_file;
  if (envFiles.length > 0) {
    const serviceEnv = environment ?? {};
    const fromService: Record<string, string> = {};
    for (const [k, v] of Object.entries(serviceEnv)) if (v !== null && v !== undefined) fromService[k] = goString(v);
    const accumulated: Record<string, string> = { ...fromService };
    const fileLookup = (k: string): string | undefined => lookup(k) ?? fromService[k] ?? accumulated[k];
    envFiles.forEach((entry, i) => {
      const file = typeof entry === "string" ? { path: entry, required: true } : isMapping(entry) ? entry : undefined;
      if (!file || typeof file.path !== "string") return;
      const required = file.required === undefined || file.required === null || isTrue(file.required);
      const content = readOptional(ctx.readFile, file.path);
      if (content === undefined) {
        if (required) {
          throw new UserError(`env file ${file.path} not found: stat ${file.path}: no such file or directory`, {
            path: `${path}.env_file[${i}]`,
          });
        }
        return;
      }
      Object.assign(
        accumulated,
        parseEnvFile(content, file.path, typeof file.format === "string" ? file.format : "", fileLookup),
      );
    });
    environment = { ...accumulated, ...serviceEnv };
  }
  if (environment) s.environment = environment;
}

/** `label_file`s (in order) under the service's own `labels`; the file list is dropped. */
function resolveServiceLabels(s: Mapping, path: string, ctx: ServiceContext): void {
  const files = Array.isArray(s.label_file) ? s.label_file : typeof s.label_file === "string" ? [s.label_file] : [];
  delete s.label_file;
  if (files.length === 0) return;
  const labels: Record<string, string> = {};
  files.forEach((file, i) => {
    if (typeof file !== "string") return;
    const content = readOptional(ctx.readFile, file);
    if (content === undefined) {
      throw new UserError(`label file ${file} not found: stat ${file}: no such file or directory`, {
        path: `${path}.label_file[${i}]`,
      });
    }
    Object.assign(
      labels,
      parseEnvFile(content, file, "", (k) => labels[k]),
    );
  });
  const own = isMapping(s.labels) ? s.labels : Array.isArray(s.labels) ? listToMapping(s.labels, "") : {};
  const merged = { ...labels, ...own };
  if (Object.keys(merged).length > 0) s.labels = merged;
}

function parseEnvFile(
  content: string,
  file: string,
  format: string,
  lookup: (k: string) => string | undefined,
): Record<string, string> {
  if (format === "" || format === ".env") return parseDotenv(content, { file, lookup });
  if (format === "raw") {
    const out: Record<string, string> = {};
    for (const line of content.split(/\r?\n/)) {
      if (line.trim() === "" || line.trimStart().startsWith("#")) continue;
      const eq = line.indexOf("=");
      if (eq < 0) {
        const v = lookup(line);
        if (v !== undefined) out[line] = v;
      } else {
        out[line.slice(0, eq)] = line.slice(eq + 1);
      }
    }
    return out;
  }
  throw new UserError(`unsupported env_file format ${JSON.stringify(format)}`, { location: { file } });
}

/** Links, `service:` namespaces and volumes_from imply a dependency (compose-go's Normalize). */
function addImplicitDependencies(s: Mapping): void {
  const dependsOn: Mapping = isMapping(s.depends_on) ? s.depends_on : {};
  const add = (name: string, restart: boolean) => {
    if (!Object.hasOwn(dependsOn, name)) dependsOn[name] = { condition: "service_started", restart, required: true };
  };
  if (Array.isArray(s.links)) {
    for (const link of s.links) {
      const parts = String(link).split(":");
      add(parts.length === 2 ? parts[0]! : String(link), true);
    }
  }
  for (const ns of ["network_mode", "ipc", "pid", "uts", "cgroup"]) {
    const ref = s[ns];
    if (typeof ref === "string" && ref.startsWith("service:")) add(ref.slice("service:".length), true);
  }
  if (Array.isArray(s.volumes_from)) {
    for (const v of s.volumes_from) {
      const spec = String(v);
      if (!spec.startsWith("container:")) add(spec.split(":")[0]!, false);
    }
  }
  if (Object.keys(dependsOn).length > 0) s.depends_on = dependsOn;
}

/** Services without networks join `default`, which then exists at the top level. */
function addDefaultNetwork(model: Mapping): void {
  const networks: Mapping = isMapping(model.networks) ? model.networks : {};
  let usesDefault = false;
  for (const service of Object.values(model.services as Record<string, Mapping>)) {
    if ("provider" in service || "network_mode" in service) continue;
    if (!isMapping(service.networks) || Object.keys(service.networks).length === 0) {
      service.networks = { default: null };
      usesDefault = true;
    } else if (Object.hasOwn(service.networks, "default")) {
      usesDefault = true;
    }
  }
  if (usesDefault && !Object.hasOwn(networks, "default")) networks.default = null;
  if (Object.keys(networks).length > 0) model.networks = networks;
}

/** Resources without `name:` are named `<project>_<key>`, or `<key>` when external. */
function nameResources(model: Mapping, projectName: string): void {
  for (const kind of ["networks", "volumes", "configs", "secrets"]) {
    const items = model[kind];
    if (!isMapping(items)) continue;
    for (const [key, raw] of Object.entries(items)) {
      const resource: Mapping = isMapping(raw) ? raw : {};
      if (resource.name === undefined || resource.name === null) {
        resource.name = isTrue(resource.external) ? key : `${projectName}_${key}`;
      }
      items[key] = resource;
    }
  }
}

function defaultSecretTargets(secrets: unknown): void {
  if (!Array.isArray(secrets)) return;
  for (const secret of secrets) {
    if (isMapping(secret) && !("target" in secret)) secret.target = `/run/secrets/${goString(secret.source)}`;
  }
}

function defaultDeviceCount(devices: unknown): void {
  if (!Array.isArray(devices)) return;
  for (const d of devices) if (isMapping(d) && !("count" in d) && !("device_ids" in d)) d.count = "all";
}

/** Fills `KEY: null` from the lookup; unresolved keys stay null (`keepEmpty`) or are dropped. */
function resolveMapping(m: Mapping, lookup: (k: string) => string | undefined, keepEmpty: boolean): Mapping {
  const out: Mapping = {};
  for (const [k, v] of Object.entries(m)) {
    if (v !== null && v !== undefined) out[k] = v;
    else {
      const found = lookup(k);
      if (found !== undefined) out[k] = found;
      else if (keepEmpty) out[k] = null;
    }
  }
  return out;
}

function listToMapping(list: unknown[], bare: null | ""): Mapping {
  const out: Mapping = {};
  for (const e of list) {
    const s = goString(e);
    const eq = s.indexOf("=");
    if (eq < 0) out[s] = bare;
    else out[s.slice(0, eq)] = s.slice(eq + 1);
  }
  return out;
}

function readOptional(readFile: (p: string) => string, file: string): string | undefined {
  try {
    return readFile(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new UserError(`failed to read ${file}: ${(e as Error).message}`, { location: { file }, cause: e });
  }
}

function defaultReadFile(path: string): string {
  return readFileSync(path, "utf8");
}

// =============================================================================================
// Stage 2: typed encoding (compose-go's structs as JSON)

const OMIT = Symbol("omit");
type Encoded = unknown | typeof OMIT;

interface EncodeOptions {
  /** `model`: model.ts types, extensions kept. `json`: compose-go's JSON marshalling. */
  target: "model" | "json";
}

type Codec = (value: unknown, at: string, opts: EncodeOptions) => Encoded;

interface Field {
  name: string;
  codec: Codec;
  /** Printed even when absent (no `omitempty`, or a non-pointer struct). */
  absent?: () => unknown;
}

function encodeProject(model: Mapping, opts: EncodeOptions): Mapping {
  const entries: Array<[string, unknown]> = [];
  entries.push(["name", goString(model.name ?? "")]);
  entries.push(["services", encodeMap(model.services, "services", opts, SERVICE, false) ?? {}]);
  const sections: Array<[string, Codec]> = [
    ["networks", NETWORK],
    ["volumes", VOLUME],
    ["secrets", SECRET],
    ["configs", CONFIG],
    ["models", MODEL],
  ];
  for (const [key, codec] of sections) {
    const encoded = encodeMap(model[key], key, opts, codec, false);
    if (encoded && Object.keys(encoded).length > 0) entries.push([key, encoded]);
  }
  const known = new Set(["name", "services", ...sections.map(([k]) => k), "include", "version"]);
  for (const [key, value] of Object.entries(model)) {
    if (!known.has(key) && value !== undefined) entries.push([key, rawValue(value)]);
  }
  entries.sort(([a], [b]) => compareStrings(a, b));
  return Object.fromEntries(entries);
}

function encodeMap(
  value: unknown,
  at: string,
  opts: EncodeOptions,
  codec: Codec,
  nullable: boolean,
): Mapping | undefined {
  if (!isMapping(value)) return undefined;
  const out: Mapping = {};
  for (const key of Object.keys(value).sort(compareStrings)) {
    const v = value[key];
    if ((v === null || v === undefined) && nullable) {
      out[key] = null;
      continue;
    }
    const encoded = codec(v ?? {}, `${at}.${key}`, opts);
    out[key] = encoded === OMIT ? {} : encoded;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Codecs

function struct(fields: Field[]): Codec {
  const names = new Set(fields.map((f) => f.name));
  return (value, at, opts) => {
    if (value === null || value === undefined) value = {};
    if (!isMapping(value)) throw new UserError(`${at}: expected a mapping, got ${describe(value)}`, { path: at });
    const out: Mapping = {};
    for (const field of fields) {
      if (!Object.hasOwn(value, field.name) || value[field.name] === undefined) {
        if (field.absent) out[field.name] = field.absent();
        continue;
      }
      const encoded = field.codec(value[field.name], `${at}.${field.name}`, opts);
      if (encoded !== OMIT) out[field.name] = encoded;
      else if (field.absent) out[field.name] = field.absent();
    }
    const extras = Object.keys(value)
      .filter((k) => !names.has(k) && value[k] !== undefined && (opts.target === "model" || !k.startsWith("x-")))
      .sort(compareStrings);
    for (const k of extras) out[k] = rawValue(value[k]);
    return out;
  };
}

/** A pointer to a struct: omitted when null. */
function ptr(codec: Codec): Codec {
  return (v, at, opts) => (v === null || v === undefined ? OMIT : codec(v, at, opts));
}

function listOf(codec: Codec, nullItems = false): Codec {
  return (v, at, opts) => {
    if (v === null || v === undefined) return OMIT;
    const list = Array.isArray(v) ? v : [v];
    if (list.length === 0) return OMIT;
    return list.map((item, i) => (item === null && nullItems ? null : codec(item, `${at}[${i}]`, opts)));
  };
}

function mapOf(codec: Codec, nullable: boolean): Codec {
  return (v, at, opts) => {
    const out = encodeMap(v, at, opts, codec, nullable);
    return out === undefined || Object.keys(out).length === 0 ? OMIT : out;
  };
}

/** A string field with `omitempty`. */
const str: Codec = (v) => {
  if (v === null || v === undefined) return OMIT;
  const s = scalarString(v);
  return s === "" ? OMIT : s;
};

/** A string printed even when empty (no `omitempty`). */
const strAlways = (v: unknown) => (v === null || v === undefined ? "" : scalarString(v));

const bool: Codec = (v, at) => (toBool(v, at) ? true : OMIT);
const boolPtr: Codec = (v, at) => (v === null || v === undefined ? OMIT : toBool(v, at));
const num: Codec = (v, at) => {
  if (v === null || v === undefined) return OMIT;
  const n = toNumber(v, at);
  return n === 0 ? OMIT : n;
};
const numPtr: Codec = (v, at) => (v === null || v === undefined ? OMIT : toNumber(v, at));

const duration: Codec = (v, at) => {
  if (v === null || v === undefined) return OMIT;
  const d = toDuration(v, at);
  return d === "0s" ? OMIT : d;
};
const durationPtr: Codec = (v, at) => (v === null || v === undefined ? OMIT : toDuration(v, at));

/** UnitBytes: a number of bytes (a decimal string in compose's JSON), zero omitted. */
const bytes: Codec = (v, at, opts) => {
  if (v === null || v === undefined) return OMIT;
  const n = toBytes(v, at);
  if (n === 0) return OMIT;
  return opts.target === "json" ? String(n) : n;
};

/** []string / StringList / StringOrNumberList. */
const strings: Codec = (v) => {
  if (v === null || v === undefined) return OMIT;
  const list = Array.isArray(v) ? v : [v];
  return list.length === 0 ? OMIT : list.map((e) => scalarString(e));
};

/** Mapping / Labels / Options: map[string]string with sorted keys; `KEY` alone is `""`. */
const mapping: Codec = (v) => {
  if (v === null || v === undefined) return OMIT;
  const m = Array.isArray(v) ? listToMapping(v, "") : isMapping(v) ? v : undefined;
  if (!m) return OMIT;
  const keys = Object.keys(m).sort(compareStrings);
  if (keys.length === 0) return OMIT;
  const out: Mapping = {};
  for (const k of keys) out[k] = m[k] === null || m[k] === undefined ? "" : scalarString(m[k]);
  return out;
};

/** MappingWithEquals: like mapping, but a key without value stays `null`. */
const mappingWithEquals: Codec = (v) => {
  if (v === null || v === undefined) return OMIT;
  const m = Array.isArray(v) ? listToMapping(v, null) : isMapping(v) ? v : undefined;
  if (!m) return OMIT;
  const keys = Object.keys(m).sort(compareStrings);
  if (keys.length === 0) return OMIT;
  const out: Mapping = {};
  for (const k of keys) out[k] = m[k] === null || m[k] === undefined ? null : scalarString(m[k]);
  return out;
};

/** HostsList: host → addresses (sorted `host=ip` strings in compose's JSON). */
const hosts: Codec = (v, at, opts) => {
  if (v === null || v === undefined) return OMIT;
  const list: string[] = [];
  if (isMapping(v)) {
    for (const [host, ips] of Object.entries(v)) {
      const addresses = ips === null || ips === undefined ? [""] : Array.isArray(ips) ? ips : [ips];
      for (const ip of addresses) list.push(`${host}=${scalarString(ip)}`);
    }
  } else if (Array.isArray(v)) {
    for (const entry of v) {
      const s = scalarString(entry);
      const sep = s.includes("=") ? "=" : ":";
      const idx = s.indexOf(sep);
      if (idx < 0) throw new UserError(`${at}: invalid additional host, missing IP: ${s}`, { path: at });
      for (const ip of s.slice(idx + 1).split(",")) list.push(`${s.slice(0, idx)}=${ip}`);
    }
  } else {
    throw new UserError(`${at}: unexpected value type ${describe(v)} for extra_hosts`, { path: at });
  }
  if (list.length === 0) return OMIT;
  if (opts.target === "json") return list.sort(compareStrings);
  const byHost: Record<string, string[]> = {};
  for (const entry of list) {
    const eq = entry.indexOf("=");
    (byHost[entry.slice(0, eq)] ??= []).push(entry.slice(eq + 1));
  }
  return Object.fromEntries(
    Object.keys(byHost)
      .sort(compareStrings)
      .map((h) => [h, byHost[h]]),
  );
};

/** ShellCommand: always printed, `null` when unset, `[]` when explicitly empty. */
const shellCommand: Codec = (v, at) => {
  if (v === null || v === undefined) return null;
  if (typeof v === "string") {
    try {
      return shellSplit(v);
    } catch (e) {
      if (e instanceof ShellSplitError) throw new UserError(`${at}: ${e.message}: ${v}`, { path: at, cause: e });
      throw e;
    }
  }
  if (Array.isArray(v)) return v.map((e) => scalarString(e));
  throw new UserError(`${at}: unexpected value type ${describe(v)} for command`, { path: at });
};

const healthTest: Codec = (v) => {
  if (v === null || v === undefined) return OMIT;
  if (typeof v === "string") return ["CMD-SHELL", v];
  const list = Array.isArray(v) ? v.map((e) => scalarString(e)) : [];
  return list.length === 0 ? OMIT : list;
};

/** FileMode: a number (an octal string, `"0440"`, in compose's JSON); strings are read as octal. */
const fileMode: Codec = (v, at, opts) => {
  if (v === null || v === undefined) return OMIT;
  let n: number;
  if (typeof v === "number") n = v;
  else if (typeof v === "string" && /^[0-7]+$/.test(v)) n = parseInt(v, 8);
  else throw new UserError(`${at}: invalid file mode ${JSON.stringify(v)}`, { path: at });
  return opts.target === "json" ? `0${n.toString(8)}` : n;
};

/** Ulimits: `{single}` or `{soft, hard}` (a bare number for `single` in compose's JSON). */
const ulimits: Codec = (v, at, opts) => {
  if (!isMapping(v)) return OMIT;
  const out: Mapping = {};
  for (const key of Object.keys(v).sort(compareStrings)) {
    const u = v[key];
    if (u === null || u === undefined) {
      out[key] = null;
    } else if (isMapping(u)) {
      const single = u.single === undefined || u.single === null ? 0 : toNumber(u.single, `${at}.${key}.single`);
      if (single !== 0) {
        out[key] = opts.target === "json" ? single : { single };
        continue;
      }
      const limit: Mapping = {};
      for (const k of ["soft", "hard"]) {
        const n = u[k] === undefined || u[k] === null ? 0 : toNumber(u[k], `${at}.${key}.${k}`);
        if (n !== 0) limit[k] = n;
      }
      out[key] = limit;
    } else {
      const n = toNumber(u, `${at}.${key}`);
      out[key] = n === 0 ? {} : opts.target === "json" ? n : { single: n };
    }
  }
  return Object.keys(out).length === 0 ? OMIT : out;
};

/** build.ssh: `default` or `id=path` entries, sorted by id. */
const ssh: Codec = (v) => {
  if (v === null || v === undefined) return OMIT;
  const entries: Array<[string, string]> = [];
  if (isMapping(v)) {
    for (const [id, p] of Object.entries(v)) entries.push([id, p === null || p === undefined ? "" : scalarString(p)]);
  } else {
    for (const e of Array.isArray(v) ? v : [v]) {
      const s = scalarString(e);
      const eq = s.indexOf("=");
      entries.push(eq < 0 ? [s, ""] : [s.slice(0, eq), s.slice(eq + 1)]);
    }
  }
  if (entries.length === 0) return OMIT;
  entries.sort(([a], [b]) => compareStrings(a, b));
  return entries.map(([id, p]) => (p === "" ? id : `${id}=${p}`));
};

/** NanoCPUs: a float32, zero omitted. */
/** A Go float32 (cpus, ratios): Go prints the shortest decimal that reads back as the same float32. */
const float32: Codec = (v, at) => {
  if (v === null || v === undefined) return OMIT;
  const n = toNumber(v, at);
  return n === 0 ? OMIT : shortestFloat32(n);
};

/** NanoCPUs: a float32, zero omitted. */
const cpus: Codec = float32;

/** DeviceCount: `all` is -1. */
const deviceCount: Codec = (v, at) => {
  if (v === null || v === undefined) return OMIT;
  let n: number;
  if (typeof v === "string" && v.toLowerCase() === "all") n = -1;
  else if (typeof v === "number") n = v;
  else if (typeof v === "string" && /^-?\d+$/.test(v)) n = Number(v);
  else
    throw new UserError(`${at}: invalid value ${JSON.stringify(v)}, the only value allowed is 'all' or a number`, {
      path: at,
    });
  return n === 0 ? OMIT : n;
};

const raw: Codec = (v) => rawValue(v);

// ---------------------------------------------------------------------------------------------
// compose-go structs, fields in declaration order

const f = (name: string, codec: Codec, absent?: () => unknown): Field => ({ name, codec, absent });

const FILE_REFERENCE = struct([f("source", str), f("target", str), f("uid", str), f("gid", str), f("mode", fileMode)]);

const ULIMITS = ulimits;

const DEVICE_REQUEST = struct([
  f("capabilities", strings),
  f("driver", str),
  f("count", deviceCount),
  f("device_ids", strings),
  f("options", mapping),
]);

const HOOK = struct([
  f("command", shellCommand, () => null),
  f("user", str),
  f("privileged", bool),
  f("working_dir", str),
  f("environment", mappingWithEquals),
]);

const BUILD = struct([
  f("context", str),
  f("dockerfile", str),
  f("dockerfile_inline", str),
  f("entitlements", strings),
  f("args", mappingWithEquals),
  f("provenance", str),
  f("sbom", str),
  f("ssh", ssh),
  f("labels", mapping),
  f("cache_from", strings),
  f("cache_to", strings),
  f("no_cache", bool),
  f("no_cache_filter", strings),
  f("additional_contexts", mapping),
  f("pull", bool),
  f("extra_hosts", hosts),
  f("isolation", str),
  f("network", str),
  f("target", str),
  f("secrets", listOf(FILE_REFERENCE)),
  f("shm_size", bytes),
  f("tags", strings),
  f("ulimits", ULIMITS),
  f("platforms", strings),
  f("privileged", bool),
]);

const TRIGGER = struct([
  f(
    "path",
    (v) => strAlways(v),
    () => "",
  ),
  f(
    "action",
    (v) => strAlways(v),
    () => "",
  ),
  f("target", str),
  f("exec", HOOK, () => HOOK({}, "", { target: "json" })),
  f("ignore", strings),
  f("include", strings),
]);

const DEVELOP = struct([f("watch", listOf(TRIGGER))]);

/** WeightDevice / ThrottleDevice have no json tags: Go prints their field names. */
const WEIGHT_DEVICE: Codec = (v, at) => {
  const m = isMapping(v) ? v : {};
  const path = m.path ?? m.Path;
  const weight = m.weight ?? m.Weight;
  return {
    Path: strAlways(path),
    Weight: weight === undefined || weight === null ? 0 : toNumber(weight, `${at}.weight`),
  };
};
const THROTTLE_DEVICE: Codec = (v, at) => {
  const m = isMapping(v) ? v : {};
  const path = m.path ?? m.Path;
  const rate = m.rate ?? m.Rate;
  return { Path: strAlways(path), Rate: String(rate === undefined || rate === null ? 0 : toBytes(rate, `${at}.rate`)) };
};

const BLKIO = struct([
  f("weight", num),
  f("weight_device", listOf(WEIGHT_DEVICE)),
  f("device_read_bps", listOf(THROTTLE_DEVICE)),
  f("device_read_iops", listOf(THROTTLE_DEVICE)),
  f("device_write_bps", listOf(THROTTLE_DEVICE)),
  f("device_write_iops", listOf(THROTTLE_DEVICE)),
]);

const CREDENTIAL_SPEC = struct([f("config", str), f("file", str), f("registry", str)]);

const DEPENDENCY = struct([
  f("condition", str),
  f("restart", bool),
  f(
    "required",
    (v, at) => toBool(v, at),
    () => false,
  ),
]);

const UPDATE_CONFIG = struct([
  f("parallelism", numPtr),
  f("delay", duration),
  f("failure_action", str),
  f("monitor", duration),
  f("max_failure_ratio", float32),
  f("order", str),
]);

const DISCRETE_RESOURCE = struct([
  f(
    "kind",
    (v) => strAlways(v),
    () => "",
  ),
  f(
    "value",
    (v, at) => (v === null || v === undefined ? 0 : toNumber(v, at)),
    () => 0,
  ),
]);

const RESOURCE = struct([
  f("cpus", cpus),
  f("memory", bytes),
  f("pids", num),
  f("devices", listOf(DEVICE_REQUEST)),
  f("generic_resources", listOf(struct([f("discrete_resource_spec", ptr(DISCRETE_RESOURCE))]))),
]);

const RESOURCES = struct([f("limits", ptr(RESOURCE)), f("reservations", ptr(RESOURCE))]);

const RESTART_POLICY = struct([
  f("condition", str),
  f("delay", durationPtr),
  f("max_attempts", numPtr),
  f("window", durationPtr),
]);

const PLACEMENT = struct([
  f("constraints", strings),
  f("preferences", listOf(struct([f("spread", str)]))),
  f("max_replicas_per_node", num),
]);

const DEPLOY = struct([
  f("mode", str),
  f("replicas", numPtr),
  f("labels", mapping),
  f("update_config", ptr(UPDATE_CONFIG)),
  f("rollback_config", ptr(UPDATE_CONFIG)),
  f("resources", RESOURCES, () => ({})),
  f("restart_policy", ptr(RESTART_POLICY)),
  f("placement", PLACEMENT, () => ({})),
  f("endpoint_mode", str),
]);

const DEVICE_MAPPING = struct([f("source", str), f("target", str), f("permissions", str)]);

const PROVIDER = struct([f("type", str), f("options", raw)]);

const ENV_FILE = struct([
  f("path", str),
  f(
    "required",
    (v, at) => toBool(v, at),
    () => true,
  ),
  f("format", str),
]);

const EXTENDS = struct([f("file", str), f("service", str)]);

const HEALTHCHECK = struct([
  f("test", healthTest),
  f("timeout", durationPtr),
  f("interval", durationPtr),
  f("retries", numPtr),
  f("start_period", durationPtr),
  f("start_interval", durationPtr),
  f("disable", bool),
]);

const LOGGING = struct([f("driver", str), f("options", mapping)]);

const SERVICE_MODEL = struct([f("endpoint_var", str)]);

const SERVICE_NETWORK = struct([
  f("aliases", strings),
  f("driver_opts", mapping),
  f("gw_priority", num),
  f("interface_name", str),
  f("ipv4_address", str),
  f("ipv6_address", str),
  f("link_local_ips", strings),
  f("mac_address", str),
  f("priority", num),
]);

const PORT = struct([
  f("name", str),
  f("mode", str),
  f("host_ip", str),
  f("target", num),
  f("published", str),
  f("protocol", str),
  f("app_protocol", str),
]);

const SERVICE_VOLUME = struct([
  f("type", str),
  f("source", str),
  f("target", str),
  f("read_only", bool),
  f("consistency", str),
  f("bind", ptr(struct([f("selinux", str), f("propagation", str), f("create_host_path", bool), f("recursive", str)]))),
  f("volume", ptr(struct([f("labels", mapping), f("nocopy", bool), f("subpath", str)]))),
  f("tmpfs", ptr(struct([f("size", bytes), f("mode", num)]))),
  f("image", ptr(struct([f("subpath", str)]))),
]);

const SERVICE = struct([
  f("profiles", strings),
  f("annotations", mapping),
  f("attach", boolPtr),
  f("build", ptr(BUILD)),
  f("develop", ptr(DEVELOP)),
  f("blkio_config", ptr(BLKIO)),
  f("cap_add", strings),
  f("cap_drop", strings),
  f("cgroup_parent", str),
  f("cgroup", str),
  f("cpu_count", num),
  f("cpu_percent", float32),
  f("cpu_period", num),
  f("cpu_quota", num),
  f("cpu_rt_period", num),
  f("cpu_rt_runtime", num),
  f("cpus", float32),
  f("cpuset", str),
  f("cpu_shares", num),
  f("command", shellCommand, () => null),
  f("configs", listOf(FILE_REFERENCE)),
  f("container_name", str),
  f("credential_spec", ptr(CREDENTIAL_SPEC)),
  f("depends_on", mapOf(DEPENDENCY, false)),
  f("deploy", ptr(DEPLOY)),
  f("device_cgroup_rules", strings),
  f("devices", listOf(DEVICE_MAPPING)),
  f("dns", strings),
  f("dns_opt", strings),
  f("dns_search", strings),
  f("dockerfile", str),
  f("domainname", str),
  f("entrypoint", shellCommand, () => null),
  f("provider", ptr(PROVIDER)),
  f("environment", mappingWithEquals),
  f("env_file", listOf(ENV_FILE)),
  f("expose", strings),
  f("extends", ptr(EXTENDS)),
  f("external_links", strings),
  f("extra_hosts", hosts),
  f("group_add", strings),
  f("gpus", listOf(DEVICE_REQUEST)),
  f("hostname", str),
  f("healthcheck", ptr(HEALTHCHECK)),
  f("image", str),
  f("init", boolPtr),
  f("ipc", str),
  f("isolation", str),
  f("labels", mapping),
  f("label_file", strings),
  f("links", strings),
  f("logging", ptr(LOGGING)),
  f("log_driver", str),
  f("log_opt", mapping),
  f("mem_limit", bytes),
  f("mem_reservation", bytes),
  f("memswap_limit", bytes),
  f("mem_swappiness", bytes),
  f("mac_address", str),
  f("models", mapOf(SERVICE_MODEL, true)),
  f("net", str),
  f("network_mode", str),
  f("networks", mapOf(SERVICE_NETWORK, true)),
  f("oom_kill_disable", bool),
  f("oom_score_adj", num),
  f("pid", str),
  f("pids_limit", num),
  f("platform", str),
  f("ports", listOf(PORT)),
  f("privileged", bool),
  f("pull_policy", str),
  f("read_only", bool),
  f("restart", str),
  f("runtime", str),
  f("scale", numPtr),
  f("secrets", listOf(FILE_REFERENCE)),
  f("security_opt", strings),
  f("shm_size", bytes),
  f("stdin_open", bool),
  f("stop_grace_period", durationPtr),
  f("stop_signal", str),
  f("storage_opt", mapping),
  f("sysctls", mapping),
  f("tmpfs", strings),
  f("tty", bool),
  f("ulimits", ULIMITS),
  f("use_api_socket", bool),
  f("user", str),
  f("userns_mode", str),
  f("uts", str),
  f("volume_driver", str),
  f("volumes", listOf(SERVICE_VOLUME)),
  f("volumes_from", strings),
  f("working_dir", str),
  f("post_start", listOf(HOOK)),
  f("pre_stop", listOf(HOOK)),
]);

const IPAM_POOL = struct([f("subnet", str), f("gateway", str), f("ip_range", str), f("aux_addresses", mapping)]);

const NETWORK = struct([
  f("name", str),
  f("driver", str),
  f("driver_opts", mapping),
  f("ipam", struct([f("driver", str), f("config", listOf(IPAM_POOL, true))]), () => ({})),
  f("external", bool),
  f("internal", bool),
  f("attachable", bool),
  f("labels", mapping),
  f("enable_ipv4", boolPtr),
  f("enable_ipv6", boolPtr),
]);

const VOLUME = struct([
  f("name", str),
  f("driver", str),
  f("driver_opts", mapping),
  f("external", bool),
  f("labels", mapping),
]);

const FILE_OBJECT_FIELDS = [
  f("name", str),
  f("file", str),
  f("environment", str),
  f("content", str),
  f("external", bool),
  f("labels", mapping),
  f("driver", str),
  f("driver_opts", mapping),
  f("template_driver", str),
];
const FILE_OBJECT = struct(FILE_OBJECT_FIELDS);

/** Secret content is never printed (it may come from the environment). */
const SECRET: Codec = (v, at, opts) => {
  const m = isMapping(v) ? { ...v } : {};
  delete m.content;
  return FILE_OBJECT(m, at, opts);
};

/** Config content read from `environment:` is not printed; inline `content:` is. */
const CONFIG: Codec = (v, at, opts) => {
  const m = isMapping(v) ? { ...v } : {};
  if (m.environment !== undefined && m.environment !== null && m.environment !== "") delete m.content;
  return FILE_OBJECT(m, at, opts);
};

const MODEL = struct([f("name", str), f("model", str), f("context_size", num), f("runtime_flags", strings)]);

// ---------------------------------------------------------------------------------------------
// Scalar conversions (mapstructure's weak decoding, as compose-go's `cast` hook does it)

function scalarString(v: unknown): string {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return goString(v);
  if (v === null || v === undefined) return "";
  return JSON.stringify(v);
}

function toBool(v: unknown, at: string): boolean {
  if (typeof v === "boolean") return v;
  if (v === null || v === undefined) return false;
  const parsed = typeof v === "string" ? goParseBool(v) : undefined;
  if (parsed !== undefined) return parsed;
  throw new UserError(`${at}: cannot convert ${JSON.stringify(v)} to a boolean`, { path: at });
}

function isTrue(v: unknown): boolean {
  return goParseBool(goString(v)) === true;
}

function toNumber(v: unknown, at: string): number {
  if (typeof v === "number") return v;
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
  throw new UserError(`${at}: cannot convert ${JSON.stringify(v)} to a number`, { path: at });
}

function shortestFloat32(n: number): number {
  const target = Math.fround(n);
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(target.toPrecision(digits));
    if (Math.fround(candidate) === target) return candidate;
  }
  return target;
}

function toDuration(v: unknown, at: string): string {
  try {
    return canonicalDuration(typeof v === "number" ? v : String(v));
  } catch (e) {
    if (e instanceof DurationError) throw new UserError(`${at}: ${e.message}`, { path: at, cause: e });
    throw e;
  }
}

function toBytes(v: unknown, at: string): number {
  try {
    return parseByteSize(typeof v === "number" ? v : String(v));
  } catch (e) {
    if (e instanceof ByteSizeError) throw new UserError(`${at}: ${e.message}`, { path: at, cause: e });
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** An untyped value as Go's json prints a map[string]any: keys sorted at every level. */
function rawValue(v: unknown): unknown {
  if (isOverride(v)) return rawValue(v.value);
  if (Array.isArray(v)) return v.filter((e) => !isReset(e)).map(rawValue);
  if (isMapping(v)) {
    const out: Mapping = {};
    for (const k of Object.keys(v).sort(compareStrings)) if (!isReset(v[k]) && v[k] !== undefined) out[k] = rawValue(v[k]);
    return out;
  }
  if (typeof v === "bigint") return Number(v);
  return v;
}

/** A deep copy of plain data, `!override` unwrapped and `!reset` entries dropped. */
function plain(v: unknown): unknown {
  if (isOverride(v)) return plain(v.value);
  if (Array.isArray(v)) return v.filter((e) => !isReset(e)).map(plain);
  if (isMapping(v)) {
    const out: Mapping = {};
    for (const [k, e] of Object.entries(v)) if (!isReset(e)) out[k] = plain(e);
    return out;
  }
  return v;
}

function dig(v: unknown, keys: string[]): unknown {
  let cur = v;
  for (const k of keys) {
    if (!isMapping(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

function isAbsent(v: unknown): boolean {
  return v === undefined || v === null;
}

/** Go sorts map keys by their UTF-8 bytes; for our keys that is code-unit order. */

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  return typeof v;
}

