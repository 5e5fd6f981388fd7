/**
 * Merging of Compose documents (`-f a.yaml -f b.yaml`) and of a service with the one it extends,
 * with the rules of compose-go v2 (`override/merge.go`, `override/uncity.go`, `loader/reset.go`).
 *
 * Inputs are raw dicts in canonical form (see the loader), possibly holding the `RESET` / `Override`
 * markers of the override document. A merge runs in the same three steps as compose-go:
 *  1. every `!reset` / `!override` found in the override (through mappings) deletes that path from the base;
 *  2. the override, markers stripped, is merged into the base by the per-path rules below;
 *  3. (whole documents only) list entries that redefine an earlier one are deduplicated ("unicity").
 */

import { UserError } from "./errors.js";
import { assignEntries, defineEntry, isMapping } from "./mapping.js";
import { compareStrings, goString, goType } from "./go-format.js";
import { Override, isOverride, isReset, RESET } from "./yaml-tags.js";

type Mapping = Record<string, unknown>;
type Path = readonly string[];
type Merger = (base: unknown, override: unknown, path: Path) => unknown;

/** Merges one Compose document into the result of the previous ones; markers are consumed. */
export function mergeComposeFiles(base: Mapping, override: Mapping): Mapping {
  const merged = mergeWithMarkers(base, override, [], false);
  return enforceUnicity(merged, []) as Mapping;
}

export interface MergeServiceOptions {
  /**
   * Keep the override's `RESET` / `Override` markers in the result, so that merging the result into an
   * earlier document later applies them there too. `extends` needs this: in compose-go a `!reset` in an
   * extending service clears both the inherited value and the value from earlier `-f` files.
   */
  keepMarkers?: boolean;
}

/**
 * Merges a service definition over another (the service over the one it extends). No unicity pass:
 * compose-go dedupes lists only once the document is merged into the model (`mergeComposeFiles`).
 */
export function mergeService(base: Mapping, override: Mapping, options: MergeServiceOptions = {}): Mapping {
  return mergeWithMarkers(base, override, ["services", "*"], options.keepMarkers ?? false);
}

/** A deep copy without markers: `!reset` keys and list items removed, `!override` values unwrapped. */
export function stripResetMarkers(doc: unknown): unknown {
  if (isOverride(doc)) return stripResetMarkers(doc.value);
  if (Array.isArray(doc)) return doc.filter((item) => !isReset(item)).map(stripResetMarkers);
  if (isMapping(doc)) {
    const out: Mapping = {};
    for (const [key, value] of Object.entries(doc)) {
      if (!isReset(value)) defineEntry(out, key, stripResetMarkers(value));
    }
    return out;
  }
  return doc;
}

function mergeWithMarkers(base: Mapping, override: Mapping, at: Path, keepMarkers: boolean): Mapping {
  const target = stripResetMarkers(base) as Mapping;
  for (const path of markerPaths(override, [])) deletePath(target, path);
  const source = keepMarkers ? stripMarkersInLists(override) : stripResetMarkers(override);
  return mergeMappings(target, source as Mapping, at);
}

// ---------------------------------------------------------------------------------------------
// !reset / !override

/**
 * Paths (relative to `value`) carrying a marker, reached through mappings only: compose-go records
 * paths through sequences too, but never matches them against the base, so they have no effect there.
 */
function markerPaths(value: unknown, prefix: string[]): string[][] {
  if (!isMapping(value)) return [];
  const paths: string[][] = [];
  for (const [key, child] of Object.entries(value)) {
    const path = [...prefix, key];
    if (isReset(child) || isOverride(child)) paths.push(path);
    else paths.push(...markerPaths(child, path));
  }
  return paths;
}

function deletePath(target: Mapping, path: string[]): void {
  let node: unknown = target;
  for (const key of path.slice(0, -1)) {
    if (!isMapping(node) || !Object.hasOwn(node, key)) return;
    node = node[key];
  }
  if (isMapping(node)) delete node[path[path.length - 1]!];
}

/** Deep copy keeping markers found at mapping keys; markers inside lists are resolved (compose-go drops them at decode time). */
function stripMarkersInLists(value: unknown): unknown {
  if (isReset(value)) return RESET;
  if (isOverride(value)) return new Override(stripResetMarkers(value.value));
  if (Array.isArray(value)) return stripResetMarkers(value);
  if (isMapping(value)) {
    const out: Mapping = {};
    for (const [key, child] of Object.entries(value)) defineEntry(out, key, stripMarkersInLists(child));
    return out;
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Per-path merge rules (compose-go's mergeSpecials). Paths are relative to the document root.

const keyValue: Merger = (b, o, p) => mergeKeyValue(b, o, p);
const toSequence: Merger = (b, o) => mergeToSequence(b, o);
const replace: Merger = (_b, o) => o;

const SPECIALS = byPath<Merger>([
  ["networks.*.ipam.config", mergeIpamConfig],
  ["networks.*.labels", keyValue],
  ["volumes.*.labels", keyValue],
  ["secrets.*.labels", keyValue],
  ["configs.*.labels", keyValue],
  ["services.*.annotations", keyValue],
  ["services.*.build", mergeBuild],
  ["services.*.build.args", keyValue],
  ["services.*.build.additional_contexts", keyValue],
  ["services.*.build.extra_hosts", toSequence],
  ["services.*.build.labels", keyValue],
  ["services.*.command", replace],
  ["services.*.depends_on", (b, o, p) => mergeAsMapping(b, o, p, { condition: "service_started", required: true })],
  ["services.*.deploy.labels", keyValue],
  ["services.*.dns", toSequence],
  ["services.*.dns_opt", toSequence],
  ["services.*.dns_search", toSequence],
  ["services.*.entrypoint", replace],
  ["services.*.env_file", toSequence],
  ["services.*.label_file", toSequence],
  ["services.*.environment", keyValue],
  ["services.*.extra_hosts", toSequence],
  ["services.*.healthcheck.test", replace],
  ["services.*.labels", keyValue],
  ["services.*.volumes.*.volume.labels", keyValue],
  ["services.*.logging", mergeLogging],
  ["services.*.models", (b, o, p) => mergeAsMapping(b, o, p, undefined)],
  ["services.*.networks", (b, o, p) => mergeAsMapping(b, o, p, undefined)],
  ["services.*.sysctls", keyValue],
  ["services.*.tmpfs", toSequence],
  ["services.*.ulimits.*", mergeUlimit],
]);

function byPath<T>(entries: Array<[pattern: string, value: T]>): Array<[string[], T]> {
  return entries.map(([pattern, value]) => [pattern.split("."), value]);
}

function special<T>(table: Array<[string[], T]>, path: Path): T | undefined {
  for (const [pattern, value] of table) if (matches(pattern, path)) return value;
  return undefined;
}

function matches(pattern: string[], path: Path): boolean {
  return pattern.length === path.length && pattern.every((part, i) => part === "*" || part === path[i]);
}

function mergeValue(base: unknown, override: unknown, path: Path): unknown {
  const merger = special(SPECIALS, path);
  if (merger) return merger(base, override, path);
  // A null override keeps the base value (only the special rules above may say otherwise).
  if (override === null || override === undefined) return base;
  if (isMapping(base)) {
    if (!isMapping(override)) throw cannotOverride(path);
    return mergeMappings(base, override, path);
  }
  if (Array.isArray(base)) {
    if (!Array.isArray(override)) throw cannotOverride(path);
    return appendWithoutDuplicates(base, override);
  }
  return override;
}

/** Keys missing from the base are taken as-is from the override; conflicting ones are merged. */
function mergeMappings(base: Mapping, override: Mapping, path: Path): Mapping {
  const out: Mapping = { ...base };
  for (const [key, value] of Object.entries(override)) {
    defineEntry(out, key, Object.hasOwn(out, key) ? mergeValue(out[key], value, [...path, key]) : value);
  }
  return out;
}

/** Sequences append the override's entries, except those strictly equal to one already present. */
function appendWithoutDuplicates(base: unknown[], override: unknown[]): unknown[] {
  const out = [...base];
  for (const item of override) if (!out.some((existing) => deepEqual(existing, item))) out.push(item);
  return out;
}

/**
 * `KEY=VALUE` attributes (environment, labels, args, …): the override's value wins per key, `null`
 * ("key without value") included. Canonical form is a mapping; the list form follows compose-go literally.
 */
function mergeKeyValue(base: unknown, override: unknown, path: Path): unknown {
  const absent = (v: unknown) => v === null || v === undefined;
  if ((isMapping(base) || absent(base)) && (isMapping(override) || absent(override))) {
    return mergeFlat(isMapping(base) ? base : {}, isMapping(override) ? override : {});
  }
  return uniqueEntries([...(asSequence(base) ?? []), ...(asSequence(override) ?? [])], keyValueIndexer, path);
}

function mergeFlat(base: Mapping, override: Mapping): Mapping {
  const out: Mapping = { ...base };
  for (const [key, value] of Object.entries(override)) defineEntry(out, key, value);
  return out;
}

/**
 * Attributes compose-go turns into a sequence before appending (dns, env_file, tmpfs, extra_hosts, …).
 * `extra_hosts` is canonically a mapping of host → addresses: a host's addresses are appended the same
 * way, which is what the sequence of `host=ip` entries amounts to once grouped back by host.
 */
function mergeToSequence(base: unknown, override: unknown): unknown {
  const absent = (v: unknown) => v === null || v === undefined;
  if ((isMapping(base) || absent(base)) && isMapping(override)) {
    const before = isMapping(base) ? base : {};
    const out: Mapping = { ...before };
    for (const [host, addresses] of Object.entries(override)) {
      if (isReset(addresses) || isOverride(addresses)) {
        defineEntry(out, host, addresses); // kept for a later merge (extends); its base entry is already gone
        continue;
      }
      const existing = Object.hasOwn(before, host) ? asList(before[host]) : [];
      defineEntry(out, host, appendWithoutDuplicates(existing, asList(addresses)));
    }
    return out;
  }
  if (isMapping(base) && absent(override)) return base;
  const before = asSequence(base);
  const merged = appendWithoutDuplicates(before ?? [], asSequence(override) ?? []);
  // Go appends to a nil slice: nothing appended to a null base stays null.
  return before === undefined && merged.length === 0 ? null : merged;
}

function asList(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  return value === null || value === undefined ? [] : [value];
}

/**
 * compose-go's convertIntoSequence: a mapping becomes sorted `key=value` (or bare `key`) strings.
 * `undefined` stands for Go's nil slice (null, an empty mapping, anything else).
 */
function asSequence(value: unknown): unknown[] | undefined {
  if (Array.isArray(value)) return value;
  if (typeof value === "string") return [value];
  if (!isMapping(value)) return undefined;
  const items: string[] = [];
  for (const [key, raw] of Object.entries(value)) {
    if (isReset(raw)) continue;
    const v = isOverride(raw) ? raw.value : raw;
    if (v === null || v === undefined) items.push(key);
    else if (Array.isArray(v)) for (const each of v) items.push(`${key}=${goString(each)}`);
    else items.push(`${key}=${goString(v)}`);
  }
  return items.length === 0 ? undefined : items.sort(compareStrings);
}

/** depends_on, networks, models: a list of names is a mapping with a default value per name. */
function mergeAsMapping(base: unknown, override: unknown, path: Path, defaults: Mapping | undefined): Mapping {
  return mergeMappings(asMapping(base ?? {}, defaults, path), asMapping(override ?? {}, defaults, path), path);
}

function asMapping(value: unknown, defaults: Mapping | undefined, path: Path): Mapping {
  if (isMapping(value)) return value;
  const entry = () => (defaults ? { ...defaults } : null);
  if (typeof value === "string") return { [value]: entry() };
  if (Array.isArray(value)) {
    const out: Mapping = {};
    for (const item of value) {
      if (typeof item !== "string") {
        throw new UserError(`${formatPath(path)}: cannot use ${goType(item)} as a mapping key`, {
          path: formatPath(path),
        });
      }
      defineEntry(out, item, entry());
    }
    return out;
  }
  throw new UserError(`${formatPath(path)}: cannot convert ${goType(value)} into a mapping`, {
    path: formatPath(path),
  });
}

function mergeBuild(base: unknown, override: unknown, path: Path): Mapping {
  const asBuild = (v: unknown): Mapping => (typeof v === "string" ? { context: v } : isMapping(v) ? v : {});
  return mergeMappings(asBuild(base), asBuild(override), path);
}

/** Logging options merge only when both sides name the same driver (or either names none). */
function mergeLogging(base: unknown, override: unknown, path: Path): unknown {
  for (const side of [base, override]) {
    if (!isMapping(side)) {
      throw new UserError(`${formatPath(path)}: cannot merge logging: expected a mapping, got ${goType(side)}`, {
        path: formatPath(path),
      });
    }
  }
  const b = base as Mapping;
  const o = override as Mapping;
  const sameDriver = !Object.hasOwn(o, "driver") || !Object.hasOwn(b, "driver") || o.driver === b.driver;
  return sameDriver ? mergeMappings(b, o, path) : o;
}

/** A ulimit merges soft/hard key by key; a syntax mismatch (single value vs soft/hard) lets the override win. */
function mergeUlimit(base: unknown, override: unknown, path: Path): unknown {
  const longForm = (v: unknown): v is Mapping => isMapping(v) && !Object.hasOwn(v, "single");
  return longForm(base) && longForm(override) ? mergeMappings(base, override, path) : override;
}

/**
 * compose-go's mergeIPAMConfig, quirks included: pools are matched by subnet, a base pool no override
 * pool matches is dropped, and merges write into the base pool object as Go's maps do (hence the copies).
 */
function mergeIpamConfig(base: unknown, override: unknown, path: Path): unknown[] {
  if (!Array.isArray(base)) throw unexpectedType(path, base);
  if (!Array.isArray(override)) throw unexpectedType(path, override);
  const overrides = override.map((o) => asMapping(o, undefined, path));
  const pools: Mapping[] = [];
  const indexOfSubnet = (subnet: unknown) => pools.findIndex((pool) => pool.subnet === subnet);
  for (const original of base) {
    const right = { ...asMapping(original, undefined, path) };
    for (const left of overrides) {
      if (left.subnet !== right.subnet && indexOfSubnet(left.subnet) < 0) {
        pools.push(left);
        continue;
      }
      // Go's mergeMappings updates `right` in place and returns it: keep that aliasing.
      const merged = mergeMappings(right, left, path);
      for (const key of Object.keys(right)) delete right[key];
      assignEntries(right, merged);
      const existing = indexOfSubnet(right.subnet);
      if (existing >= 0) pools[existing] = right;
      else pools.push(right);
    }
  }
  return pools.map((pool) => stripResetMarkers(pool) as Mapping);
}

function cannotOverride(path: Path): UserError {
  return new UserError(`cannot override ${formatPath(path)}`, { path: formatPath(path) });
}

function unexpectedType(path: Path, value: unknown): UserError {
  return new UserError(`${formatPath(path)}: unexpected type ${goType(value)}`, { path: formatPath(path) });
}

// ---------------------------------------------------------------------------------------------
// Unicity (compose-go's EnforceUnicity): in these lists a later entry with the same key replaces
// the earlier one, in the earlier one's position.

type Indexer = (entry: unknown, path: string) => string;

const UNIQUE = byPath<Indexer>([
  ["networks.*.labels", keyValueIndexer],
  ["networks.*.ipam.options", keyValueIndexer],
  ["services.*.annotations", keyValueIndexer],
  ["services.*.build.args", keyValueIndexer],
  ["services.*.build.additional_contexts", keyValueIndexer],
  ["services.*.build.platform", keyValueIndexer],
  ["services.*.build.tags", keyValueIndexer],
  ["services.*.build.labels", keyValueIndexer],
  ["services.*.cap_add", keyValueIndexer],
  ["services.*.cap_drop", keyValueIndexer],
  ["services.*.configs", mountIndexer("")],
  ["services.*.deploy.labels", keyValueIndexer],
  ["services.*.devices", deviceIndexer],
  ["services.*.dns", keyValueIndexer],
  ["services.*.dns_opt", keyValueIndexer],
  ["services.*.dns_search", keyValueIndexer],
  ["services.*.environment", keyValueIndexer],
  ["services.*.env_file", envFileIndexer],
  ["services.*.expose", exposeIndexer],
  ["services.*.labels", keyValueIndexer],
  ["services.*.links", keyValueIndexer],
  ["services.*.networks.*.aliases", keyValueIndexer],
  ["services.*.networks.*.link_local_ips", keyValueIndexer],
  ["services.*.ports", portIndexer],
  ["services.*.profiles", keyValueIndexer],
  ["services.*.secrets", mountIndexer("/run/secrets")],
  ["services.*.sysctls", keyValueIndexer],
  ["services.*.tmpfs", keyValueIndexer],
  ["services.*.volumes", volumeIndexer],
]);

/** Applies unicity to a whole document (or, with `at`, to the subtree found at that path). */
export function enforceUnicity(value: unknown, at: Path = []): unknown {
  if (isMapping(value)) {
    const out: Mapping = {};
    for (const [key, child] of Object.entries(value)) defineEntry(out, key, enforceUnicity(child, [...at, key]));
    return out;
  }
  if (Array.isArray(value)) {
    const indexer = special(UNIQUE, at);
    if (indexer) return uniqueEntries(value, indexer, at);
  }
  return value;
}

function uniqueEntries(entries: unknown[], indexer: Indexer, path: Path): unknown[] {
  const out: unknown[] = [];
  const positions = new Map<string, number>();
  entries.forEach((entry, i) => {
    const key = indexer(entry, `${formatPath(path)}[${i}]`);
    const at = positions.get(key);
    if (at === undefined) {
      positions.set(key, out.length);
      out.push(entry);
    } else {
      out[at] = entry;
    }
  });
  return out;
}

function keyValueIndexer(entry: unknown, path: string): string {
  if (typeof entry !== "string") throw new UserError(`${path}: unexpected type ${goType(entry)}`, { path });
  const eq = entry.indexOf("=");
  return eq < 0 ? entry : entry.slice(0, eq);
}

function volumeIndexer(entry: unknown, path: string): string {
  if (isMapping(entry)) {
    if (typeof entry.target !== "string")
      throw new UserError(`service volume ${path} is missing a mount target`, { path });
    return entry.target;
  }
  // Short syntax never reaches here once canonical; `source:target[:mode]` is enough for the key.
  if (typeof entry === "string") {
    const parts = entry.split(":");
    return parts.length === 1 ? parts[0]! : parts[1]!;
  }
  return "";
}

function deviceIndexer(entry: unknown, path: string): string {
  if (isMapping(entry)) {
    // compose-go requires `target`; a canonical device without one maps onto its source path.
    const target = entry.target ?? entry.source;
    if (typeof target !== "string") throw new UserError(`service device ${path} is missing a mount target`, { path });
    return target;
  }
  if (typeof entry === "string") {
    const parts = entry.split(":");
    return parts.length === 1 ? parts[0]! : parts[1]!;
  }
  return "";
}

function exposeIndexer(entry: unknown, path: string): string {
  if (typeof entry === "string") return entry;
  if (typeof entry === "number") return String(entry);
  throw new UserError(`${path}: unsupported expose value ${goString(entry)}`, { path });
}

function mountIndexer(defaultDir: string): Indexer {
  return (entry, path) => {
    if (typeof entry === "string") return `${defaultDir}/${entry}`;
    if (isMapping(entry)) {
      if (Object.hasOwn(entry, "target")) return goString(entry.target);
      return `${defaultDir}/${goString(entry.source)}`;
    }
    throw new UserError(`${path}: unsupported expose value ${goString(entry)}`, { path });
  };
}

/** `host_ip:published:target/protocol`, with compose-go's defaults for the missing parts. */
function portIndexer(entry: unknown, path: string): string {
  if (typeof entry === "number") return String(entry);
  if (typeof entry === "string") return entry;
  if (!isMapping(entry)) return "";
  if (!Object.hasOwn(entry, "target")) throw new UserError(`service ports ${path} is missing a target port`, { path });
  const host = Object.hasOwn(entry, "host_ip") ? goString(entry.host_ip) : "0.0.0.0";
  const protocol = Object.hasOwn(entry, "protocol") ? goString(entry.protocol) : "tcp";
  return `${host}:${goString(entry.published)}:${goString(entry.target)}/${protocol}`;
}

function envFileIndexer(entry: unknown, path: string): string {
  if (typeof entry === "string") return entry;
  if (isMapping(entry)) {
    if (!Object.hasOwn(entry, "path")) throw new UserError(`environment path attribute ${path} is missing`, { path });
    return goString(entry.path);
  }
  return "";
}

// ---------------------------------------------------------------------------------------------
// Small helpers

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  if (isOverride(a)) return isOverride(b) && deepEqual(a.value, b.value);
  if (isMapping(a)) {
    if (!isMapping(b)) return false;
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/** `services.web.ports` — the dotted form compose-go prints. */
function formatPath(path: Path): string {
  return path.join(".");
}
