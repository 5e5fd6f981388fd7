/**
 * Identifiers for generated code: camelCase names derived from YAML anchors, `x-` keys and
 * file names, never clashing with each other, with the helpers a module imports, or with
 * JavaScript's reserved words.
 */
import { quoted } from "./strings.js";

const RESERVED = new Set(
  (
    "break case catch class const continue debugger default delete do else enum export extends false finally for " +
    "function if import in instanceof new null return super switch this throw true try typeof var void while with " +
    "yield let static implements interface package private protected public await async of as from type " +
    "arguments eval undefined NaN Infinity globalThis"
  ).split(" "),
);

/** `common-env` → `commonEnv`, `x-base` → `base` (with `dropExtensionPrefix`), `2fa` → `_2fa`. */
export function camelCase(raw: string): string {
  const words = raw.split(/[^A-Za-z0-9]+/).filter(Boolean);
  if (words.length === 0) return "value";
  const name = words
    .map((w, i) => (i === 0 ? w.charAt(0).toLowerCase() + w.slice(1) : w.charAt(0).toUpperCase() + w.slice(1)))
    .join("");
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

/** Hands out unique identifiers within one module. */
export class NameAllocator {
  private readonly used = new Set<string>();

  constructor(taken: Iterable<string> = []) {
    for (const t of taken) this.used.add(t);
  }

  /** A free identifier based on `raw` (camelCased); `taken` names get a number: `env` → `env2`. */
  allocate(raw: string): string {
    const base = camelCase(raw);
    let name = base;
    for (let n = 2; this.used.has(name) || RESERVED.has(name); n++) name = `${base}${n}`;
    this.used.add(name);
    return name;
  }
}

/** Property keys as written in code: bare when they are identifiers, quoted otherwise. */
export function propertyKey(key: string): string {
  if (key === "__proto__") return `["__proto__"]`; // a plain `__proto__:` would set the prototype
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? key : quoted(key);
}

export function isIdentifier(s: string): boolean {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(s) && !RESERVED.has(s);
}
