/**
 * The typed decode + marshal of compose-go's structs (the tables below), the second stage after
 * normalize.ts: field order, which zero values are omitted, durations as Go strings (`1m30s`), …
 * Two targets: the model (model.ts types: byte sizes and file modes as numbers, extra_hosts as a
 * mapping, x-* kept everywhere) and compose's exact JSON (`toComposeJson`).
 *
 * Either output is accepted as input, so a Project can be encoded again. Unknown attributes are
 * kept (after the known ones), never dropped.
 */
import {
  bool,
  optOut,
  boolPtr,
  bytes,
  type Codec,
  cpus,
  deviceCount,
  duration,
  durationPtr,
  encodeMap,
  type EncodeOptions,
  type EncodeTarget,
  type Field,
  fileMode,
  healthTest,
  hosts,
  listOf,
  mapOf,
  mapping,
  mappingWithEquals,
  num,
  numPtr,
  float32,
  ptr,
  raw,
  rawValue,
  shellCommand,
  ssh,
  str,
  strAlways,
  strings,
  struct,
  toBool,
  toBytes,
  toNumber,
  ulimits,
} from "./compose-json-codecs.js";
import { compareStrings, goJsonEscape, goString } from "./go-format.js";
import { isMapping } from "./mapping.js";
import type { Project } from "./model.js";

type Mapping = Record<string, unknown>;

/** Encodes a normalized model (or an already encoded Project) for `target`. */
export function encodeProject(model: Mapping, target: EncodeTarget): Mapping {
  return encodeModel(model, { target });
}

/**
 * Exactly what `docker compose config --format json` prints for a Project (before Go's HTML
 * escaping of `<>&` and compose's `$` → `$$`). It differs from the model in a few encodings:
 * byte sizes are decimal strings (`"536870912"`), file modes octal strings (`"0440"`),
 * extra_hosts sorted `host=ip` strings, a single ulimit a bare number, and the `x-*` attributes
 * below the top level are left out (compose-go's structs tag them `json:"-"`).
 */
export function toComposeJson(project: Project): Record<string, unknown> {
  return encodeProject(project as unknown as Mapping, "json");
}

/**
 * The text `docker compose config --format json` prints: `toComposeJson`, indented by two spaces,
 * with Go's HTML-safe escapes (`<` → `\u003c`, …) and every `$` doubled as compose does.
 * No trailing newline, like compose.
 */
export function formatComposeJson(project: Project): string {
  const text = JSON.stringify(toComposeJson(project), null, 2);
  return goJsonEscape(text).replaceAll("$", "$$$$");
}

function encodeModel(model: Mapping, opts: EncodeOptions): Mapping {
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

const ENV_FILE = struct([f("path", str), f("required", optOut), f("format", str)]);

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
  f(
    "bind",
    ptr(struct([f("selinux", str), f("propagation", str), f("create_host_path", optOut), f("recursive", str)])),
  ),
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
