/**
 * Round trip: for every fixture and every corpus stack, `config(YAML)` and
 * `config(import(YAML))` give the same canonical model in the same environment — or fail with
 * the same message. Several environments, so every env() form is exercised both ways.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { importStack } from "../../src/codegen/index.js";
import { loadProject, type LoadOptions } from "../../src/compose/loader.js";
import { openStack } from "../../src/stack/document.js";
import { corpusStacks, fixtureStacks, type StackCase } from "./stacks.js";

const out = mkdtempSync(join(tmpdir(), "c2ts-roundtrip-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const ENVIRONMENTS: Record<string, NodeJS.ProcessEnv> = {
  empty: {},
  defaults: { SECRETS_PATH: "/srv/secrets", REQ_E: "" },
  overridden: {
    SECRETS_PATH: "/srv/secrets",
    REQ_E: "set",
    A: "1",
    B: "",
    OUTER: "",
    INNER: "inner",
    FLAG: "",
    MAYBE: "",
    JSON_CFG: "",
    X: "xx",
    CONFIG_PATH: "/etc/homelab",
    DOMAIN: "override.example",
    TZ: "UTC",
    RADARR_AUTH: "",
    PROXY_HINT: "yes",
    GATEWAY_PORT: "28080",
    CACHE_SIZE: "1gb",
  },
};

type Outcome = { ok: true; project: unknown } | { ok: false; message: string };

async function outcome(load: () => Promise<{ project: unknown }>): Promise<Outcome> {
  try {
    return { ok: true, project: (await load()).project };
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
}

async function roundTrip(stack: StackCase, index: number): Promise<void> {
  const outDir = join(out, String(index));
  await importStack({ files: stack.files, outDir, environment: {} });
  const opened = await openStack(join(outDir, "services.ts"));
  for (const [name, environment] of Object.entries(ENVIRONMENTS)) {
    const common: LoadOptions = { environment, allProfiles: true, cwd: stack.dir };
    const fromYaml = await outcome(() => loadProject({ ...common, files: stack.files }));
    const fromTs = await outcome(() => loadProject({ ...common, stack: opened }));
    // Our own fixtures must load, so their round trip compares models, not just errors.
    if (name !== "empty" && stack.name.startsWith("codegen-")) {
      expect(fromYaml, `${stack.name} loads with the ${name} environment`).toMatchObject({ ok: true });
    }
    expect(fromTs, `${stack.name} with the ${name} environment`).toEqual(fromYaml);
  }
}

describe("config(YAML) == config(import(YAML))", () => {
  fixtureStacks().forEach((stack, i) => {
    it(`fixture ${stack.name}`, () => roundTrip(stack, i));
  });

  const corpus = corpusStacks();
  it.runIf(corpus.length > 0)(
    `the ${corpus.length} stacks of ../shared/corpus`,
    async () => {
      for (const [i, stack] of corpus.entries()) await roundTrip(stack, 1000 + i);
    },
    180_000,
  );
});
