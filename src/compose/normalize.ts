/**
 * Project-level normalization: from the merged canonical model (paths resolved) to the Project that
 * `docker compose config` prints. The model-level rules of compose-go's `transform.SetDefaultValues`,
 * `loader.Normalize`, `ResolveEnvironment` and `Project.WithServices{Environment,Labels}Resolved(discard)`:
 * defaults, the implicit `default` network, resource names, implicit dependencies, `environment`
 * completed from the project environment and `env_file`s, `label_file`s folded into `labels` (both
 * file lists are dropped, as `config` does). The typed encoding that follows is compose-json.ts.
 */
import { UserError } from "./errors.js";
import { assignEntries, defineEntry, isMapping, keyValueMapping, ownEntry } from "./mapping.js";
import { parseDotenv } from "./dotenv.js";
import type { Project } from "./model.js";
import { isOverride, isReset } from "./yaml-tags.js";
import { goClean, goIsTrue, goString } from "./go-format.js";
import { encodeProject } from "./compose-json.js";
import type { ServiceFiles } from "./service-files.js";

type Mapping = Record<string, unknown>;

export interface NormalizeContext {
  /** Already normalized. */
  projectName: string;
  /** Absolute project directory. */
  workingDir: string;
  /** The resolved project environment (process env over --env-file/.env). */
  environment: Record<string, string>;
  /**
   * The content of the env_file / label_file paths (`referencedServiceFiles`), read by the loader;
   * a path not in the map does not exist.
   */
  files?: ServiceFiles;
  /**
   * `config --no-normalize` (compose-go's SkipNormalization): no implicit `default` network, no
   * `<project>_` resource names, no implicit dependencies, `pull_policy` kept as written.
   */
  skipNormalization?: boolean;
  /** `config --no-env-resolution`: `env_file` is kept, not folded into `environment`. */
  keepEnvFiles?: boolean;
}

/** The canonical Project (model.ts): what `config` prints, with the typed values model.ts declares. */
export function normalizeProject(merged: Record<string, unknown>, ctx: NormalizeContext): Project {
  const model = normalizeModel(merged, ctx);
  return encodeProject(model, "model") as unknown as Project;
}

function normalizeModel(merged: Mapping, ctx: NormalizeContext): Mapping {
  const model = plain(merged) as Mapping;
  delete model.include;
  delete model.version;
  model.name = ctx.projectName;
  // compose-go always exposes the project name to the project environment
  const env: Record<string, string> = { ...ctx.environment, COMPOSE_PROJECT_NAME: ctx.projectName };
  const files = ctx.files ?? new Map<string, string>();

  const services = isMapping(model.services) ? model.services : {};
  model.services = services;
  for (const [name, raw] of Object.entries(services)) {
    const service = isMapping(raw) ? raw : {};
    defineEntry(services, name, service);
    normalizeService(service, `services.${name}`, {
      env,
      workingDir: ctx.workingDir,
      files,
      skipNormalization: ctx.skipNormalization === true,
      keepEnvFiles: ctx.keepEnvFiles === true,
    });
  }
  if (ctx.skipNormalization) return model;
  addDefaultNetwork(model);
  nameResources(model, ctx.projectName);
  return model;
}

interface ServiceContext {
  env: Record<string, string>;
  workingDir: string;
  files: ServiceFiles;
  skipNormalization: boolean;
  keepEnvFiles: boolean;
}

function normalizeService(s: Mapping, path: string, ctx: ServiceContext): void {
  const lookup = (k: string): string | undefined => (Object.hasOwn(ctx.env, k) ? ctx.env[k] : undefined);

  if (isMapping(s.build)) {
    const build = s.build;
    if (build.context === undefined || build.context === null) build.context = ctx.workingDir;
    if (isAbsent(build.dockerfile) && isAbsent(build.dockerfile_inline)) build.dockerfile = "Dockerfile";
    if (isMapping(build.args)) build.args = resolveMapping(build.args, lookup, false);
    else if (Array.isArray(build.args)) build.args = resolveMapping(keyValueMapping(build.args, null), lookup, false);
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
  if (s.pull_policy === "if_not_present" && !ctx.skipNormalization) s.pull_policy = "missing";

  resolveServiceEnvironment(s, path, ctx, lookup);
  resolveServiceLabels(s, path, ctx);
  if (!ctx.skipNormalization) addImplicitDependencies(s);
  delete s.extends;
}

/**
 * The env_file and label_file paths the services refer to (paths already resolved), in order:
 * what the loader reads (service-files.ts) before normalizing.
 */
export function referencedServiceFiles(merged: Record<string, unknown>): string[] {
  const model = plain(merged) as Mapping;
  const paths = new Set<string>();
  for (const service of Object.values(isMapping(model.services) ? model.services : {})) {
    if (!isMapping(service)) continue;
    for (const file of envFileEntries(service)) if (file) paths.add(file.path);
    for (const file of labelFiles(service)) if (file !== undefined) paths.add(file);
  }
  return [...paths];
}

interface EnvFile {
  path: string;
  required: boolean;
  format: string;
}

/** A service's env_file entries, by position; undefined where an entry has no path. */
function envFileEntries(s: Mapping): Array<EnvFile | undefined> {
  const entries = Array.isArray(s.env_file) ? s.env_file : typeof s.env_file === "string" ? [s.env_file] : [];
  return entries.map((entry) => {
    const file = typeof entry === "string" ? { path: entry, required: true } : isMapping(entry) ? entry : undefined;
    if (!file || typeof file.path !== "string") return undefined;
    return {
      path: file.path,
      required: file.required === undefined || file.required === null || goIsTrue(file.required),
      format: typeof file.format === "string" ? file.format : "",
    };
  });
}

/** A service's label_file paths, by position; undefined where an entry is not a string. */
function labelFiles(s: Mapping): Array<string | undefined> {
  const entries = Array.isArray(s.label_file) ? s.label_file : typeof s.label_file === "string" ? [s.label_file] : [];
  return entries.map((file) => (typeof file === "string" ? file : undefined));
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
  else if (Array.isArray(s.environment)) environment = keyValueMapping(s.environment, null);
  if (environment) environment = resolveMapping(environment, lookup, true);

  const envFiles = ctx.keepEnvFiles ? [] : envFileEntries(s);
  if (!ctx.keepEnvFiles) delete s.env_file;
  if (envFiles.length > 0) {
    const serviceEnv = environment ?? {};
    const fromService: Record<string, string> = {};
    for (const [k, v] of Object.entries(serviceEnv))
      if (v !== null && v !== undefined) defineEntry(fromService, k, goString(v));
    const accumulated: Record<string, string> = { ...fromService };
    const fileLookup = (k: string): string | undefined =>
      lookup(k) ?? ownEntry(fromService, k) ?? ownEntry(accumulated, k);
    envFiles.forEach((file, i) => {
      if (!file) return;
      const content = ctx.files.get(file.path);
      if (content === undefined) {
        if (file.required) {
          throw new UserError(`env file ${file.path} not found: stat ${file.path}: no such file or directory`, {
            path: `${path}.env_file[${i}]`,
          });
        }
        return;
      }
      assignEntries(accumulated, parseEnvFile(content, file.path, file.format, fileLookup));
    });
    environment = { ...accumulated, ...serviceEnv };
  }
  if (environment) s.environment = environment;
}

/** `label_file`s (in order) under the service's own `labels`; the file list is dropped. */
function resolveServiceLabels(s: Mapping, path: string, ctx: ServiceContext): void {
  const files = labelFiles(s);
  delete s.label_file;
  if (files.length === 0) return;
  const labels: Record<string, string> = {};
  files.forEach((file, i) => {
    if (file === undefined) return;
    const content = ctx.files.get(file);
    if (content === undefined) {
      throw new UserError(`label file ${file} not found: stat ${file}: no such file or directory`, {
        path: `${path}.label_file[${i}]`,
      });
    }
    assignEntries(
      labels,
      parseEnvFile(content, file, "", (k) => ownEntry(labels, k)),
    );
  });
  const own = isMapping(s.labels) ? s.labels : Array.isArray(s.labels) ? keyValueMapping(s.labels, "") : {};
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
        if (v !== undefined) defineEntry(out, line, v);
      } else {
        defineEntry(out, line.slice(0, eq), line.slice(eq + 1));
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
    if (!Object.hasOwn(dependsOn, name))
      defineEntry(dependsOn, name, { condition: "service_started", restart, required: true });
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
        resource.name = goIsTrue(resource.external) ? key : `${projectName}_${key}`;
      }
      defineEntry(items, key, resource);
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
    if (v !== null && v !== undefined) defineEntry(out, k, v);
    else {
      const found = lookup(k);
      if (found !== undefined) defineEntry(out, k, found);
      else if (keepEmpty) defineEntry(out, k, null);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** A deep copy of plain data, `!override` unwrapped and `!reset` entries dropped. */
function plain(v: unknown): unknown {
  if (isOverride(v)) return plain(v.value);
  if (Array.isArray(v)) return v.filter((e) => !isReset(e)).map(plain);
  if (isMapping(v)) {
    const out: Mapping = {};
    for (const [k, e] of Object.entries(v)) if (!isReset(e)) defineEntry(out, k, plain(e));
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
