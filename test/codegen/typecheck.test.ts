/**
 * The generated code type-checks with `tsc --noEmit --strict` where users keep it: in a
 * project of their own with c2ts in node_modules (here a symlink to this repository), and
 * inside this package (where "c2ts" resolves by self-reference). Types come from the built
 * package (dist/), as they would for a user: run `npm run build` first.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importStack } from "../../src/codegen/index.js";
import { fixtureStacks, REPO, userProject } from "./stacks.js";

const project = userProject();
const inRepo = join(REPO, ".c2ts-tmp", `typecheck-${process.pid}`);
afterAll(() => {
  project.cleanup();
  rmSync(inRepo, { recursive: true, force: true });
});

beforeAll(() => {
  const types = join(REPO, "dist", "index.d.ts");
  if (!existsSync(types) || !readFileSync(types, "utf8").includes("stack/index.js")) {
    throw new Error(
      'dist/index.d.ts does not re-export src/stack: run `npm run build` (src/index.ts must `export * from "./stack/index.js"`)',
    );
  }
});

function tsc(dir: string, files: string[]): string {
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        skipLibCheck: true,
        types: [],
      },
      files: files.map((f) => relative(dir, f)),
    }),
  );
  try {
    execFileSync(process.execPath, [join(REPO, "node_modules/typescript/bin/tsc"), "-p", dir], { encoding: "utf8" });
    return "";
  } catch (e) {
    return String((e as { stdout?: string }).stdout ?? e);
  }
}

describe("generated code passes tsc --noEmit --strict", () => {
  it("in a user project with node_modules/c2ts, and inside this package", async () => {
    const roots: string[] = [];
    for (const stack of fixtureStacks()) {
      const outDir = join(project.dir, stack.name.replace(/\//g, "_"));
      await importStack({ files: stack.files, outDir, environment: {} });
      roots.push(join(outDir, "services.ts"), join(outDir, "c2ts.config.ts"));
    }
    expect(tsc(project.dir, roots)).toBe("");

    mkdirSync(inRepo, { recursive: true });
    const homelab = fixtureStacks().find((s) => s.name === "codegen-homelab")!;
    await importStack({ files: homelab.files, outDir: join(inRepo, "generated"), environment: {} });
    expect(tsc(inRepo, [join(inRepo, "generated", "services.ts"), join(inRepo, "generated", "c2ts.config.ts")])).toBe(
      "",
    );
  }, 120_000);

  it("reports a wrong field, so the check is real", async () => {
    const dir = join(project.dir, "wrong");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, "services.ts");
    writeFileSync(
      file,
      `import { defineStack } from "c2ts";\nexport default defineStack({ services: { web: { imagee: "nginx" } } }, { source: "../compose.yaml" });\n`,
    );
    expect(tsc(dir, [file])).toMatch(/imagee/);
  }, 60_000);
});
