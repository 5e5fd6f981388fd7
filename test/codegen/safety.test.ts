/**
 * `c2ts import` writes all or nothing, and never overwrites a file edited since it generated it
 * unless forced.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { importStack } from "../../src/codegen/index.js";
import { fileState, withHash } from "../../src/codegen/write-files.js";
import { UserError } from "../../src/compose/errors.js";

const root = mkdtempSync(join(tmpdir(), "c2ts-safety-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function stack(files: Record<string, string>): string {
  const dir = mkdtempSync(join(root, "s-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const COMPOSE = "include:\n  - extra.yaml\nservices:\n  web:\n    image: nginx\n";
const EXTRA = "services:\n  worker:\n    image: busybox\n";

describe("writing generated files", () => {
  it("marks files with a hash of their content", () => {
    const text = withHash("// banner\nexport default 1;\n");
    expect(text.split("\n")[1]).toMatch(/^\/\/ c2ts-import-hash: [0-9a-f]{16}$/);
    expect(fileState(text)).toBe("unedited");
    expect(fileState(text.replace("1;", "2;"))).toBe("edited");
    expect(fileState("export default 1;\n")).toBe("foreign");
  });

  it("re-imports over its own files, refuses edited ones, and overwrites them with force", async () => {
    const dir = stack({ "compose.yaml": COMPOSE, "extra.yaml": EXTRA });
    const outDir = join(dir, "generated");
    const first = await importStack({ files: [], cwd: dir, outDir: "generated", environment: {} });
    expect(first.written.map((f) => f.slice(outDir.length + 1)).sort()).toEqual([
      "c2ts.config.ts",
      "compose/extra.ts",
      "services.ts",
    ]);

    const again = await importStack({ files: [], cwd: dir, outDir: "generated", environment: {} });
    expect(again.written).toEqual([]);
    expect(again.unchanged).toHaveLength(2);

    writeFileSync(join(dir, "extra.yaml"), EXTRA.replace("busybox", "alpine"));
    const updated = await importStack({ files: [], cwd: dir, outDir: "generated", environment: {} });
    expect(updated.written).toEqual([join(outDir, "compose/extra.ts")]);

    const services = join(outDir, "services.ts");
    const edited = readFileSync(services, "utf8").replace('image: "nginx"', 'image: "nginx:1.27"');
    writeFileSync(services, edited);
    writeFileSync(join(dir, "extra.yaml"), EXTRA.replace("busybox", "debian"));
    const refused = await importStack({ files: [], cwd: dir, outDir: "generated", environment: {} }).catch((e) => e);
    expect(refused).toBeInstanceOf(UserError);
    expect((refused as Error).message).toMatch(/services\.ts/);
    expect(readFileSync(services, "utf8")).toBe(edited);
    expect(readFileSync(join(outDir, "compose/extra.ts"), "utf8")).toContain('"alpine"'); // nothing written at all

    // The cluster definition is the user's from the start: never rewritten, not even with --force.
    const cluster = join(outDir, "c2ts.config.ts");
    writeFileSync(cluster, readFileSync(cluster, "utf8").replace('"home.arpa"', '"mine.example"'));
    const forced = await importStack({ files: [], cwd: dir, outDir: "generated", environment: {}, force: true });
    expect(readFileSync(services, "utf8")).toContain('image: "nginx"');
    expect(readFileSync(join(outDir, "compose/extra.ts"), "utf8")).toContain('"debian"');
    expect(forced.written).not.toContain(cluster);
    expect(readFileSync(cluster, "utf8")).toContain('"mine.example"');
  });

  it("refuses to overwrite a file it did not generate", async () => {
    const dir = stack({ "compose.yaml": "services:\n  web:\n    image: nginx\n" });
    mkdirSync(join(dir, "generated"));
    writeFileSync(join(dir, "generated", "services.ts"), "// my own file\n");
    await expect(importStack({ files: [], cwd: dir, outDir: "generated", environment: {} })).rejects.toThrow(/--force/);
    expect(readFileSync(join(dir, "generated", "services.ts"), "utf8")).toBe("// my own file\n");
  });

  it("writes nothing when any file fails to import", async () => {
    const dir = stack({ "compose.yaml": COMPOSE, "extra.yaml": "services:\n  worker: [unclosed\n" });
    const error = await importStack({ files: [], cwd: dir, outDir: "generated", environment: {} }).catch((e) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).location?.file).toBe(join(dir, "extra.yaml"));
    expect(existsSync(join(dir, "generated"))).toBe(false);
  });

  it("leaves no temporary files behind", async () => {
    const dir = stack({ "compose.yaml": COMPOSE, "extra.yaml": EXTRA });
    await importStack({ files: [], cwd: dir, outDir: "out", environment: {} });
    expect(readdirSync(join(dir, "out")).sort()).toEqual(["c2ts.config.ts", "compose", "services.ts"]);
    expect(readdirSync(join(dir, "out", "compose"))).toEqual(["extra.ts"]);
  });
});
