/**
 * Field-by-field comparison of a desired ServiceSpec with the one a manager holds. The stored
 * spec differs from what was sent in ways that are no change at all: networks are referenced by
 * ID, secrets and configs gain their IDs, and the manager fills defaults (Isolation "default",
 * Runtime "container", ForceUpdate 0, MaxFailureRatio 0…). Both sides are brought to the same
 * form first, so a second deploy of an unchanged stack finds nothing to update.
 */
import { flattenPaths, isSensitiveName, type FieldChange } from "../runtime/diff.js";
import type { ServiceSpec } from "./convert/types.js";

/** Values the manager writes when the request left the field out. */
const SERVER_DEFAULTS: Array<[RegExp, unknown]> = [
  [/\.Isolation$/, "default"],
  [/^TaskTemplate\.Runtime$/, "container"],
  [/^(UpdateConfig|RollbackConfig)\.Order$/, "stop-first"],
];

const MASK = "***";

/**
 * The comparable form of a spec: network targets by name, no secret/config IDs, ForceUpdate left
 * out (c2ts carries the current one over), environment as a map so one variable is one field.
 */
export function comparableSpec(spec: ServiceSpec, networkNames: Record<string, string> = {}): Record<string, unknown> {
  const copy = structuredClone(spec) as ServiceSpec & { TaskTemplate: { ForceUpdate?: number } };
  const task = copy.TaskTemplate;
  delete task.ForceUpdate;
  for (const n of task.Networks ?? []) n.Target = networkNames[n.Target] ?? n.Target;
  const c = task.ContainerSpec;
  for (const s of c.Secrets ?? []) delete s.SecretID;
  for (const s of c.Configs ?? []) delete s.ConfigID;
  const out = copy as unknown as Record<string, unknown>;
  if (c.Env) {
    const env: Record<string, string> = {};
    for (const e of c.Env) {
      const i = e.indexOf("=");
      if (i < 0) env[e] = "";
      else env[e.slice(0, i)] = e.slice(i + 1);
    }
    (c as unknown as Record<string, unknown>).Env = env;
  }
  return out;
}

function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === "") return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === "object" && Object.keys(v as object).length === 0;
}

function isServerDefault(path: string, v: unknown): boolean {
  return isEmpty(v) || SERVER_DEFAULTS.some(([re, d]) => re.test(path) && d === v);
}

function display(path: string, value: unknown): string {
  const env = /^TaskTemplate\.ContainerSpec\.Env\.(.+)$/.exec(path);
  if (env && isSensitiveName(env[1])) return MASK;
  return JSON.stringify(value).replace(/(\/\/[^/\s:@"]+:)[^/\s@"]+@/g, `$1${MASK}@`);
}

/** The changes from `current` (as the manager holds it) to `desired`, sorted by path. */
export function diffServiceSpecs(
  current: ServiceSpec,
  desired: ServiceSpec,
  networkNames: Record<string, string> = {},
): FieldChange[] {
  const a = new Map<string, unknown>();
  const b = new Map<string, unknown>();
  flattenPaths(comparableSpec(current, networkNames), "", a);
  flattenPaths(comparableSpec(desired, networkNames), "", b);
  const changes: FieldChange[] = [];
  for (const path of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(path);
    const y = b.get(path);
    if (JSON.stringify(x) === JSON.stringify(y)) continue;
    if (!b.has(path) && isServerDefault(path, x)) continue;
    if (!a.has(path) && isEmpty(y)) continue;
    changes.push({
      path,
      ...(a.has(path) ? { before: display(path, x) } : {}),
      ...(b.has(path) ? { after: display(path, y) } : {}),
    });
  }
  return changes.sort((p, q) => (p.path < q.path ? -1 : p.path > q.path ? 1 : 0));
}
