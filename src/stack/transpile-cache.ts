/**
 * A per-user disk cache of stack modules with their types stripped, so that loading an
 * unchanged stack (every `plan`, `deploy`, `config --stack` after the first) never starts
 * esbuild. Entries are keyed by everything that shapes the output — the file's path and
 * content, the esbuild version, our transform settings — so an entry is never stale; the
 * directory ($XDG_CACHE_HOME/c2ts, else ~/.cache/c2ts) can be deleted at any time.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { join } from "node:path";

export interface TranspileCache {
  get(file: string, source: string): string | undefined;
  set(file: string, source: string, code: string): void;
}

/** Bump when the transform settings in load-module.ts change. */
const FORMAT = "1";

const NO_CACHE: TranspileCache = { get: () => undefined, set: () => {} };

export function transpileCache(environment: NodeJS.ProcessEnv = process.env): TranspileCache {
  let dir: string;
  let compiler: string;
  try {
    dir = join(environment.XDG_CACHE_HOME || join(homedir(), ".cache"), "c2ts", "transpiled");
    const esbuildPackage = createRequire(import.meta.url).resolve("esbuild/package.json");
    compiler = (JSON.parse(readFileSync(esbuildPackage, "utf8")) as { version: string }).version;
  } catch {
    return NO_CACHE;
  }
  const path = (file: string, source: string) =>
    join(dir, `${createHash("sha256").update(`${FORMAT}\0${compiler}\0${file}\0${source}`).digest("hex")}.js`);
  return {
    get(file, source) {
      try {
        return readFileSync(path(file, source), "utf8");
      } catch {
        return undefined;
      }
    },
    set(file, source, code) {
      try {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        const target = path(file, source);
        const tmp = `${target}.${process.pid}.tmp`;
        writeFileSync(tmp, code, { mode: 0o600 });
        renameSync(tmp, target);
      } catch {
        // A cache that cannot be written only costs speed.
      }
    },
  };
}
