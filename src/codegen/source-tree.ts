/**
 * The compose files an import turns into modules: the root file(s) and, recursively, every
 * file they `include`. Include paths are resolved as Compose does (against the including
 * project's directory), but never interpolated: a path built from variables cannot become a
 * static `import`, so it is an error.
 */
import { dirname, extname, relative, resolve, sep } from "node:path";
import { isAlias, isMap, isScalar, isSeq, type Node, type Scalar } from "yaml";
import { UserError } from "../compose/errors.js";
import { hasInterpolation } from "../compose/template.js";
import { readYamlSource, type YamlSource } from "./yaml-source.js";
import { readComposeSource } from "../compose/read-source.js";
import { parseComposeYaml } from "../compose/yaml.js";

export interface SourceModule {
  /** Absolute path of the compose file. */
  file: string;
  yaml: YamlSource;
  /** Where the module goes, relative to the output directory, with `/` separators. */
  outPath: string;
  /** The modules this file includes, by the YAML scalar that names each. */
  includes: Map<Scalar, SourceModule>;
}

export interface SourceTree {
  root: SourceModule;
  /** Extra `-f` files, merged on top of the root in order. */
  overrides: SourceModule[];
  /** Every module, root first, in discovery order. */
  modules: SourceModule[];
}

export const ROOT_MODULE = "services.ts";
const MODULE_DIR = "compose";

export function readSourceTree(files: string[], projectDirectory?: string): SourceTree {
  const byFile = new Map<string, SourceModule>();
  const modules: SourceModule[] = [];
  const workingDir = projectDirectory ?? dirname(files[0]!);

  /** `workingDir` is only asked for when the file includes others. */
  const load = (file: string, workingDir: () => string, chain: string[]): SourceModule => {
    if (chain.includes(file)) {
      throw new UserError(`include cycle detected:\n${[...chain, file].join("\n include ")}`, {
        location: { file: chain[chain.length - 1]! },
      });
    }
    const known = byFile.get(file);
    if (known) return known;
    const text = readComposeSource(file);
    parseComposeYaml(text, file); // refuses what Compose's reader refuses, e.g. excessive aliasing
    const mod: SourceModule = { file, yaml: readYamlSource(text, file), outPath: "", includes: new Map() };
    byFile.set(file, mod);
    modules.push(mod);
    for (const include of includeRequests(mod.yaml, workingDir)) {
      include.files.forEach((path, i) => {
        const child = load(path.file, include.workingDir, [...chain, file]);
        mod.includes.set(include.scalars[i]!, child);
      });
    }
    return mod;
  };

  const [root, ...overrides] = files.map((f) => load(f, () => workingDir, []));
  assignOutPaths(root!, modules);
  return { root: root!, overrides, modules };
}

interface IncludeRequest {
  scalars: Scalar[];
  files: { file: string }[];
  /** The included project's directory; throws if it cannot be known without interpolation. */
  workingDir: () => string;
}

function includeRequests(yaml: YamlSource, projectDir: () => string): IncludeRequest[] {
  const top = yaml.doc.contents;
  if (!isMap(top)) return [];
  const list = resolveAlias(yaml, top.get("include", true) as Node | undefined);
  if (list === undefined || list === null) return [];
  if (!isSeq(list)) throw userError(yaml, list, "`include` must be a list");
  const workingDir = projectDir();

  return list.items.map((raw) => {
    const item = resolveAlias(yaml, raw as Node);
    const pathNode = isMap(item) ? resolveAlias(yaml, item.get("path", true) as Node | undefined) : item;
    const pathItems = isSeq(pathNode) ? pathNode.items.map((n) => resolveAlias(yaml, n as Node)) : [pathNode];
    const scalars = pathItems.map((n) => {
      if (!isScalar(n) || typeof n.value !== "string")
        throw userError(yaml, n ?? item, "an include path must be a string");
      if (hasInterpolation(n.value)) {
        throw userError(
          yaml,
          n,
          `include path ${JSON.stringify(n.value)} uses variables; c2ts import needs literal include paths`,
        );
      }
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(n.value) || n.value.startsWith("git@")) {
        throw userError(yaml, n, `remote include ${JSON.stringify(n.value)} cannot be imported`);
      }
      return n;
    });
    if (scalars.length === 0) throw userError(yaml, item, "an include needs a path");
    const files = scalars.map((s) => ({ file: resolve(workingDir, s.value as string) }));
    const pd = isMap(item) ? resolveAlias(yaml, item.get("project_directory", true) as Node | undefined) : undefined;
    return {
      scalars,
      files,
      workingDir: () => {
        if (pd === undefined || pd === null) return dirname(files[0]!.file);
        if (!isScalar(pd) || typeof pd.value !== "string" || hasInterpolation(pd.value)) {
          throw userError(yaml, pd, "an include whose project_directory uses variables cannot include files itself");
        }
        return pd.value === "" ? dirname(files[0]!.file) : resolve(workingDir, pd.value);
      },
    };
  });
}

function resolveAlias(yaml: YamlSource, node: Node | null | undefined): Node | null | undefined {
  return isAlias(node) ? yaml.aliasTarget(node) : node;
}

/**
 * The root becomes services.ts; every other file goes under compose/, at its path relative to
 * the directory all of them share (so `compose/media.yml` → `compose/media.ts`).
 */
function assignOutPaths(root: SourceModule, modules: SourceModule[]): void {
  root.outPath = ROOT_MODULE;
  const others = modules.filter((m) => m !== root);
  if (others.length === 0) return;
  const common = others.map((m) => dirname(m.file)).reduce(commonDirectory);
  const taken = new Set<string>([ROOT_MODULE]);
  for (const m of others) {
    const rel = relative(common, m.file).split(sep).join("/");
    const stem = `${MODULE_DIR}/${rel.slice(0, rel.length - extname(rel).length)}`;
    let out = `${stem}.ts`;
    for (let n = 2; taken.has(out); n++) out = `${stem}-${n}.ts`;
    taken.add(out);
    m.outPath = out;
  }
}

function commonDirectory(a: string, b: string): string {
  const pa = a.split(sep);
  const pb = b.split(sep);
  let i = 0;
  while (i < pa.length && i < pb.length && pa[i] === pb[i]) i++;
  return pa.slice(0, i).join(sep) || sep;
}

export function userError(yaml: YamlSource, node: Node | null | undefined, message: string): UserError {
  const at = node?.range ? yaml.position(node.range[0]) : undefined;
  return new UserError(message, { location: { file: yaml.file, line: at?.line, column: at?.column } });
}
