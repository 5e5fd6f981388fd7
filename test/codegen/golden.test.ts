/**
 * Golden trees: for each fixture stack, the generated modules must match
 * fixtures/<stack>/expected/ byte for byte. Regenerate with `node scripts/regen-golden.mjs`
 * (which runs this file with C2TS_UPDATE_GOLDEN=1).
 */
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { format } from "prettier";
import { describe, expect, it } from "vitest";
import { importStack } from "../../src/codegen/index.js";
import { generateStack } from "../../src/codegen/generate.js";
import { withHash } from "../../src/codegen/write-files.js";
import { filesUnder, fixtureStacks } from "./stacks.js";

const UPDATE = process.env.C2TS_UPDATE_GOLDEN === "1";

describe("golden generated trees", () => {
  const stacks = fixtureStacks();

  it("covers the codegen fixtures", () => {
    expect(stacks.map((s) => s.name)).toEqual(
      expect.arrayContaining(["codegen-edge", "codegen-homelab", "media-stack"]),
    );
  });

  for (const stack of stacks) {
    it(`${stack.name}`, async () => {
      const expectedDir = join(stack.dir, "expected");
      if (UPDATE) {
        rmSync(expectedDir, { recursive: true, force: true });
        await importStack({ files: stack.files, outDir: expectedDir, environment: {}, clusterConfig: false });
      }
      const generated = await generateStack({ files: stack.files, outDir: expectedDir });
      expect(
        filesUnder(expectedDir),
        `fixtures/${stack.name}/expected is stale: run node scripts/regen-golden.mjs`,
      ).toEqual([...generated.keys()].sort());
      for (const [path, text] of generated) {
        const expected = readFileSync(join(expectedDir, path), "utf8");
        expect(withHash(text), `fixtures/${stack.name}/expected/${path}`).toBe(expected);
        // What `prettier --check` does on a .ts file in a project without prettier config.
        expect(await format(expected, { filepath: join(expectedDir, path) }), `${path} is prettier-formatted`).toBe(
          expected,
        );
      }
    });
  }

  it("is deterministic: the same input gives byte-identical files", async () => {
    const stack = stacks.find((s) => s.name === "codegen-homelab")!;
    const outDir = join(stack.dir, "expected");
    const first = await generateStack({ files: stack.files, outDir });
    const second = await generateStack({ files: stack.files, outDir });
    expect([...second]).toEqual([...first]);
  });
});
