/**
 * How one compose file becomes a module: comments, shared fragments, merge keys, names, and
 * the inputs import refuses.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { generateStack } from "../../src/codegen/generate.js";
import { UserError } from "../../src/compose/errors.js";

const root = mkdtempSync(join(tmpdir(), "c2ts-emit-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function generate(files: Record<string, string>): Promise<Map<string, string>> {
  const dir = mkdtempSync(join(root, "s-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return generateStack({ files: [join(dir, "compose.yaml")], outDir: join(dir, "out") });
}

async function root_(yaml: string): Promise<string> {
  return (await generate({ "compose.yaml": yaml })).get("services.ts")!;
}

/** The generated text without the banner, whitespace-normalized for matching. */
function flat(text: string): string {
  return text.split("\n").slice(1).join("\n").replace(/\s+/g, " ");
}

describe("comments", () => {
  it("sit with the entry they were written above or beside", async () => {
    const text = await root_(`# The file.

services:
  # About web.
  web:
    image: nginx # pinned later
    labels: # routing
      a: b
    # end of web

  # About db.
  db:
    image: postgres
# the end
`);
    expect(text).toContain("// The file.\nimport");
    expect(text).toMatch(/\/\/ About web\.\n\s+web: \{/);
    expect(text).toContain('image: "nginx", // pinned later');
    expect(text).toMatch(/\/\/ routing\n\s+labels: \{/);
    expect(text).toMatch(/a: "b",\n\s+},\n\s+\/\/ end of web\n\s+},\n\n\s+\/\/ About db\.\n\s+db: \{/);
    expect(text.trimEnd().endsWith("// the end")).toBe(true);
  });

  it("of an x- extension go to its constant", async () => {
    const text = await root_(`x-base: &base # shared bits
  restart: always
services:
  web:
    <<: *base
    image: nginx
`);
    expect(text).toMatch(/\/\/ shared bits\nexport const base: Service = \{/);
  });
});

describe("shared fragments", () => {
  it("become exported constants; merge keys become spreads in YAML's precedence", async () => {
    const text = flat(
      await root_(`x-a: &a { restart: always, init: true }
x-b: &b { restart: "no", read_only: true }
services:
  web:
    <<: [*a, *b]
    image: nginx
    environment: &env
      TZ: UTC
  worker:
    environment: *env
`),
    );
    expect(text).toContain('export const a: Service = { restart: "always", init: true, };');
    expect(text).toContain('export const env2 = { TZ: "UTC", };');
    expect(text).toContain('web: { ...b, ...a, image: "nginx", environment: env2, }');
    expect(text).toContain("worker: { environment: env2, }");
    expect(text).toContain('"x-a": a, "x-b": b,');
  });

  it("are declared before use, inner fragments first", async () => {
    const text = flat(
      await root_(`services:
  web:
    image: &img nginx
x-later:
  image: *img
  nested: &inner { a: 1 }
x-uses-inner: *inner
`),
    );
    const order = ["export const img", "export const inner", "export const later", "export default"].map((s) =>
      text.indexOf(s),
    );
    expect(order).toEqual([...order].sort((x, y) => x - y));
    expect(text).toContain('"x-uses-inner": inner');
  });
});

describe("refused input", () => {
  it("include paths built from variables", async () => {
    const error = await generate({ "compose.yaml": "include:\n  - ${DIR}/apps.yaml\n" }).catch((e) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toMatch(/uses variables/);
    expect((error as UserError).location?.line).toBe(2);
  });

  it("invalid interpolation, with its position", async () => {
    const error = await generate({ "compose.yaml": "services:\n  web:\n    image: ${ bad}\n" }).catch((e) => e);
    expect((error as UserError).message).toMatch(/Invalid template/);
    expect((error as UserError).location).toMatchObject({ line: 3, column: 12 });
  });

  it("include cycles", async () => {
    const error = await generate({
      "compose.yaml": "include:\n  - a.yaml\n",
      "a.yaml": "include:\n  - compose.yaml\n",
    }).catch((e) => e);
    expect((error as UserError).message).toMatch(/include cycle/);
  });
});

describe("names and modules", () => {
  it("never clash with helpers or reserved words, and modules mirror the include tree", async () => {
    const files = await generate({
      "compose.yaml":
        "include:\n  - apps.yaml\nx-env: &env { A: $A }\nx-default: &default { B: 1 }\nservices:\n  web: { image: x, environment: *env }\n",
      "apps.yaml": "include:\n  - db.yaml\nservices:\n  app: { image: y }\n",
      "db.yaml": "services:\n  db: { image: z }\n",
    });
    expect([...files.keys()]).toEqual(["services.ts", "compose/apps.ts", "compose/db.ts"]);
    const text = files.get("services.ts")!;
    expect(text).toContain('import apps from "./compose/apps.js";');
    expect(text).toContain("export const env2 = {");
    expect(text).toContain("export const default2 = {");
    expect(files.get("compose/apps.ts")).toContain('import db from "./db.js";');
    expect(files.get("compose/db.ts")).toContain('{ source: "../../db.yaml" }');
  });
});

describe("root options", () => {
  it("record -p as the name and --env-file / --project-directory as paths, never values", async () => {
    const dir = mkdtempSync(join(root, "opts-"));
    writeFileSync(join(dir, "compose.yaml"), "name: original\nservices:\n  web:\n    image: nginx:${TAG}\n");
    writeFileSync(join(dir, "prod.env"), "TAG=9.9.9-secret\n");
    const files = await generateStack({
      files: [join(dir, "compose.yaml")],
      outDir: join(dir, "out"),
      projectName: "renamed",
      envFiles: [join(dir, "prod.env")],
      projectDirectory: join(dir, "project"),
    });
    const text = flat(files.get("services.ts")!);
    expect(text).toContain('name: "renamed",');
    expect(text).toMatch(
      /\{ source: "\.\.\/compose\.yaml", projectDirectory: "\.\.\/project", envFiles: \["\.\.\/prod\.env"\],? \}/,
    );
    expect(text).not.toContain("9.9.9-secret");
  });
});
