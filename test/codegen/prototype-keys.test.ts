import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { importStack } from "../../src/codegen/index.js";
import { formatComposeJson } from "../../src/compose/compose-json.js";
import { loadProject } from "../../src/compose/loader.js";
import { openStack } from "../../src/stack/document.js";
import { FIXTURES } from "./stacks.js";

const out = mkdtempSync(join(tmpdir(), "c2ts-proto-keys-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe("generated TypeScript keeps `__proto__`, `constructor` and `prototype` keys as data", () => {
  it("writes `__proto__` as a computed key and evaluates to the same model as the YAML", async () => {
    const dir = join(FIXTURES, "compose/prototype-keys");
    const files = [join(dir, "compose.yaml")];
    await importStack({ files, outDir: out, environment: {} });
    const source = readFileSync(join(out, "services.ts"), "utf8");
    // A quoted or bare `__proto__:` in an object literal sets the prototype instead of a key.
    expect(source).not.toMatch(/(^|[\s{,])"?__proto__"?\s*:/m);
    expect(source).toContain('["__proto__"]: {');

    const fromYaml = await loadProject({ files, environment: {}, cwd: dir });
    const fromTs = await loadProject({ stack: await openStack(join(out, "services.ts")), environment: {}, cwd: dir });
    expect(Object.keys(fromTs.project.services).sort()).toEqual(["__proto__", "constructor", "prototype"]);
    expect(formatComposeJson(fromTs.project)).toBe(formatComposeJson(fromYaml.project));
  });
});
