/**
 * Interpolation of a whole parsed Compose file, as compose-go's `interpolation.Interpolate`
 * does it: every string VALUE is a template, keys never are, and non-string scalars are left
 * alone. `!reset` markers pass through; `!override` values are interpolated in place.
 */
import { UserError } from "./errors.js";
import { defineEntry, isMapping } from "./mapping.js";
import {
  interpolateString,
  MissingVariableError,
  TemplateNestingError,
  TemplateSyntaxError,
  type Lookup,
} from "./template.js";
import { isOverride, isReset, Override } from "./yaml-tags.js";

export type PathSegment = string | number;

export interface InterpolateOptions {
  /** Called for every `$VAR` / `${VAR}` (no operator) whose variable is unset. */
  onUnset?: (name: string) => void;
}

/**
 * A value that could not be interpolated (or type-cast). `segments` is the model path of the
 * value (`["services", "web", "ports", 0]`) so the loader can point at its line and column;
 * `path` is the same path in dotted form (`services.web.ports[0]`).
 */
export class InterpolationError extends UserError {
  constructor(
    message: string,
    readonly segments: PathSegment[],
    cause?: unknown,
  ) {
    super(message, { path: dottedPath(segments), cause });
    this.name = "InterpolationError";
  }
}

export function interpolateTree(value: unknown, lookup: Lookup, options: InterpolateOptions = {}): unknown {
  const walk = (v: unknown, path: PathSegment[]): unknown => {
    if (typeof v === "string") return interpolateValue(v, path, lookup, options);
    if (Array.isArray(v)) return v.map((item, i) => walk(item, [...path, i]));
    if (isOverride(v)) return new Override(walk(v.value, path));
    if (isReset(v) || !isMapping(v)) return v;
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(v)) defineEntry(out, key, walk(item, [...path, key]));
    return out;
  };
  return walk(value, []);
}

function interpolateValue(value: string, path: PathSegment[], lookup: Lookup, options: InterpolateOptions): string {
  try {
    return interpolateString(value, lookup, { onUnset: options.onUnset });
  } catch (e) {
    if (e instanceof TemplateNestingError) {
      throw new InterpolationError(`invalid interpolation format for ${composePath(path)}: ${e.message}`, path, e);
    }
    if (e instanceof TemplateSyntaxError) {
      throw new InterpolationError(
        `invalid interpolation format for ${composePath(path)}.\nYou may need to escape any $ with another $.\n${e.template}`,
        path,
        e,
      );
    }
    if (e instanceof MissingVariableError) {
      throw new InterpolationError(`error while interpolating ${composePath(path)}: ${e.message}`, path, e);
    }
    throw e;
  }
}

/** The path as compose-go prints it: keys joined by dots, every list index as `[]`. */
export function composePath(path: readonly PathSegment[]): string {
  return path.map((seg) => (typeof seg === "number" ? "[]" : seg)).join(".");
}

/** `services.web.ports[0].target`, the form UserError.path uses. */
export function dottedPath(path: readonly PathSegment[]): string {
  return path.reduce<string>(
    (out, seg) => (typeof seg === "number" ? `${out}[${seg}]` : out === "" ? seg : `${out}.${seg}`),
    "",
  );
}
