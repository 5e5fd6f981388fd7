/**
 * The in-memory half of `c2ts import`: compose files in, generated module texts out. Nothing
 * touches the output directory here, so a failure anywhere leaves it as it was.
 */
import { dirname, join, relative, sep } from "node:path";
import { emitModule } from "./module-emitter.js";
import { createRenderer, type RenderInput } from "./render.js";
import { readSourceTree } from "./source-tree.js";

export interface GenerateOptions {
  /** Compose files, absolute, in merge order (the first is the root). */
  files: string[];
  /** Absolute output directory. */
  outDir: string;
  projectName?: string;
  /** Absolute env files the stack should read at load time (recorded as paths, never as values). */
  envFiles?: string[];
  /** Absolute project directory, when it is not the first file's directory. */
  projectDirectory?: string;
}

/** Generated files by path relative to `outDir` (`/`-separated), in a stable order. */
export async function generateStack(options: GenerateOptions): Promise<Map<string, string>> {
  const tree = readSourceTree(options.files, options.projectDirectory);
  // Every module is emitted before the renderer (ts-morph, prettier) loads: input errors come first.
  const inputs = tree.modules.map((mod): RenderInput => {
    const isRoot = mod === tree.root;
    const emitted = emitModule(mod, isRoot ? { projectName: options.projectName, overrides: tree.overrides } : {});
    const moduleDir = dirname(join(options.outDir, mod.outPath));
    const rel = (abs: string) => relativePath(moduleDir, abs);
    const projectDirectory =
      isRoot && options.projectDirectory && options.projectDirectory !== dirname(mod.file)
        ? rel(options.projectDirectory)
        : undefined;
    return {
      emitted,
      outPath: mod.outPath,
      source: rel(mod.file),
      ...(isRoot ? { envFiles: options.envFiles?.map(rel), projectDirectory, overrides: emitted.overrides } : {}),
    };
  });
  const render = await createRenderer();
  const out = new Map<string, string>();
  for (const input of inputs) out.set(input.outPath, await render(input));
  return out;
}

/** `../docker-compose.yml`: relative, `/`-separated, explicit about the current directory. */
function relativePath(fromDir: string, to: string): string {
  const rel = relative(fromDir, to).split(sep).join("/") || ".";
  return rel.startsWith("../") || rel === ".." ? rel : `./${rel}`;
}
