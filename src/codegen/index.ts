/**
 * `c2ts import`: a Compose YAML stack in, typed hand-editable TypeScript out
 * (`<outDir>/services.ts` plus one module per included file under `<outDir>/compose/`).
 *
 * The generator (yaml, ts-morph, prettier) is loaded only when an import runs, so importing
 * this module — or the package entry that re-exports it — stays cheap.
 */
import { resolve } from "node:path";
import { filesFromEnvironment, discoverComposeFiles } from "../compose/discover.js";

export interface ImportOptions {
  /** Compose files (`-f` and positional), in merge order. Empty: COMPOSE_FILE, else discovery from `cwd`. */
  files: string[];
  /** Output directory (`-o`, default `generated`). */
  outDir: string;
  /** Overwrite generated files even if they were edited since. */
  force?: boolean;
  /** `-p`: written as the stack's `name`. */
  projectName?: string;
  /** `--env-file`s: recorded (as paths) for the stack to read at load time. */
  envFiles?: string[];
  /** `--project-directory`, when it is not the first file's directory. */
  projectDirectory?: string;
  /** Create `c2ts.config.ts` beside the stack when there is none (default true; golden trees leave it out). */
  clusterConfig?: boolean;
  /** Directory relative paths are resolved against (default: the process's). */
  cwd?: string;
  environment?: NodeJS.ProcessEnv;
}

export interface ImportResult {
  /** Files created or replaced (absolute paths). */
  written: string[];
  /** Generated files that were already up to date. */
  unchanged: string[];
}

export async function importStack(opts: ImportOptions): Promise<ImportResult> {
  const cwd = resolve(opts.cwd ?? process.cwd());
  const environment = opts.environment ?? process.env;
  const files =
    opts.files.length > 0
      ? opts.files.map((f) => resolve(cwd, f))
      : (filesFromEnvironment(environment, cwd) ?? discoverComposeFiles(cwd));
  const outDir = resolve(cwd, opts.outDir);
  const [{ generateStack }, { withHash, writeGenerated }] = await Promise.all([
    import("./generate.js"),
    import("./write-files.js"),
  ]);
  const generated = await generateStack({
    files,
    outDir,
    projectName: opts.projectName,
    envFiles: opts.envFiles?.map((f) => resolve(cwd, f)),
    projectDirectory: opts.projectDirectory ? resolve(cwd, opts.projectDirectory) : undefined,
  });
  const withHashes = new Map([...generated].map(([path, text]) => [path, withHash(text)]));
  const result = await writeGenerated(outDir, withHashes, { force: opts.force });
  if (opts.clusterConfig !== false) {
    const { createClusterConfig } = await import("./cluster-config.js");
    const created = createClusterConfig(outDir);
    if (created) result.written.push(created);
  }
  return result;
}
