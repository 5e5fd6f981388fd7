/**
 * The building blocks of compose-json.ts: a Codec decodes one attribute the way compose-go's typed
 * structs do and encodes it for the model or for compose's JSON. Here are the combinators (struct,
 * pointer, list, map) and the scalar codecs (strings, booleans, numbers, durations, byte sizes, …)
 * with the weak conversions mapstructure applies.
 */
import { UserError } from "./errors.js";
import { compareStrings, goParseBool, goString } from "./go-format.js";
import { defineEntry, isMapping, keyValueMapping } from "./mapping.js";
import { isOverride, isReset } from "./yaml-tags.js";
import { canonicalDuration, DurationError } from "./durations.js";
import { parseByteSize, ByteSizeError } from "./units.js";
import { shellSplit, ShellSplitError } from "./shell-split.js";

type Mapping = Record<string, unknown>;

/** The model as model.ts types it (`model`), or as compose-go marshals it to JSON (`json`). */
export type EncodeTarget = "model" | "json";

const OMIT = Symbol("omit");
type Encoded = unknown | typeof OMIT;

export interface EncodeOptions {
  /** `model`: model.ts types, extensions kept. `json`: compose-go's JSON marshalling. */
  target: EncodeTarget;
}

export type Codec = (value: unknown, at: string, opts: EncodeOptions) => Encoded;

export interface Field {
  name: string;
  codec: Codec;
  /** Printed even when absent (no `omitempty`, or a non-pointer struct). */
  absent?: () => unknown;
}

export function encodeMap(
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
      defineEntry(out, key, null);
      continue;
    }
    const encoded = codec(v ?? {}, `${at}.${key}`, opts);
    defineEntry(out, key, encoded === OMIT ? {} : encoded);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Codecs

export function struct(fields: Field[]): Codec {
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
    for (const k of extras) defineEntry(out, k, rawValue(value[k]));
    return out;
  };
}

/** A pointer to a struct: omitted when null. */
export function ptr(codec: Codec): Codec {
  return (v, at, opts) => (v === null || v === undefined ? OMIT : codec(v, at, opts));
}

export function listOf(codec: Codec, nullItems = false): Codec {
  return (v, at, opts) => {
    if (v === null || v === undefined) return OMIT;
    const list = Array.isArray(v) ? v : [v];
    if (list.length === 0) return OMIT;
    return list.map((item, i) => (item === null && nullItems ? null : codec(item, `${at}[${i}]`, opts)));
  };
}

export function mapOf(codec: Codec, nullable: boolean): Codec {
  return (v, at, opts) => {
    const out = encodeMap(v, at, opts, codec, nullable);
    return out === undefined || Object.keys(out).length === 0 ? OMIT : out;
  };
}

/** A string field with `omitempty`. */
export const str: Codec = (v) => {
  if (v === null || v === undefined) return OMIT;
  const s = scalarString(v);
  return s === "" ? OMIT : s;
};

/** A string printed even when empty (no `omitempty`). */
export const strAlways = (v: unknown) => (v === null || v === undefined ? "" : scalarString(v));

export const bool: Codec = (v, at) => (toBool(v, at) ? true : OMIT);
/**
 * compose-go's `OptOut` boolean (bind `create_host_path`, env_file `required`): true unless set
 * false. The model always holds the value; compose's JSON prints only `false`.
 */
export const optOut: Codec = (v, at, opts) => {
  const value = v === null || v === undefined ? true : toBool(v, at);
  return opts.target === "json" && value ? OMIT : value;
};
export const boolPtr: Codec = (v, at) => (v === null || v === undefined ? OMIT : toBool(v, at));
export const num: Codec = (v, at) => {
  if (v === null || v === undefined) return OMIT;
  const n = toNumber(v, at);
  return n === 0 ? OMIT : n;
};
export const numPtr: Codec = (v, at) => (v === null || v === undefined ? OMIT : toNumber(v, at));

export const duration: Codec = (v, at) => {
  if (v === null || v === undefined) return OMIT;
  const d = toDuration(v, at);
  return d === "0s" ? OMIT : d;
};
export const durationPtr: Codec = (v, at) => (v === null || v === undefined ? OMIT : toDuration(v, at));

/** UnitBytes: a number of bytes (a decimal string in compose's JSON), zero omitted. */
export const bytes: Codec = (v, at, opts) => {
  if (v === null || v === undefined) return OMIT;
  const n = toBytes(v, at);
  if (n === 0) return OMIT;
  return opts.target === "json" ? String(n) : n;
};

/** []string / StringList / StringOrNumberList. */
export const strings: Codec = (v) => {
  if (v === null || v === undefined) return OMIT;
  const list = Array.isArray(v) ? v : [v];
  return list.length === 0 ? OMIT : list.map((e) => scalarString(e));
};

/** Mapping / Labels / Options: map[string]string with sorted keys; `KEY` alone is `""`. */
export const mapping: Codec = (v) => {
  if (v === null || v === undefined) return OMIT;
  const m = Array.isArray(v) ? keyValueMapping(v, "") : isMapping(v) ? v : undefined;
  if (!m) return OMIT;
  const keys = Object.keys(m).sort(compareStrings);
  if (keys.length === 0) return OMIT;
  const out: Mapping = {};
  for (const k of keys) defineEntry(out, k, m[k] === null || m[k] === undefined ? "" : scalarString(m[k]));
  return out;
};

/** MappingWithEquals: like mapping, but a key without value stays `null`. */
export const mappingWithEquals: Codec = (v) => {
  if (v === null || v === undefined) return OMIT;
  const m = Array.isArray(v) ? keyValueMapping(v, null) : isMapping(v) ? v : undefined;
  if (!m) return OMIT;
  const keys = Object.keys(m).sort(compareStrings);
  if (keys.length === 0) return OMIT;
  const out: Mapping = {};
  for (const k of keys) defineEntry(out, k, m[k] === null || m[k] === undefined ? null : scalarString(m[k]));
  return out;
};

/** HostsList: host → addresses (sorted `host=ip` strings in compose's JSON). */
export const hosts: Codec = (v, at, opts) => {
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
  const byHost = new Map<string, string[]>();
  for (const entry of list) {
    const eq = entry.indexOf("=");
    const host = entry.slice(0, eq);
    if (!byHost.has(host)) byHost.set(host, []);
    byHost.get(host)!.push(entry.slice(eq + 1));
  }
  return Object.fromEntries([...byHost.keys()].sort(compareStrings).map((h) => [h, byHost.get(h)]));
};

/** ShellCommand: always printed, `null` when unset, `[]` when explicitly empty. */
export const shellCommand: Codec = (v, at) => {
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

export const healthTest: Codec = (v) => {
  if (v === null || v === undefined) return OMIT;
  if (typeof v === "string") return ["CMD-SHELL", v];
  const list = Array.isArray(v) ? v.map((e) => scalarString(e)) : [];
  return list.length === 0 ? OMIT : list;
};

/** FileMode: a number (an octal string, `"0440"`, in compose's JSON); strings are read as octal. */
export const fileMode: Codec = (v, at, opts) => {
  if (v === null || v === undefined) return OMIT;
  let n: number;
  if (typeof v === "number") n = v;
  else if (typeof v === "string" && /^[0-7]+$/.test(v)) n = parseInt(v, 8);
  else throw new UserError(`${at}: invalid file mode ${JSON.stringify(v)}`, { path: at });
  return opts.target === "json" ? `0${n.toString(8)}` : n;
};

/** Ulimits: `{single}` or `{soft, hard}` (a bare number for `single` in compose's JSON). */
export const ulimits: Codec = (v, at, opts) => {
  if (!isMapping(v)) return OMIT;
  const out: Mapping = {};
  for (const key of Object.keys(v).sort(compareStrings)) {
    const u = v[key];
    if (u === null || u === undefined) {
      defineEntry(out, key, null);
    } else if (isMapping(u)) {
      const single = u.single === undefined || u.single === null ? 0 : toNumber(u.single, `${at}.${key}.single`);
      if (single !== 0) {
        defineEntry(out, key, opts.target === "json" ? single : { single });
        continue;
      }
      const limit: Mapping = {};
      for (const k of ["soft", "hard"]) {
        const n = u[k] === undefined || u[k] === null ? 0 : toNumber(u[k], `${at}.${key}.${k}`);
        if (n !== 0) defineEntry(limit, k, n);
      }
      defineEntry(out, key, limit);
    } else {
      const n = toNumber(u, `${at}.${key}`);
      defineEntry(out, key, n === 0 ? {} : opts.target === "json" ? n : { single: n });
    }
  }
  return Object.keys(out).length === 0 ? OMIT : out;
};

/** build.ssh: `default` or `id=path` entries, sorted by id. */
export const ssh: Codec = (v) => {
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
export const float32: Codec = (v, at) => {
  if (v === null || v === undefined) return OMIT;
  const n = toNumber(v, at);
  return n === 0 ? OMIT : shortestFloat32(n);
};

/** NanoCPUs: a float32, zero omitted. */
export const cpus: Codec = float32;

/** DeviceCount: `all` is -1. */
export const deviceCount: Codec = (v, at) => {
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

export const raw: Codec = (v) => rawValue(v);

// ---------------------------------------------------------------------------------------------
// Scalar conversions (mapstructure's weak decoding, as compose-go's `cast` hook does it)

function scalarString(v: unknown): string {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return goString(v);
  if (v === null || v === undefined) return "";
  return JSON.stringify(v);
}

export function toBool(v: unknown, at: string): boolean {
  if (typeof v === "boolean") return v;
  if (v === null || v === undefined) return false;
  const parsed = typeof v === "string" ? goParseBool(v) : undefined;
  if (parsed !== undefined) return parsed;
  throw new UserError(`${at}: cannot convert ${JSON.stringify(v)} to a boolean`, { path: at });
}

export function toNumber(v: unknown, at: string): number {
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

export function toBytes(v: unknown, at: string): number {
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
export function rawValue(v: unknown): unknown {
  if (isOverride(v)) return rawValue(v.value);
  if (Array.isArray(v)) return v.filter((e) => !isReset(e)).map(rawValue);
  if (isMapping(v)) {
    const out: Mapping = {};
    for (const k of Object.keys(v).sort(compareStrings))
      if (!isReset(v[k]) && v[k] !== undefined) defineEntry(out, k, rawValue(v[k]));
    return out;
  }
  if (typeof v === "bigint") return Number(v);
  return v;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  return typeof v;
}
