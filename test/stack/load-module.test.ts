/**
 * Loading a TypeScript stack back: module evaluation (esbuild + our linker), the environment
 * each document is interpolated with, and the errors a user can make.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { UserError } from "../../src/compose/errors.js";
import { loadStackModule, openStack } from "../../src/stack/document.js";
import type { StackDocument } from "../../src/stack/resolve.js";
import { transpileCache } from "../../src/stack/transpile-cache.js";

const root = mkdtempSync(join(tmpdir(), "c2ts-stack-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(root, "p-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const ROOT_MODULE = `
import { defineStack, env } from "c2ts";
import type { Service } from "c2ts";
import { basename } from "node:path";
import apps from "./compose/apps.js";
import { tag } from "./shared";

const web: Service = { image: \`nginx:\${tag}\` };

export default defineStack(
  {
    include: [{ path: apps, env_file: "../project/apps.env" }],
    services: {
      web: {
        ...web,
        environment: {
          WHERE: env("WHERE", { default: "nowhere" }),
          APP_ONLY: env("APP_ONLY", { default: "unset in root" }),
          MODULE: basename(import.meta.url),
        },
      },
    },
  },
  { source: "../project/compose.yaml" },
);
`;

const APPS_MODULE = `
import { defineStack, env } from "c2ts";
export default defineStack(
  { services: { app: { image: "app", environment: { WHERE: env("WHERE"), APP_ONLY: env("APP_ONLY") } } } },
  { source: "../../project/apps/compose.yaml" },
);
`;

function fullProject(extra: Record<string, string> = {}): string {
  return project({
    "generated/services.ts": ROOT_MODULE,
    "generated/compose/apps.ts": APPS_MODULE,
    "generated/shared.ts": `export const tag: string = "1.27";\n`,
    "project/.env": "WHERE=from-dotenv\n",
    "project/apps.env": "APP_ONLY=from-apps-env\nWHERE=apps-env-loses\n",
    ...extra,
  });
}

function service(doc: StackDocument, name: string): Record<string, unknown> {
  return (doc.data.services as Record<string, Record<string, unknown>>)[name]!;
}

describe("loadStackModule", () => {
  it("evaluates the module tree with the root environment and the project's .env", async () => {
    const dir = fullProject();
    const doc = await loadStackModule(join(dir, "generated/services.ts"), { environment: {} });
    expect(doc.file).toBe(join(dir, "project/compose.yaml"));
    expect(service(doc, "web")).toEqual({
      image: "nginx:1.27",
      environment: { WHERE: "from-dotenv", APP_ONLY: "unset in root", MODULE: "services.ts" },
    });
  });

  it("interpolates an included module with the include's env_file, the parent's variables winning", async () => {
    const dir = fullProject();
    const doc = await loadStackModule(join(dir, "generated/services.ts"), { environment: { WHERE: "shell" } });
    const include = (doc.data.include as { path: StackDocument; env_file: string }[])[0]!;
    expect(include.env_file).toBe("../project/apps.env");
    expect(include.path.file).toBe(join(dir, "project/apps/compose.yaml"));
    expect(service(include.path, "app").environment).toEqual({ WHERE: "shell", APP_ONLY: "from-apps-env" });
    expect(service(doc, "web").environment).toMatchObject({ WHERE: "shell", APP_ONLY: "unset in root" });
  });

  it("prefers --env-file over the module's env files and the project .env", async () => {
    const dir = fullProject({ "other.env": "WHERE=from-env-file\n" });
    const doc = await loadStackModule(join(dir, "generated/services.ts"), {
      environment: {},
      envFiles: [join(dir, "other.env")],
    });
    expect(service(doc, "web").environment).toMatchObject({ WHERE: "from-env-file" });
  });

  it("gives the loader the project directory before it has an environment", async () => {
    const dir = fullProject();
    const opened = await openStack(join(dir, "generated/services.ts"));
    expect(opened.workingDir).toBe(join(dir, "project"));
    expect(opened.envFiles).toEqual([]);
    const doc = await opened.evaluate({ WHERE: "given" });
    expect(service(doc, "web").environment).toMatchObject({ WHERE: "given" });
  });

  it("reports a syntax error at its line", async () => {
    const dir = project({
      "bad.ts": `import { defineStack } from "c2ts";\nexport default defineStack({ services: { },, }, { source: "x.yaml" });\n`,
    });
    const error = await openStack(join(dir, "bad.ts")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).location).toMatchObject({ file: join(dir, "bad.ts"), line: 2 });
  });

  it("insists on a defineStack default export", async () => {
    const dir = project({ "plain.ts": `export default { services: {} };\n` });
    await expect(openStack(join(dir, "plain.ts"))).rejects.toThrow(/export default defineStack/);
    await expect(openStack(join(dir, "missing.ts"))).rejects.toThrow(/not found/);
  });

  it("names the module in interpolation errors", async () => {
    const dir = project({
      "stack.ts": `import { defineStack, env } from "c2ts";\nexport default defineStack({ services: { db: { image: env("DB_IMAGE", { required: "pick an image" }) } } }, { source: "compose.yaml" });\n`,
    });
    const error = await loadStackModule(join(dir, "stack.ts"), { environment: {} }).catch((e: unknown) => e);
    expect((error as UserError).message).toBe(
      "error while interpolating services.db.image: required variable DB_IMAGE is missing a value: pick an image",
    );
    expect((error as UserError).location?.file).toBe(join(dir, "stack.ts"));
  });
});

describe("hand-written stacks", () => {
  it("without a source resolve against the module's own directory", async () => {
    const dir = project({
      "stack.ts": `import { defineStack } from "c2ts";\nexport default defineStack({ services: { web: { image: "nginx" } } });\n`,
    });
    const opened = await openStack(join(dir, "stack.ts"));
    expect(opened.workingDir).toBe(dir);
    expect((await opened.evaluate({})).file).toBe(join(dir, "stack.ts"));
  });
});

describe("the transpile cache", () => {
  it("returns what was stored for the same file and content only", () => {
    const cache = transpileCache({ XDG_CACHE_HOME: mkdtempSync(join(root, "cache-")) });
    expect(cache.get("/a.ts", "x")).toBeUndefined();
    cache.set("/a.ts", "x", "compiled");
    expect(cache.get("/a.ts", "x")).toBe("compiled");
    expect(cache.get("/a.ts", "y")).toBeUndefined();
    expect(cache.get("/b.ts", "x")).toBeUndefined();
  });
});

describe("the project name of a TypeScript stack", () => {
  const load = async (dir: string, options: { projectName?: string; environment?: NodeJS.ProcessEnv } = {}) => {
    const { loadProject } = await import("../../src/compose/loader.js");
    const { typescriptStackSource } = await import("../../src/cli/stack-source.js");
    return loadProject({
      stack: await typescriptStackSource(join(dir, "stack.ts")),
      environment: {},
      cwd: dir,
      ...options,
    });
  };
  const stack = (name: string) =>
    `import { defineStack, env } from "c2ts";\nexport default defineStack({ ${name}services: { web: { image: "nginx", container_name: env("COMPOSE_PROJECT_NAME", { required: true }) + "-web" } } });\n`;

  it("is known to the whole stack as COMPOSE_PROJECT_NAME, without -p, on the first evaluation", async () => {
    const dir = project({ "stack.ts": stack("") });
    const base = dir
      .split("/")
      .pop()!
      .toLowerCase()
      .replace(/[^a-z0-9_-]/g, "");
    expect((await load(dir)).project.services.web!.container_name).toBe(`${base}-web`);
    expect((await load(dir, { projectName: "given" })).project.services.web!.container_name).toBe("given-web");
  });

  it("comes from the stack's own `name`, which may read the environment", async () => {
    const dir = project({ "stack.ts": stack('name: env("STACK", { default: "shop" }) + "-prod", ') });
    const loaded = await load(dir);
    expect(loaded.project.name).toBe("shop-prod");
    expect(loaded.project.services.web!.container_name).toBe("shop-prod-web");
    expect((await load(dir, { environment: { STACK: "blog" } })).project.services.web!.container_name).toBe(
      "blog-prod-web",
    );
  });
});
