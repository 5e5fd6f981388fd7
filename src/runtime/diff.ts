/**
 * Field-by-field difference between the config a container was created from and the one
 * wanted now, for recreate reasons: `environment.FOO: "a" → "b"`. Secret and config contents
 * are only ever shown as "content changed", and environment values whose names look like
 * credentials are masked.
 */
import type { HashInput } from "./hash.js";

export interface FieldChange {
  path: string;
  /** Display form of the old value; undefined when the field was added. */
  before?: string;
  /** Display form of the new value; undefined when the field was removed. */
  after?: string;
}

const SENSITIVE_NAME = /pass(word|wd)?|secret|token|api[_-]?key|private[_-]?key|credential|auth/i;
const MASK = "***";

export function isSensitiveName(name: string): boolean {
  return SENSITIVE_NAME.test(name);
}

/** Leaf values of `value` by dotted path (`a.b[0].c`); arrays of scalars and empty containers are leaves. */
export function flattenPaths(value: unknown, prefix: string, out: Map<string, unknown>): void {
  if (Array.isArray(value)) {
    if (value.every((v) => v === null || typeof v !== "object")) {
      out.set(prefix, value);
      return;
    }
    value.forEach((v, i) => flattenPaths(v, `${prefix}[${i}]`, out));
    if (value.length === 0) out.set(prefix, value);
    return;
  }
  if (value && typeof value === "object") {
    const entries = Object.entries(value);
    if (entries.length === 0) out.set(prefix, value);
    for (const [k, v] of entries) flattenPaths(v, prefix ? `${prefix}.${k}` : k, out);
    return;
  }
  out.set(prefix, value);
}

function display(path: string, value: unknown): string {
  if (value === undefined) return "";
  if (path.startsWith("environment.") && isSensitiveName(path.slice("environment.".length))) return MASK;
  // Credentials inside URLs (postgres://user:secret@db/app), wherever they appear.
  return JSON.stringify(value).replace(/(\/\/[^/\s:@"]+:)[^/\s@"]+@/g, `$1${MASK}@`);
}

/** Changes from `before` to `after`, sorted by path. */
export function diffConfigs(before: HashInput, after: HashInput): FieldChange[] {
  const a = new Map<string, unknown>();
  const b = new Map<string, unknown>();
  flattenPaths(before.service, "", a);
  flattenPaths(after.service, "", b);
  const changes: FieldChange[] = [];
  for (const path of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(path);
    const y = b.get(path);
    if (JSON.stringify(x) === JSON.stringify(y)) continue;
    changes.push({
      path,
      ...(a.has(path) ? { before: display(path, x) } : {}),
      ...(b.has(path) ? { after: display(path, y) } : {}),
    });
  }
  for (const key of ["networks", "volumes"] as const) {
    for (const name of new Set([...Object.keys(before[key] ?? {}), ...Object.keys(after[key] ?? {})])) {
      const x = before[key]?.[name];
      const y = after[key]?.[name];
      if (x === y || x === undefined || y === undefined) continue;
      changes.push({ path: `${key}.${name}.name`, before: JSON.stringify(x), after: JSON.stringify(y) });
    }
  }
  for (const ref of new Set([...Object.keys(before.contents ?? {}), ...Object.keys(after.contents ?? {})])) {
    const x = before.contents?.[ref];
    const y = after.contents?.[ref];
    if (x === y) continue;
    const [kind, ...rest] = ref.split(":");
    const path = `${kind}s.${rest.join(":")}`;
    if (x === undefined) changes.push({ path, after: "content" });
    else if (y === undefined) changes.push({ path, before: "content" });
    else changes.push({ path, before: "content", after: "content changed" });
  }
  return changes.sort((p, q) => (p.path < q.path ? -1 : p.path > q.path ? 1 : 0));
}

export function formatChange(c: FieldChange): string {
  if (c.before === undefined) return `${c.path}: added ${c.after}`;
  if (c.after === undefined) return `${c.path}: removed (was ${c.before})`;
  if (c.after === "content changed") return `${c.path}: content changed`;
  return `${c.path}: ${c.before} → ${c.after}`;
}
