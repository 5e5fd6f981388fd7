/**
 * compose-go turns strings back into numbers and booleans at a fixed set of paths
 * (`interpolateTypeCastMapping` in loader/interpolate.go, compose-go v2) so that
 * `replicas: ${N}` validates as an integer.
 *
 * compose-go casts every STRING found at those paths, not only interpolated ones: a quoted
 * `privileged: "true"` becomes `true`, `privileged: "yes"` becomes `true` with a warning, and
 * `cpus: ""` (e.g. from `${CPUS:-}`) is an error. Non-string values are left alone. We do the
 * same, and report errors with compose's wording:
 * `error while interpolating services.web.cpus: failed to cast to expected type: strconv.ParseFloat: parsing "": invalid syntax`.
 *
 * Paths are matched the way compose-go's tree.Path does it: keys are joined with dots and
 * split again, so a key containing a dot (a network named `my.net`) matches nothing.
 */
import { composePath, InterpolationError, type PathSegment } from "./interpolate.js";
import { defineEntry, isMapping } from "./mapping.js";
import { goQuote } from "./go-format.js";
import { isOverride, isReset, Override } from "./yaml-tags.js";

export interface CastOptions {
  /** Receives compose's warning for YAML 1.1 booleans (`yes`, `no`, `on`, `off`, `y`, `n`). */
  onWarning?: (message: string) => void;
}

type Caster = (value: string, warn: (message: string) => void) => unknown;

const ANY = "*";
const LIST = "[]";

function servicePath(...parts: string[]): string[] {
  return ["services", ANY, ...parts];
}

/** The v2 table, entry for entry. */
const CASTS: ReadonlyArray<readonly [string[], Caster]> = [
  [servicePath("configs", LIST, "mode"), toFileMode],
  [servicePath("cpu_count"), toInt64],
  [servicePath("cpu_percent"), toFloat],
  [servicePath("cpu_period"), toInt64],
  [servicePath("cpu_quota"), toInt64],
  [servicePath("cpu_rt_period"), toInt64],
  [servicePath("cpu_rt_runtime"), toInt64],
  [servicePath("cpus"), toFloat32],
  [servicePath("cpu_shares"), toInt64],
  [servicePath("init"), toBoolean],
  [servicePath("deploy", "replicas"), toInt],
  [servicePath("deploy", "update_config", "parallelism"), toInt],
  [servicePath("deploy", "update_config", "max_failure_ratio"), toFloat],
  [servicePath("deploy", "rollback_config", "parallelism"), toInt],
  [servicePath("deploy", "rollback_config", "max_failure_ratio"), toFloat],
  [servicePath("deploy", "restart_policy", "max_attempts"), toInt],
  [servicePath("deploy", "placement", "max_replicas_per_node"), toInt],
  [servicePath("healthcheck", "retries"), toInt],
  [servicePath("healthcheck", "disable"), toBoolean],
  [servicePath("oom_kill_disable"), toBoolean],
  [servicePath("oom_score_adj"), toInt64],
  [servicePath("pids_limit"), toInt64],
  [servicePath("ports", LIST, "target"), toInt],
  [servicePath("privileged"), toBoolean],
  [servicePath("read_only"), toBoolean],
  [servicePath("scale"), toInt],
  [servicePath("secrets", LIST, "mode"), toFileMode],
  [servicePath("stdin_open"), toBoolean],
  [servicePath("tty"), toBoolean],
  [servicePath("ulimits", ANY), toInt],
  [servicePath("ulimits", ANY, "hard"), toInt],
  [servicePath("ulimits", ANY, "soft"), toInt],
  [servicePath("volumes", LIST, "read_only"), toBoolean],
  [servicePath("volumes", LIST, "volume", "nocopy"), toBoolean],
  [["networks", ANY, "external"], toBoolean],
  [["networks", ANY, "internal"], toBoolean],
  [["networks", ANY, "attachable"], toBoolean],
  [["networks", ANY, "enable_ipv6"], toBoolean],
  [["volumes", ANY, "external"], toBoolean],
  [["secrets", ANY, "external"], toBoolean],
  [["configs", ANY, "external"], toBoolean],
];

/** Returns a copy of `tree` with the strings at the cast paths converted. */
export function castTypes(tree: unknown, options: CastOptions = {}): unknown {
  const warn = options.onWarning ?? (() => {});
  const walk = (v: unknown, path: PathSegment[], parts: string[], candidates: typeof CASTS): unknown => {
    if (candidates.length === 0) return v;
    if (typeof v === "string") {
      const cast = candidates.find(([pattern]) => pattern.length === parts.length);
      return cast ? castValue(v, path, cast[1], warn) : v;
    }
    if (isOverride(v)) return new Override(walk(v.value, path, parts, candidates));
    const descend = (item: unknown, seg: PathSegment) => {
      const next = [...parts, ...(typeof seg === "number" ? [LIST] : seg.split("."))];
      return walk(item, [...path, seg], next, narrow(candidates, next));
    };
    if (Array.isArray(v)) return v.map((item, i) => descend(item, i));
    if (isReset(v) || !isMapping(v)) return v;
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(v)) defineEntry(out, key, descend(item, key));
    return out;
  };
  return walk(tree, [], [], CASTS);
}

/** The patterns that `parts` is still a prefix of. */
function narrow(candidates: typeof CASTS, parts: string[]): typeof CASTS {
  return candidates.filter(
    ([pattern]) =>
      pattern.length >= parts.length && parts.every((part, i) => pattern[i] === ANY || pattern[i] === part),
  );
}

function castValue(value: string, path: PathSegment[], cast: Caster, warn: (m: string) => void): unknown {
  try {
    return cast(value, warn);
  } catch (e) {
    if (!(e instanceof CastError)) throw e;
    throw new InterpolationError(
      `error while interpolating ${composePath(path)}: failed to cast to expected type: ${e.message}`,
      path,
      e,
    );
  }
}

class CastError extends Error {}

// ---------------------------------------------------------------------------------------------
// The casters, with Go's strconv acceptance rules and error texts.

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function toInt(value: string): number {
  return parseGoInt(value, "Atoi");
}

/** A file mode written as a string is octal (`"0440"`, and `555` from `${MODE}`), as compose-go reads it. */
function toFileMode(value: string): number {
  if (!/^[+]?[0-7]+$/.test(value)) throw numError("ParseUint", value, "invalid syntax");
  const n = parseInt(value, 8);
  if (n > 0xffffffff) throw numError("ParseUint", value, "value out of range");
  return n;
}

function toInt64(value: string): number {
  return parseGoInt(value, "ParseInt");
}

function toFloat(value: string): number {
  return parseGoFloat(value, 64);
}

/**
 * compose-go parses `cpus` as a float32. We check float32 range like Go does but keep the
 * float64 value, which prints the same way Go prints the float32 (`0.1`, not `0.100000001`).
 */
function toFloat32(value: string): number {
  return parseGoFloat(value, 32);
}

function toBoolean(value: string, warn: (message: string) => void): boolean {
  switch (value.toLowerCase()) {
    case "true":
      return true;
    case "false":
      return false;
    case "y":
    case "yes":
    case "on":
      warn(`${goQuote(value)} for boolean is not supported by YAML 1.2, please use \`true\``);
      return true;
    case "n":
    case "no":
    case "off":
      warn(`${goQuote(value)} for boolean is not supported by YAML 1.2, please use \`false\``);
      return false;
    default:
      throw new CastError(`invalid boolean: ${value}`);
  }
}

function numError(fn: string, value: string, why: "invalid syntax" | "value out of range"): CastError {
  return new CastError(`strconv.${fn}: parsing ${goQuote(value)}: ${why}`);
}

/** strconv.Atoi / ParseInt(s, 10, 64): optional sign and decimal digits, nothing else. */
function parseGoInt(value: string, fn: string): number {
  if (!/^[+-]?[0-9]+$/.test(value)) throw numError(fn, value, "invalid syntax");
  const n = BigInt(value);
  if (n < INT64_MIN || n > INT64_MAX) throw numError(fn, value, "value out of range");
  return Number(n);
}

/**
 * strconv.ParseFloat: decimal or hexadecimal (`0x1.8p3`) literals, `_` between digits,
 * and `inf` / `infinity` / `nan` in any case.
 */
function parseGoFloat(value: string, bits: 32 | 64): number {
  const special = /^([+-]?)(inf|infinity)$/i.exec(value);
  if (special) return special[1] === "-" ? -Infinity : Infinity;
  if (/^nan$/i.test(value)) return NaN;

  const hex = /^([+-]?)0[xX]([0-9a-fA-F_]*(?:\.[0-9a-fA-F_]*)?)[pP]([+-]?[0-9][0-9_]*)$/.exec(value);
  const decimal = /^[+-]?[0-9_]*(?:\.[0-9_]*)?(?:[eE][+-]?[0-9][0-9_]*)?$/.test(value);
  if ((!hex && !decimal) || !/[0-9a-fA-F]/.test(hex ? hex[2]! : value.replace(/[eE].*$/, ""))) {
    throw numError("ParseFloat", value, "invalid syntax");
  }
  if (value.includes("_") && !underscoresOk(value)) throw numError("ParseFloat", value, "invalid syntax");

  const clean = value.replace(/_/g, "");
  let result: number;
  if (hex) {
    const [, sign, mantissa, exponent] = /^([+-]?)0[xX]([0-9a-fA-F.]*)[pP]([+-]?[0-9]+)$/.exec(clean)!;
    const [whole = "", fraction = ""] = mantissa!.split(".");
    const digits = `${whole}${fraction}` || "0";
    result = Number(BigInt(`0x${digits}`)) * 2 ** (Number(exponent) - 4 * fraction.length);
    if (sign === "-") result = -result;
  } else {
    result = Number(clean);
  }
  const overflow = bits === 32 ? !Number.isFinite(Math.fround(result)) : !Number.isFinite(result);
  if (overflow) throw numError("ParseFloat", value, "value out of range");
  return result;
}

/** Go's underscoreOK: `_` only between digits (or right after a base prefix). */
function underscoresOk(s: string): boolean {
  let i = 0;
  if (s[0] === "+" || s[0] === "-") i = 1;
  let hex = false;
  let saw = "^";
  if (s.length - i >= 2 && s[i] === "0" && /[bBoOxX]/.test(s[i + 1]!)) {
    hex = /[xX]/.test(s[i + 1]!);
    saw = "0";
    i += 2;
  }
  for (; i < s.length; i++) {
    const c = s[i]!;
    if (/[0-9]/.test(c) || (hex && /[a-fA-F]/.test(c))) {
      saw = "0";
      continue;
    }
    if (c === "_") {
      if (saw !== "0") return false;
      saw = "_";
      continue;
    }
    if (saw === "_") return false;
    saw = "!";
  }
  return saw !== "_";
}
