/**
 * The Compose loader: the pipeline that turns compose files (or an evaluated TypeScript stack)
 * into the canonical Project, in compose-go's order:
 *
 *   per document: interpolate → type-cast → validate → canonical form → include → extends → merge
 *   per project:  relative paths → normalize (names, defaults, env files) → profiles → consistency
 *
 * Each stage lives in its own module; this file only sequences them and carries the context
 * (environment, working directory, positions for error messages) between them.
 */
import { dirname, resolve } from "node:path";
import { canonicalizeFile } from "./canonical.js";
import { checkConsistency } from "./consistency.js";
import { discoverComposeFiles, filesFromEnvironment } from "./discover.js";
import { defaultEnvFiles, environmentWithFiles, processEnvironment, type Environment } from "./environment.js";
import { UserError } from "./errors.js";
import { resolveExtends } from "./extends.js";
import { loadIncludes, resolveBareEnvironment, type IncludeLoader } from "./include.js";
import { interpolateTree } from "./interpolate.js";
import { isMapping } from "./mapping.js";
import { mergeComposeFiles, stripResetMarkers } from "./merge.js";
import type { Project } from "./model.js";
import { normalizeProject, referencedServiceFiles } from "./normalize.js";
import { resolveRelativePaths } from "./paths.js";
import { activeProfiles, isServiceEnabled } from "./profiles.js";
import { resolveProjectName } from "./project-name.js";
import { selectServices } from "./select-services.js";
import { readServiceFiles } from "./service-files.js";
import { validateComposeFile } from "./schema/validate.js";
import { interpolateString } from "./template.js";
import { castTypes } from "./typecast.js";
import { parseComposeYaml, type PathSegment, type SourcePositions } from "./yaml.js";
import { readComposeSource } from "./read-source.js";

export interface LoadOptions {
  /** Compose files (`-f`), in merge order. Empty: COMPOSE_FILE, else discovery from `cwd`. */
  files?: string[];
  /** An evaluated TypeScript stack instead of files (`--stack`). */
  stack?: StackSource;
  projectName?: string;
  projectDirectory?: string;
  profiles?: string[];
  /** Keep every service whatever its profiles (the importer wants them all). */
  allProfiles?: boolean;
  envFiles?: string[];
  environment?: NodeJS.ProcessEnv;
  cwd?: string;
  onWarning?: (message: string) => void;
  /** `config --no-interpolate`: keep `${VAR}` as written (no interpolation, no type casts). */
  interpolate?: boolean;
  /** `config --no-path-resolution`: keep relative paths relative. */
  resolvePaths?: boolean;
  /** `config --no-normalize`: compose-go's SkipNormalization (see NormalizeContext). */
  normalize?: boolean;
  /** `config --no-env-resolution`: keep `env_file` instead of folding it into `environment`. */
  resolveEnvFiles?: boolean;
  /** `config --no-consistency`: skip the reference, cycle and container-name checks. */
  consistency?: boolean;
  /** Only these services and what they depend on (whatever their profiles); empty: all enabled ones. */
  services?: string[];
}

/** A compose document that did not come from YAML text: already interpolated, no positions. */
export interface StackDocumentLike {
  file: string;
  data: Record<string, unknown>;
  /** Further documents merged over this one, like extra `-f` files. */
  overrides?: StackDocumentLike[];
}

export interface StackSource {
  /** Directory relative paths resolve against (the original YAML project directory). */
  workingDir: string;
  /** Env files the stack asks for when no `--env-file` is given; empty: `<workingDir>/.env`. */
  envFiles?: string[];
  /** The `name` the stack declares, resolved without evaluating the rest. */
  declaredName(environment: Environment, options: { workingDir: string }): unknown;
  /** Evaluates the stack once the loader knows the environment. */
  evaluate(
    environment: Environment,
    options: { workingDir: string; onUnset: (name: string) => void },
  ): Promise<StackDocumentLike>;
}

export interface LoadedProject {
  project: Project;
  workingDir: string;
  configFiles: string[];
  environment: Environment;
}

/** One compose document on its way through the per-document stages. */
interface SourceDocument {
  file: string;
  data: Record<string, unknown>;
  interpolated: boolean;
  positions?: SourcePositions;
}

/** The merged model before project normalization, with what the later stages need. */
export interface MergedModel {
  model: Record<string, unknown>;
  projectName: string;
  workingDir: string;
  environment: Environment;
  configFiles: string[];
}

export async function loadProject(options: LoadOptions = {}): Promise<LoadedProject> {
  const merged = await loadMergedModel(options);
  return finish(merged, options);
}

/**
 * compose-go's `ToModel`: includes, extends and overrides merged, relative paths resolved (unless
 * `resolvePaths: false`), not normalized or encoded. With `interpolate: false` this is what
 * `config --no-interpolate` prints.
 */
export async function loadMergedModel(options: LoadOptions = {}): Promise<MergedModel> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const baseEnv = processEnvironment(options.environment ?? process.env);
  const warn = options.onWarning ?? (() => {});
  const interpolate = options.interpolate ?? true;

  if (options.stack) {
    if (!interpolate)
      throw new UserError("--no-interpolate needs compose files: a TypeScript stack is evaluated, not interpolated");
    return loadStack(options.stack, options, baseEnv, cwd, warn);
  }

  const files = resolveFiles(options, baseEnv, cwd);
  const workingDir = resolve(cwd, options.projectDirectory ?? dirname(files[0]!));
  const environment = projectEnvironment(baseEnv, options, workingDir, cwd);
  const parsed = files.map((file) => parseComposeYaml(readComposeSource(file), file));

  const declaredName = lastDeclaredName(
    parsed.flatMap((p) => p.documents),
    environment,
  );
  const projectName = resolveProjectName({
    flag: options.projectName,
    environment,
    declared: declaredName,
    workingDir,
  });
  environment.COMPOSE_PROJECT_NAME = projectName;

  const documents: SourceDocument[] = parsed.flatMap((p) =>
    p.documents.map((data) => ({ file: p.file, data, interpolated: false, positions: p.positions })),
  );
  const model = loadModel(documents, { environment, workingDir, warn, chain: [], interpolate });
  // compose-go's load(): nothing at all in the files is an error, not an empty project.
  if (Object.keys(model).length === 0) throw new UserError("empty compose file", { location: { file: files[0]! } });
  return withPaths({ model, projectName, workingDir, environment, configFiles: files }, options);
}

async function loadStack(
  stack: StackSource,
  options: LoadOptions,
  baseEnv: Environment,
  cwd: string,
  warn: (m: string) => void,
): Promise<MergedModel> {
  const workingDir = resolve(cwd, options.projectDirectory ?? stack.workingDir);
  const envFiles = options.envFiles?.length ? options.envFiles : stack.envFiles;
  const environment = projectEnvironment(baseEnv, { ...options, envFiles }, workingDir, cwd);
  // As for YAML: `name:` is read without COMPOSE_PROJECT_NAME (unless the environment sets it),
  // the rest sees COMPOSE_PROJECT_NAME = the resolved name.
  const projectName = resolveProjectName({
    flag: options.projectName,
    environment,
    declared: stack.declaredName(environment, { workingDir }),
    workingDir,
  });
  environment.COMPOSE_PROJECT_NAME = projectName;
  const unset = new Set<string>();
  const root = await stack.evaluate(environment, { workingDir, onUnset: (name) => unset.add(name) });
  warnUnset(unset, warn);
  const documents = [root, ...(root.overrides ?? [])].map((d) => ({ file: d.file, data: d.data, interpolated: true }));
  const model = loadModel(documents, { environment, workingDir, warn, chain: [], interpolate: true });
  return withPaths({ model, projectName, workingDir, environment, configFiles: [root.file] }, options);
}

function withPaths(merged: MergedModel, options: LoadOptions): MergedModel {
  if (options.resolvePaths === false) return merged;
  return { ...merged, model: resolveRelativePaths(merged.model, merged.workingDir) };
}

function finish(merged: MergedModel, options: LoadOptions): LoadedProject {
  const project = normalizeProject(merged.model, {
    projectName: merged.projectName,
    workingDir: merged.workingDir,
    environment: merged.environment,
    files: readServiceFiles(referencedServiceFiles(merged.model)),
    skipNormalization: options.normalize === false,
    keepEnvFiles: options.resolveEnvFiles === false,
  });
  if (options.services?.length) selectServices(project, options.services);
  else if (!options.allProfiles) applyProfiles(project, activeProfiles(options.profiles, merged.environment));
  if (options.consistency !== false) checkConsistency(project);
  return { project, workingDir: merged.workingDir, configFiles: merged.configFiles, environment: merged.environment };
}

interface ModelContext {
  environment: Environment;
  workingDir: string;
  warn: (m: string) => void;
  /** Files being included, outermost first, to report include cycles. */
  chain: string[];
  /** False for `--no-interpolate`. */
  interpolate: boolean;
}

/** Runs the per-document stages and merges the documents in order (compose-go's loadYamlModel). */
function loadModel(documents: SourceDocument[], ctx: ModelContext): Record<string, unknown> {
  let model: Record<string, unknown> = {};
  for (const doc of documents) {
    const data = prepareDocument(doc, ctx);
    // Includes first, so a service may extend one that an included file defines (compose-go order).
    const withIncludes = loadIncludes(data, {
      file: doc.file,
      workingDir: ctx.workingDir,
      environment: ctx.environment,
      chain: [...ctx.chain, doc.file],
      load: includeLoader(ctx),
    });
    model = mergeComposeFiles(model, applyExtends(withIncludes, doc, ctx));
  }
  return model;
}

/** Loads an included project: its own working dir and environment, paths resolved, not normalized. */
function includeLoader(parent: ModelContext): IncludeLoader {
  return ({ files, documents, workingDir, environment, chain }) => {
    const docs: SourceDocument[] = documents
      ? documents.map((d) => ({ file: d.file, data: d.data, interpolated: true }))
      : files.flatMap((file) => {
          const parsed = parseComposeYaml(readComposeSource(file), file);
          return parsed.documents.map((data) => ({ file, data, interpolated: false, positions: parsed.positions }));
        });
    const model = loadModel(docs, {
      environment,
      workingDir,
      warn: parent.warn,
      chain,
      interpolate: parent.interpolate,
    });
    return resolveRelativePaths(resolveBareEnvironment(model, environment), workingDir);
  };
}

/** interpolate → type-cast → validate → canonical form, for one document. */
function prepareDocument(doc: SourceDocument, ctx: ModelContext): Record<string, unknown> {
  let data: unknown = doc.data;
  if (!doc.interpolated && ctx.interpolate) {
    const unset = new Set<string>();
    data = locateErrors(doc, () =>
      interpolateTree(data, (name) => ctx.environment[name], { onUnset: (name: string) => unset.add(name) }),
    );
    warnUnset(unset, ctx.warn);
  }
  if (ctx.interpolate) data = locateErrors(doc, () => castTypes(data, { onWarning: ctx.warn }));
  if (!isMapping(data)) throw new UserError("top-level object must be a mapping", { location: { file: doc.file } });

  if ("version" in data) {
    ctx.warn(
      `${doc.file}: the attribute \`version\` is obsolete, it will be ignored, please remove it to avoid potential confusion`,
    );
    const { version: _ignored, ...rest } = data;
    data = rest;
  }
  const issues = validateComposeFile(stripResetMarkers(withIncludePathsAsFiles(data as Record<string, unknown>)));
  if (issues.length > 0) {
    const issue = issues[0]!;
    throw new UserError(issue.message, {
      location: doc.positions?.locate(issue.path) ?? { file: doc.file },
      path: formatPath(issue.path),
    });
  }
  return ctx.interpolate
    ? canonicalizeFile(data as Record<string, unknown>)
    : canonicalizeUninterpolated(data as Record<string, unknown>);
}

/**
 * compose-go's Canonical with ignoreParseError: a `${VAR}` left in a short syntax (`"${PORT}:80"`)
 * cannot be parsed, so that attribute is kept as written and the others are canonicalized.
 */
function canonicalizeUninterpolated(data: Record<string, unknown>): Record<string, unknown> {
  const attempt = <T>(run: () => T, fallback: T): T => {
    try {
      return run();
    } catch (e) {
      if (e instanceof UserError) return fallback;
      throw e;
    }
  };
  const { services, ...rest } = data;
  const out = canonicalizeFile(rest);
  if (!isMapping(services)) return services === undefined ? out : { ...out, services };
  const canonService = (name: string, service: unknown): unknown => {
    if (!isMapping(service)) return service;
    const kept: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(service)) {
      const one = () =>
        (
          canonicalizeFile({ services: { [name]: { [key]: value } } }).services as Record<
            string,
            Record<string, unknown>
          >
        )[name]![key];
      kept[key] = attempt(one, value);
    }
    return kept;
  };
  return { ...out, services: Object.fromEntries(Object.entries(services).map(([n, s]) => [n, canonService(n, s)])) };
}

function applyExtends(data: Record<string, unknown>, doc: SourceDocument, ctx: ModelContext): Record<string, unknown> {
  const services = data.services;
  if (!isMapping(services)) return data;
  // Most files extend nothing; resolving would only copy every service.
  if (!Object.values(services).some((s) => isMapping(s) && s.extends !== undefined)) return data;
  const loaded = new Map<string, Record<string, Record<string, unknown>>>();
  const extended = resolveExtends(services as Record<string, Record<string, unknown>>, doc.file, {
    loadFile(file, fromFile) {
      const abs = resolve(dirname(fromFile), file);
      let result = loaded.get(abs);
      if (!result) {
        const parsed = parseComposeYaml(readComposeSource(abs), abs);
        // The first document is taken as it is: merging it into nothing would consume its
        // `!override` / `!reset` markers, which must still apply to the service it extends.
        let merged: Record<string, unknown> | undefined;
        for (const data of parsed.documents) {
          const prepared = prepareDocument({ file: abs, data, interpolated: false, positions: parsed.positions }, ctx);
          merged = merged ? mergeComposeFiles(merged, prepared) : prepared;
        }
        merged ??= {};
        const withPaths = resolveRelativePaths(merged, dirname(abs));
        result = (withPaths.services ?? {}) as Record<string, Record<string, unknown>>;
        loaded.set(abs, result);
      }
      return result;
    },
  });
  return { ...data, services: extended };
}

/** TypeScript stacks include evaluated modules; the schema knows include paths as file names. */
function withIncludePathsAsFiles(data: Record<string, unknown>): Record<string, unknown> {
  if (!Array.isArray(data.include)) return data;
  const asFile = (p: unknown) => (isMapping(p) && typeof p.file === "string" ? p.file : p);
  const include = data.include.map((entry: unknown) => {
    if (!isMapping(entry) || !("path" in entry)) return asFile(entry);
    return { ...entry, path: Array.isArray(entry.path) ? entry.path.map(asFile) : asFile(entry.path) };
  });
  return { ...data, include };
}

function warnUnset(names: Set<string>, warn: (m: string) => void): void {
  for (const name of names) warn(`The "${name}" variable is not set. Defaulting to a blank string.`);
}

function applyProfiles(project: Project, active: string[]): void {
  for (const [name, service] of Object.entries(project.services)) {
    if (!isServiceEnabled(service, active)) delete project.services[name];
  }
}

function resolveFiles(options: LoadOptions, env: Environment, cwd: string): string[] {
  if (options.files && options.files.length > 0) return options.files.map((f) => resolve(cwd, f));
  return filesFromEnvironment(env, cwd) ?? discoverComposeFiles(cwd);
}

function projectEnvironment(base: Environment, options: LoadOptions, workingDir: string, cwd: string): Environment {
  const files = options.envFiles && options.envFiles.length > 0 ? options.envFiles : defaultEnvFiles(workingDir);
  return environmentWithFiles(base, files, cwd);
}

/** Top-level `name:` as compose reads it before loading: the last non-empty one, interpolated. */
function lastDeclaredName(documents: Record<string, unknown>[], environment: Environment): string | undefined {
  let name: string | undefined;
  for (const doc of documents) if (typeof doc.name === "string" && doc.name !== "") name = doc.name;
  return name === undefined ? undefined : interpolateString(name, (v) => environment[v]);
}

/** Attaches the document position to errors that carry a model path (interpolation, casts). */
function locateErrors<T>(doc: SourceDocument, run: () => T): T {
  try {
    return run();
  } catch (e) {
    if (e instanceof UserError && !e.location) {
      const segments = (e as UserError & { segments?: PathSegment[] }).segments;
      throw new UserError(e.message, {
        location: segments && doc.positions ? doc.positions.locate(segments) : { file: doc.file },
        path: e.path,
        cause: e,
      });
    }
    throw e;
  }
}

export function formatPath(path: readonly PathSegment[]): string {
  return path.reduce<string>(
    (out, seg) => (typeof seg === "number" ? `${out}[${seg}]` : out ? `${out}.${seg}` : seg),
    "",
  );
}
