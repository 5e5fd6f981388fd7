/**
 * ts-morph (which brings the TypeScript compiler) and prettier load only when an import renders
 * modules: the code generator refers to them by type everywhere else.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "./stacks.js";

const CODEGEN = join(REPO, "src/codegen");
const HEAVY = ["ts-morph", "prettier"];

function sources(): { file: string; text: string }[] {
  return readdirSync(CODEGEN)
    .filter((f) => f.endsWith(".ts"))
    .map((file) => ({ file, text: readFileSync(join(CODEGEN, file), "utf8") }));
}

describe("the code generator's heavy dependencies", () => {
  it("are imported statically as types only", () => {
    for (const { file, text } of sources()) {
      for (const m of text.matchAll(/^import\s+(type\s+)?[^;]*?from\s+"([^"]+)";/gms)) {
        if (HEAVY.includes(m[2]!)) expect(m[1], `${file} imports ${m[2]} for its values`).toBe("type ");
      }
    }
  });

  it("are loaded at run time (import() or require) by the renderer alone", () => {
    const loaders = sources()
      .filter(({ text }) => HEAVY.some((p) => text.includes(`("${p}")`)))
      .map(({ file }) => file);
    expect(loaders).toEqual(["render.ts"]);
  });
});
