/**
 * `env()` lookups are deferred: a stack module is evaluated once, but each document is
 * interpolated later with its own environment (the root project's, or an include's env_file).
 *
 * So `env("TZ")` returns a placeholder string — a private-use marker around a registry id —
 * that survives template literals and concatenation like any string, and is swapped for the
 * variable's value when the loader resolves the document (see resolve.ts). The registry lives
 * on `globalThis` under a `Symbol.for` key so that two copies of c2ts (the CLI's and the one in
 * a project's node_modules) agree on what a placeholder means.
 */
import type { TemplateOp, TemplatePart } from "../compose/template.js";

/** One `${NAME<op><arg>}` reference; `arg` is a string that may itself hold placeholders. */
export interface LookupSpec {
  name: string;
  op?: TemplateOp;
  arg?: string;
}

const OPEN = "\uE000";
const CLOSE = "\uE001";
const PLACEHOLDER = /\uE000(\d+)\uE001/g;

interface Registry {
  specs: LookupSpec[];
  ids: Map<string, number>;
}

const REGISTRY_KEY = Symbol.for("c2ts.stack.lookups");

function registry(): Registry {
  const g = globalThis as { [REGISTRY_KEY]?: Registry };
  return (g[REGISTRY_KEY] ??= { specs: [], ids: new Map() });
}

/** The placeholder for `spec`; equal specs share one id, so the registry stays small. */
export function placeholder(spec: LookupSpec): string {
  const reg = registry();
  const key = JSON.stringify([spec.name, spec.op ?? "", spec.arg ?? null]);
  let id = reg.ids.get(key);
  if (id === undefined) {
    id = reg.specs.length;
    reg.specs.push(spec);
    reg.ids.set(key, id);
  }
  return `${OPEN}${id}${CLOSE}`;
}

export function hasPlaceholder(s: string): boolean {
  return s.includes(OPEN);
}

/**
 * A string holding placeholders as the template parts Compose's evaluator understands. Text
 * is taken literally: `$` in generated code is already a plain dollar sign.
 */
export function templateParts(s: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const m of s.matchAll(PLACEHOLDER)) {
    if (m.index > last) parts.push({ kind: "text", value: s.slice(last, m.index) });
    parts.push(referencePart(Number(m[1])));
    last = m.index + m[0].length;
  }
  if (last < s.length) parts.push({ kind: "text", value: s.slice(last) });
  return parts;
}

function referencePart(id: number): TemplatePart {
  const spec = registry().specs[id];
  if (!spec) throw new Error(`c2ts: unknown env() placeholder #${id} (was the string built in another process?)`);
  if (spec.op === undefined) return { kind: "var", name: spec.name };
  return { kind: "var", name: spec.name, op: spec.op, arg: templateParts(spec.arg ?? "") };
}

/** Placeholders shown as the `${…}` they stand for, for messages about values that still hold them. */
export function describePlaceholders(s: string): string {
  return s.replace(PLACEHOLDER, (_, id: string) => {
    const spec = registry().specs[Number(id)];
    if (!spec) return "${?}";
    return spec.op === undefined
      ? `\${${spec.name}}`
      : `\${${spec.name}${spec.op}${describePlaceholders(spec.arg ?? "")}}`;
  });
}
