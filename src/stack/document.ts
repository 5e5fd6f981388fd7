/**
 * The contract between TypeScript stacks and the Compose loader: a stack module evaluates to a
 * tree of `StackDocument`s — compose-file-shaped data, already interpolated, each naming the
 * ORIGINAL compose file it came from so relative paths resolve as they did in YAML.
 *
 * Evaluating the module and interpolating it are separate steps (`openStack` then
 * `evaluate`): the loader needs the project directory (from the module) to read `.env`
 * before it can give the environment (to the lookups).
 */
import { dirname, resolve } from "node:path";
import { defaultEnvFiles, environmentWithFiles, processEnvironment, type Environment } from "../compose/environment.js";
import { UserError } from "../compose/errors.js";
import { evaluateStackModule, type EvaluateOptions } from "./load-module.js";
import { moduleDir, resolveStack, resolveStackName, stackSourceFile, type StackDocument } from "./resolve.js";
import { isDefinedStack, type DefinedStack } from "./types.js";

export type { StackDocument } from "./resolve.js";

/** An evaluated stack module, waiting for its environment. */
export interface OpenedStack {
  /** The project directory (where `.env` is read): the source file's directory unless the module says otherwise. */
  workingDir: string;
  /** Env files the module asks for when `--env-file` is not given (absolute); empty: `<workingDir>/.env`. */
  envFiles: string[];
  /** The `name` the stack declares, resolved alone (it decides COMPOSE_PROJECT_NAME for the rest). */
  declaredName(environment: Environment, options?: { workingDir?: string }): unknown;
  /** Interpolates the stack and its included modules. `workingDir` overrides the project directory (`--project-directory`). */
  evaluate(
    environment: Environment,
    options?: { workingDir?: string; onUnset?: (name: string) => void },
  ): Promise<StackDocument>;
}

/** Evaluates the TypeScript module `tsFile`, whose default export must come from `defineStack`. */
export async function openStack(tsFile: string, options: EvaluateOptions = {}): Promise<OpenedStack> {
  const file = resolve(tsFile);
  const exports = await evaluateStackModule(file, options);
  const stack = exports.default;
  if (!isDefinedStack(stack)) {
    throw new UserError(
      'a stack module must `export default defineStack({ ... })` (import { defineStack } from "c2ts")',
      {
        location: { file },
      },
    );
  }
  const root: DefinedStack = stack.moduleFile ? stack : { ...stack, moduleFile: file };
  const base = moduleDir(root);
  const workingDir = root.options.projectDirectory
    ? resolve(base, root.options.projectDirectory)
    : dirname(stackSourceFile(root));
  return {
    workingDir,
    envFiles: (root.options.envFiles ?? []).map((f) => resolve(base, f)),
    declaredName(environment, options = {}) {
      return resolveStackName(root, { environment, workingDir: options.workingDir ?? workingDir });
    },
    async evaluate(environment, options = {}) {
      return resolveStack(root, {
        environment,
        workingDir: options.workingDir ?? workingDir,
        onUnset: options.onUnset,
      });
    },
  };
}

export interface LoadStackOptions {
  environment: NodeJS.ProcessEnv;
  /** `--env-file`s; without them, the module's own env files or else the project directory's `.env`. */
  envFiles?: string[];
  projectDirectory?: string;
  onUnset?: (name: string) => void;
}

/**
 * Evaluates and interpolates a stack in one go, with the environment Compose would use: the
 * given process environment first, then the env files.
 */
export async function loadStackModule(tsFile: string, opts: LoadStackOptions): Promise<StackDocument> {
  const opened = await openStack(tsFile);
  const workingDir = opts.projectDirectory ? resolve(opts.projectDirectory) : opened.workingDir;
  const envFiles =
    opts.envFiles && opts.envFiles.length > 0
      ? opts.envFiles
      : opened.envFiles.length > 0
        ? opened.envFiles
        : defaultEnvFiles(workingDir);
  const environment = environmentWithFiles(processEnvironment(opts.environment), envFiles);
  return opened.evaluate(environment, { workingDir, onUnset: opts.onUnset });
}
