/**
 * `include:` — each entry is loaded as its own sub-project (own project directory, own
 * environment, relative paths resolved against that directory) and its resources are imported
 * into the including model. A resource the including file defines too is merged, the including
 * file's definition on top (the rules of `-f` overrides, `!override` / `!reset` included). Two
 * includes defining one resource differently is an error; an identical redefinition is allowed.
 */
import { isDeepStrictEqual } from "node:util";
import { existsSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { defaultEnvFiles, environmentWithFiles, type Environment } from "./environment.js";
import { UserError } from "./errors.js";
import type { StackDocumentLike } from "./loader.js";
import { defineEntry, isMapping } from "./mapping.js";
import { mergeComposeFiles } from "./merge.js";

export interface IncludeRequest {
  /** Absolute paths of the files to load (first is the main file, the rest override it). */
  files: string[];
  /** For TypeScript stacks: the evaluated modules instead of files. */
  documents?: StackDocumentLike[];
  workingDir: string;
  environment: Environment;
  chain: string[];
}

export type IncludeLoader = (request: IncludeRequest) => Record<string, unknown>;

interface IncludeContext {
  file: string;
  workingDir: string;
  environment: Environment;
  /** Files currently being loaded, outermost first (the including file is last). */
  chain: string[];
  load: IncludeLoader;
}

const IMPORTED_RESOURCES = ["services", "volumes", "networks", "secrets", "configs"] as const;

export function loadIncludes(model: Record<string, unknown>, ctx: IncludeContext): Record<string, unknown> {
  const entries = model.include;
  if (entries === undefined || entries === null) return model;
  const { include: _done, ...own } = model;
  if (!Array.isArray(entries)) throw new UserError("`include` must be a list", { location: { file: ctx.file } });

  const imported: Record<string, unknown> = {};
  entries.forEach((entry, index) => {
    const request = includeRequest(entry, index, ctx);
    importResources(ctx.load(request), imported, ctx.file);
  });
  return mergeComposeFiles(imported, own);
}

function includeRequest(entry: unknown, index: number, ctx: IncludeContext): IncludeRequest {
  const where = { location: { file: ctx.file }, path: `include[${index}]` };
  const spec = typeof entry === "string" || isStackDocument(entry) ? { path: entry } : entry;
  if (!isMapping(spec)) throw new UserError(`include[${index}] must be a path or a mapping`, where);

  const paths = ([] as unknown[]).concat(spec.path ?? []);
  if (paths.length === 0) throw new UserError(`include[${index}] needs a path`, where);

  const documents = paths.every(isStackDocument) ? (paths as StackDocumentLike[]) : undefined;
  const files = documents
    ? documents.map((d) => d.file)
    : paths.map((p) => {
        if (typeof p !== "string")
          throw new UserError(`include[${index}].path must be a string or a list of strings`, where);
        return resolve(ctx.workingDir, p);
      });

  const main = files[0]!;
  if (ctx.chain.includes(main)) {
    throw new UserError(`include cycle detected:\n${[...ctx.chain, main].join("\n include ")}`, where);
  }
  if (!documents) {
    for (const f of files) {
      if (!existsSync(f)) throw new UserError(`included file ${f} not found`, where);
    }
  }

  const { workingDir, environment } = includedProject(spec, main, ctx, where, `include[${index}]`);
  return { files, documents, workingDir, environment, chain: ctx.chain };
}

/**
 * The project directory and environment Compose gives an included project: `project_directory`
 * (else the directory of its first file), and the including project's variables over the
 * include's `env_file`s (relative to the including project), else over the `.env` of its own
 * directory. Shared by YAML includes and included TypeScript stack modules.
 */
export function includedProject(
  spec: { project_directory?: unknown; env_file?: unknown },
  mainFile: string,
  parent: { workingDir: string; environment: Environment },
  where: ConstructorParameters<typeof UserError>[1],
  label = "include",
): { workingDir: string; environment: Environment } {
  const workingDir =
    typeof spec.project_directory === "string" && spec.project_directory !== ""
      ? resolve(parent.workingDir, spec.project_directory)
      : dirname(mainFile);
  const envFiles = ([] as unknown[]).concat(spec.env_file ?? []).map((f) => {
    if (typeof f !== "string") throw new UserError(`${label}.env_file must be a string or a list`, where);
    const abs = isAbsolute(f) ? f : join(parent.workingDir, f);
    if (!existsSync(abs)) throw new UserError(`env file ${abs} not found`, where);
    if (!statSync(abs).isFile()) throw new UserError(`${abs} is not a file`, where);
    return abs;
  });
  const files = envFiles.length > 0 ? envFiles : defaultEnvFiles(workingDir);
  // The including project's variables win over the included project's env files.
  return { workingDir, environment: environmentWithFiles(parent.environment, files) };
}

function importResources(source: Record<string, unknown>, target: Record<string, unknown>, file: string): void {
  for (const kind of IMPORTED_RESOURCES) {
    const from = source[kind];
    if (!isMapping(from)) continue;
    const to: Record<string, unknown> = isMapping(target[kind]) ? { ...(target[kind] as Record<string, unknown>) } : {};
    for (const [name, resource] of Object.entries(from)) {
      if (name in to && !isDeepStrictEqual(to[name], resource)) {
        throw new UserError(`${kind}.${name} conflicts with imported resource`, {
          location: { file },
          path: `${kind}.${name}`,
        });
      }
      defineEntry(to, name, resource);
    }
    target[kind] = to;
  }
}

function isStackDocument(v: unknown): v is StackDocumentLike {
  return isMapping(v) && typeof v.file === "string" && isMapping(v.data);
}

/**
 * compose-go's per-file ResolveEnvironment: a valueless `environment` entry (`- VAR`) of an
 * included file takes its value from the included project's environment (its `env_file`s
 * under the including project's variables); entries it does not know stay valueless.
 */
export function resolveBareEnvironment(
  model: Record<string, unknown>,
  environment: Environment,
): Record<string, unknown> {
  if (!isMapping(model.services)) return model;
  const services: Record<string, unknown> = {};
  for (const [name, service] of Object.entries(model.services)) {
    if (!isMapping(service) || !isMapping(service.environment)) {
      services[name] = service;
      continue;
    }
    const env: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(service.environment)) {
      env[key] = value === null && Object.hasOwn(environment, key) ? environment[key] : value;
    }
    services[name] = { ...service, environment: env };
  }
  return { ...model, services };
}
