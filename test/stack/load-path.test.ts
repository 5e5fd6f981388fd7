/**
 * Loading a `.ts` stack must stay light: nothing reachable from the stack loader may import
 * ts-morph, the TypeScript compiler, prettier or the code generator (statically or lazily).
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), "../../src");
const IMPORT = /\b(?:import|export)\s[^;]*?\bfrom\s*["']([^"']+)["']|\bimport\s*\(\s*["']([^"']+)["']\s*\)/g;

function reachable(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const text = readFileSync(file, "utf8").replace(/^\s*\/\/.*$|\/\*[\s\S]*?\*\//gm, "");
    for (const m of text.matchAll(IMPORT)) {
      const spec = (m[1] ?? m[2])!;
      if (!spec.startsWith(".")) {
        packages.add(spec);
        continue;
      }
      const target = resolve(dirname(file), spec.replace(/\.js$/, ".ts"));
      if (existsSync(target)) visit(target);
    }
  };
  visit(entry);
  return { files, packages };
}

describe("the stack load path", () => {
  it("reaches neither the code generator nor heavy packages", () => {
    const { files, packages } = reachable(join(SRC, "stack/index.ts"));
    expect([...files].some((f) => f.includes(`${join(SRC, "codegen")}`))).toBe(false);
    for (const heavy of ["ts-morph", "typescript", "prettier"]) expect(packages).not.toContain(heavy);
    expect(packages).toContain("esbuild");
  });

  it("keeps the code generator out of the codegen entry until an import runs", () => {
    const entry = readFileSync(join(SRC, "codegen/index.ts"), "utf8");
    expect(entry).not.toMatch(/from "prettier"|from "\.\/generate\.js"|from "yaml"/);
  });
});
