/**
 * The stacks the codegen tests run over: every fixture directory holding a compose file, and
 * every stack of ../shared/corpus when it is present.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { discoverComposeFiles } from "../../src/compose/discover.js";

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const FIXTURES = join(REPO, "fixtures");
/** `../shared/corpus` beside the repository; C2TS_CORPUS names it from a worktree elsewhere. */
export const CORPUS = process.env.C2TS_CORPUS ?? resolve(REPO, "../shared/corpus");

const COMPOSE_NAMES = ["compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"];

export interface StackCase {
  name: string;
  dir: string;
  /** The files `c2ts import` finds in `dir` on its own (the main file and its override). */
  files: string[];
}

function stacksUnder(root: string, prefix = ""): StackCase[] {
  if (!existsSync(root)) return [];
  const out: StackCase[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (!entry.isDirectory()) continue;
    const dir = join(root, entry.name);
    if (COMPOSE_NAMES.some((n) => existsSync(join(dir, n)))) {
      out.push({ name: `${prefix}${entry.name}`, dir, files: discoverComposeFiles(dir) });
    } else {
      out.push(...stacksUnder(dir, `${prefix}${entry.name}/`));
    }
  }
  return out;
}

/** Fixture stacks (`fixtures/<name>/` with a compose file; their `expected/` trees aside). */
export function fixtureStacks(): StackCase[] {
  return stacksUnder(FIXTURES).filter((s) => !s.name.includes("/expected"));
}

export function corpusStacks(): StackCase[] {
  return stacksUnder(CORPUS);
}

/** A scratch directory with `node_modules/c2ts` linked to this repository, as a user project would have. */
export function userProject(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "c2ts-user-"));
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(REPO, join(dir, "node_modules", "c2ts"), "dir");
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "user-project", private: true, type: "module" }));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Every file under `dir` (relative, `/`-separated, sorted), skipping directories named in `skip`. */
export function filesUnder(dir: string, skip: string[] = []): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) {
        if (!skip.includes(e.name)) walk(join(d, e.name));
      } else out.push(relative(dir, join(d, e.name)).split("\\").join("/"));
    }
  };
  walk(dir);
  return out.sort();
}
