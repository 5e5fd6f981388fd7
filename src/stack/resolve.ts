/**
 * Turns an evaluated stack module into compose documents: every `env()` placeholder replaced
 * by its value in the document's own environment, exactly as Compose interpolates `${…}`.
 *
 * Included stack modules are resolved with the environment Compose gives an included project
 * (the including project's variables, then the include's `env_file`s or its project
 * directory's `.env`), which is why lookups are deferred until here.
 */
import { dirname, resolve } from "node:path";
import type { Environment } from "../compose/environment.js";
import { includedProject } from "../compose/include.js";
import { UserError } from "../compose/errors.js";
import { composePath, dottedPath, type PathSegment } from "../compose/interpolate.js";
import { defineEntry, isMapping } from "../compose/mapping.js";
import { evaluateTemplate, MissingVariableError } from "../compose/template.js";
import { isOverride, isReset, Override } from "../compose/yaml-tags.js";
import { describePlaceholders, hasPlaceholder, templateParts } from "./lookup.js";
import { isDefinedStack, type DefinedStack } from "./types.js";

export interface StackDocument {
  /** Absolute path of the ORIGINAL compose file this module came from (for relative paths and messages). */
  file: string;
  /** A compose-file-shaped object, every value already interpolated (`$$` is already `$`). */
  data: Record<string, unknown>;
  /** Root only: documents merged on top of this one, in order, like extra `-f` files. */
  overrides?: StackDocument[];
}

export interface ResolveContext {
  environment: Environment;
  /** Project directory: relative include paths, `env_file` and `project_directory` resolve against it. */
  workingDir: string;
  /** Called for each `env("NAME")` without options whose variable is unset (Compose warns about those). */
  onUnset?: (name: string) => void;
}

/** Absolute path of the compose file a stack module stands for (else of the module itself). */
export function stackSourceFile(def: DefinedStack): string {
  if (def.options.source !== undefined) return resolve(moduleDir(def), def.options.source);
  return def.moduleFile ?? resolve("compose.ts");
}

/** The directory paths in `StackOptions` are relative to. */
export function moduleDir(def: DefinedStack): string {
  return def.moduleFile ? dirname(def.moduleFile) : process.cwd();
}

export function resolveStack(def: DefinedStack, ctx: ResolveContext): StackDocument {
  const file = stackSourceFile(def);
  const where = def.moduleFile ?? file;
  const { include, ...rest } = def.stack;
  const data = resolveValue(rest, [], ctx, where) as Record<string, unknown>;
  if (include !== undefined) {
    if (!Array.isArray(include)) throw new UserError("`include` must be a list", { location: { file: where } });
    data.include = include.map((entry, i) => resolveInclude(entry, i, ctx, where));
  }
  const overrides = def.options.overrides?.map((o) => resolveStack(o, ctx));
  return overrides && overrides.length > 0 ? { file, data, overrides } : { file, data };
}

/**
 * The project name the stack declares (its own `name`, else the last override's that has one),
 * resolved alone: the rest of the stack may read COMPOSE_PROJECT_NAME, which this name decides.
 */
export function resolveStackName(def: DefinedStack, ctx: ResolveContext): unknown {
  const own =
    def.stack.name === undefined
      ? undefined
      : resolveValue(def.stack.name, ["name"], ctx, def.moduleFile ?? stackSourceFile(def));
  const overridden = (def.options.overrides ?? []).map((o) => resolveStackName(o, ctx)).filter((n) => n !== undefined);
  return overridden.length > 0 ? overridden[overridden.length - 1] : own;
}

function resolveInclude(entry: unknown, index: number, ctx: ResolveContext, where: string): unknown {
  const path: PathSegment[] = ["include", index];
  if (isDefinedStack(entry)) return resolveIncluded([entry], {}, ctx)[0];
  if (!isMapping(entry)) return resolveValue(entry, path, ctx, where);

  const { path: target, ...settings } = entry;
  const resolved = resolveValue(settings, path, ctx, where) as Record<string, unknown>;
  const targets = Array.isArray(target) ? target : [target];
  if (targets.length === 0 || !targets.every(isDefinedStack)) {
    return { ...resolved, path: resolveValue(target, [...path, "path"], ctx, where) };
  }
  const documents = resolveIncluded(targets, resolved, ctx);
  return { ...resolved, path: Array.isArray(target) ? documents : documents[0] };
}

/** Resolves included modules in the environment Compose gives the included project. */
function resolveIncluded(
  modules: DefinedStack[],
  settings: Record<string, unknown>,
  parent: ResolveContext,
): StackDocument[] {
  const main = stackSourceFile(modules[0]!);
  const { workingDir, environment } = includedProject(settings, main, parent, { location: { file: main } });
  const ctx: ResolveContext = { environment, workingDir, onUnset: parent.onUnset };
  return modules.map((m) => resolveStack(m, ctx));
}

/** Objects being resolved, outermost first: a stack that contains itself is refused, not recursed into forever. */
const resolving = new Set<object>();

function resolveValue(value: unknown, path: PathSegment[], ctx: ResolveContext, where: string): unknown {
  if (typeof value === "string") return hasPlaceholder(value) ? interpolate(value, path, ctx, where) : value;
  if (value === null || typeof value !== "object") return value;
  if (resolving.has(value)) {
    throw new UserError(
      `${dottedPath(path)}: the value contains itself (a cyclic object), which a Compose file cannot`,
      {
        location: { file: where },
        path: dottedPath(path),
      },
    );
  }
  resolving.add(value);
  try {
    return resolveObject(value, path, ctx, where);
  } finally {
    resolving.delete(value);
  }
}

function resolveObject(value: object, path: PathSegment[], ctx: ResolveContext, where: string): unknown {
  if (Array.isArray(value)) return value.map((item, i) => resolveValue(item ?? null, [...path, i], ctx, where));
  if (isOverride(value)) return new Override(resolveValue(value.value, path, ctx, where));
  if (isReset(value)) return value;
  if (isDefinedStack(value)) {
    throw new UserError(`${dottedPath(path)}: a stack module can only be used as an include path`, {
      location: { file: where },
      path: dottedPath(path),
    });
  }
  if (!isMapping(value)) return value;

  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined) continue; // an absent key, as in YAML
    if (hasPlaceholder(key)) {
      throw new UserError(
        `${describePlaceholders(key)}: env() cannot be used in a key (Compose never interpolates keys)`,
        {
          location: { file: where },
          path: dottedPath(path),
        },
      );
    }
    defineEntry(out, key, resolveValue(item, [...path, key], ctx, where));
  }
  return out;
}

function interpolate(value: string, path: PathSegment[], ctx: ResolveContext, where: string): string {
  try {
    return evaluateTemplate(templateParts(value), (name) => ctx.environment[name], { onUnset: ctx.onUnset });
  } catch (e) {
    if (e instanceof MissingVariableError) {
      throw new UserError(`error while interpolating ${composePath(path)}: ${e.message}`, {
        location: { file: where },
        path: dottedPath(path),
        cause: e,
      });
    }
    throw e;
  }
}
