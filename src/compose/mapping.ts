/**
 * Mappings as the loader sees them: plain objects (what the YAML reader, JSON.parse and the
 * merge stages build). One check and one key setter, shared by every stage that walks a model.
 */
import { goString } from "./go-format.js";
import { isReset } from "./yaml-tags.js";

/**
 * A plain object: its prototype is Object.prototype or null. Arrays, `!override` wrappers
 * (class instances) and the `!reset` marker (a symbol) are not mappings.
 */
export function isMapping(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Sets `key` as an own data property, so a YAML key named `__proto__` stays a key. */
export function defineEntry(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** `map[key]` if `key` is its own entry: a key named `constructor` is not Object's constructor. */
export function ownEntry<T>(map: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(map, key) ? map[key] : undefined;
}

/** Object.assign for mappings: copies `source`'s entries as own keys (a `__proto__` entry stays an entry). */
export function assignEntries<T>(target: Record<string, T>, source: Readonly<Record<string, T>>): Record<string, T> {
  for (const [key, value] of Object.entries(source)) defineEntry(target, key, value);
  return target;
}

/**
 * A `KEY=VALUE` list (environment, labels, sysctls, build args, …) as a mapping; a bare `KEY` maps to
 * `bare` (`null` for environment-like attributes, `""` for label-like ones). `!reset` entries are skipped.
 */
export function keyValueMapping(list: readonly unknown[], bare: null | ""): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const entry of list) {
    if (isReset(entry)) continue;
    const s = goString(entry);
    const eq = s.indexOf("=");
    if (eq < 0) defineEntry(out, s, bare);
    else defineEntry(out, s.slice(0, eq), s.slice(eq + 1));
  }
  return out;
}
