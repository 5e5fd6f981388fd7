/**
 * Variables stay code: with every variable a stack mentions set to a canary value — in the
 * process environment and in every dotenv file — the generated code contains no canary.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { importStack } from "../../src/codegen/index.js";
import { discoverComposeFiles } from "../../src/compose/discover.js";
import { filesUnder, fixtureStacks } from "./stacks.js";

const root = mkdtempSync(join(tmpdir(), "c2ts-canary-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const canary = (name: string) => `C2TS_CANARY_${name}`;

describe("no variable value reaches the generated code", () => {
  it("with every variable set to a canary", async () => {
    const saved = { ...process.env };
    try {
      for (const [i, stack] of fixtureStacks().entries()) {
        const dir = join(root, String(i));
        cpSync(stack.dir, dir, { recursive: true });
        const names = new Set<string>();
        for (const file of filesUnder(dir, ["expected"]).map((f) => join(dir, f))) {
          const text = readFileSync(file, "utf8");
          if (/\.ya?ml$/.test(file)) {
            for (const m of text.matchAll(/\$\{?([_A-Za-z][_A-Za-z0-9]*)/g)) names.add(m[1]!);
          } else if (/(^|\.)env$/.test(basename(file))) {
            // Every dotenv value becomes a canary too.
            writeFileSync(
              file,
              text.replace(
                /^(\s*(?:export\s+)?([\w.-]+)\s*[=:]).*$/gm,
                (_, head: string, key: string) => `${head}${canary(key)}`,
              ),
            );
            for (const m of text.matchAll(/^\s*(?:export\s+)?([\w.-]+)\s*[=:]/gm)) names.add(m[1]!);
          }
        }
        expect(names.size, `${stack.name} mentions variables`).toBeGreaterThan(0);
        const environment: NodeJS.ProcessEnv = {};
        for (const name of names) environment[name] = process.env[name] = canary(name);

        const outDir = join(dir, "generated-canary");
        await importStack({ files: discoverComposeFiles(dir), outDir, environment, envFiles: [] });
        const generated = filesUnder(outDir).map((f) => join(outDir, f));
        expect(generated.length).toBeGreaterThan(0);
        for (const file of generated) expect(readFileSync(file, "utf8"), file).not.toContain("C2TS_CANARY");
      }
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  }, 60_000);
});
