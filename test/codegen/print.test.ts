/**
 * Printing through ts-morph keeps every value exact. Its code writer indents lines it believes
 * are code, telling strings apart by the previous character; these values are the ones that
 * could mislead it (a string ending in a backslash, comments with quotes, `/*` in a string)
 * into indenting lines of a multi-line template literal.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { importStack } from "../../src/codegen/index.js";
import { generateStack } from "../../src/codegen/generate.js";
import { loadProject } from "../../src/compose/loader.js";
import { openStack } from "../../src/stack/document.js";

const root = mkdtempSync(join(tmpdir(), "c2ts-print-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const TRICKY = [
  'x-notes: &notes # a "quoted" comment with a `tick` and a trailing backslash \\',
  "  windows: 'C:\\'",
  "  script: |",
  "    echo one",
  "      echo two",
  "  continued: |-",
  "    first line",
  "    ends with \\",
  "  after: |",
  "    still",
  "      indented",
  '  single: "ends with \\\\" # "odd" quote \\',
  "  followed: |",
  "    by",
  "      this",
  "services:",
  "  app:",
  "    image: busybox # line\u2028separator",
  "    environment:",
  '      DEFAULT_BS: "$${A:-C:\\\\}\\n  rest /* not a comment"',
  '      INTERP_BS: "${A:-C:\\\\}\\n  rest /* still not"',
  '      BEFORE_VAR: "C:\\\\${A:-x}\\n  tail"',
  '      NESTED: "${A:-${B:-a\\\\}x}\\n  b"',
  '      NESTED2: "${A:-a\\\\${B}}\\n  b /* c"',
  '      BACKTICKS: "a ` b $${ c\\n  d"',
  '      LONE_SURROGATE: "\\ud800\\n  y"',
  "    labels:",
  "      'key\\': \"v\"",
  "    x-notes: *notes",
].join("\n");

describe("printed values", () => {
  it("match the YAML, whatever precedes a multi-line string", async () => {
    const dir = mkdtempSync(join(root, "s-"));
    writeFileSync(join(dir, "compose.yaml"), TRICKY);
    const files = [join(dir, "compose.yaml")];
    await importStack({ files, outDir: join(dir, "out"), environment: {} });
    const opened = await openStack(join(dir, "out", "services.ts"));
    for (const environment of [{}, { A: "set" }, { B: "b" }]) {
      const common = { environment, cwd: dir };
      const fromYaml = await loadProject({ ...common, files });
      const fromTs = await loadProject({ ...common, stack: opened });
      expect(fromTs.project, JSON.stringify(environment)).toEqual(fromYaml.project);
    }
  });

  it("write a backslash before a closing quote or an interpolation as \\x5C", async () => {
    const dir = mkdtempSync(join(root, "s-"));
    writeFileSync(join(dir, "compose.yaml"), TRICKY);
    const text = (await generateStack({ files: [join(dir, "compose.yaml")], outDir: join(dir, "out") })).get(
      "services.ts",
    )!;
    expect(text).toContain('windows: "C:\\x5C",');
    expect(text).toContain("ends with \\x5C`,");
    expect(text).toContain('"key\\x5C": "v"');
    expect(text).toContain('`C:\\x5C${env("A", { default: "x" })}');
  });
});
