/**
 * The project environment used for interpolation: the process environment first, then the
 * `--env-file`s or, without them, `.env` in the project directory (Compose never lets a
 * dotenv value override a variable already set in the shell).
 */
import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { readDotenvFile } from "./dotenv.js";
import { UserError } from "./errors.js";
import { assignEntries, defineEntry } from "./mapping.js";

export type Environment = Record<string, string>;

/** Without a prototype, so looking up `constructor` or `__proto__` finds a variable or nothing. */
function emptyEnvironment(): Environment {
  return Object.create(null) as Environment;
}

export function processEnvironment(env: NodeJS.ProcessEnv = process.env): Environment {
  const out = emptyEnvironment();
  for (const [k, v] of Object.entries(env)) if (v !== undefined) defineEntry(out, k, v);
  return out;
}

/** `.env` of `dir` if it is a regular file, else nothing. */
export function defaultEnvFiles(dir: string): string[] {
  const f = join(dir, ".env");
  return existsSync(f) && statSync(f).isFile() ? [f] : [];
}

/**
 * Reads dotenv files in order (later files override earlier ones) and lays `base` on top.
 * A `${VAR}` in a file sees `base`, then that file's own earlier keys, then earlier files.
 */
export function environmentWithFiles(base: Environment, files: readonly string[], cwd = process.cwd()): Environment {
  const fromFiles = emptyEnvironment();
  const lookup = (name: string) => base[name];
  const earlierFiles = (name: string) => fromFiles[name];
  for (const file of files) {
    const abs = resolve(cwd, file);
    if (!existsSync(abs)) throw new UserError(`env file ${abs} not found`, { location: { file: abs } });
    for (const [k, v] of Object.entries(readDotenvFile(abs, lookup, undefined, earlierFiles))) {
      if (v !== undefined) defineEntry(fromFiles, k, v);
    }
  }
  return assignEntries(assignEntries(emptyEnvironment(), fromFiles), base);
}
