#!/usr/bin/env node
/**
 * Precompiles the JSON schemas the CLI validates against into standalone ajv validators, so no run
 * pays for ajv compilation (~250 ms for the compose spec, ~1 s for Traefik's file provider):
 *   schema/compose-spec.json              → src/compose/schema/compose-validator.generated.ts
 *   schema/traefik-v3-file-provider.json  → src/proxy/traefik-validator.generated.ts
 *
 *   node scripts/build-schema.mjs           regenerate both
 *   node scripts/build-schema.mjs --check   exit 1 when a checked-in file is stale
 *
 * The output is a `.ts` file marked `// @ts-nocheck` so that vitest (which runs src/*.ts) and
 * `tsc -p tsconfig.build.json` (allowJs is off) both pick it up. It imports nothing: the few ajv
 * runtime helpers it needs are inlined below. Output depends only on the schema text and the
 * installed ajv version, so running the script twice gives byte-identical files.
 */
import Ajv, { _ } from "ajv";
import standaloneCode from "ajv/dist/standalone/index.js";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const require = createRequire(import.meta.url);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

export const SCHEMA_PATH = join(ROOT, "schema", "compose-spec.json");
export const OUTPUT_PATH = join(ROOT, "src", "compose", "schema", "compose-validator.generated.ts");
export const TRAEFIK_SCHEMA_PATH = join(ROOT, "schema", "traefik-v3-file-provider.json");
export const TRAEFIK_OUTPUT_PATH = join(ROOT, "src", "proxy", "traefik-validator.generated.ts");

/** The schema declares `https://json-schema.org/draft-07/schema`; ajv only ships the `http://…#` id. */
const DRAFT7_HTTPS_ID = "https://json-schema.org/draft-07/schema";

/**
 * The format checkers compose-go registers (schema/schema.go): `expose` and `ports` accept
 * anything (the loader parses them later), `duration` must parse with Go's time.ParseDuration.
 * Like gojsonschema, ajv only applies formats to strings.
 *
 * Kept as source text because it is copied into the generated file; a function's toString()
 * is not stable across runners (vitest rewrites modules it loads).
 */
const FORMAT_SOURCES = {
  expose: "function expose() { return true; }",
  ports: "function ports() { return true; }",
  // time.ParseDuration: optional sign, then "0" or one or more <decimal><unit> groups.
  duration: String.raw`function duration(value) { return /^[-+]?(?:0|(?:(?:\d+\.?\d*|\.\d+)(?:ns|us|\u00b5s|\u03bcs|ms|s|m|h))+)$/.test(value); }`,
};

/** Replaces ajv's `require("ajv/dist/runtime/equal")` (used by uniqueItems) in the generated file. */
const DEEP_EQUAL_SOURCE = `function composeDeepEqual(a, b) {
  if (a === b) return true;
  if (a && b && typeof a === "object" && typeof b === "object") {
    if (Array.isArray(a) !== Array.isArray(b)) return false;
    if (Array.isArray(a)) {
      if (a.length !== b.length) return false;
      for (let i = 0; i < a.length; i++) if (!composeDeepEqual(a[i], b[i])) return false;
      return true;
    }
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    for (const k of keys) {
      if (!Object.prototype.hasOwnProperty.call(b, k) || !composeDeepEqual(a[k], b[k])) return false;
    }
    return true;
  }
  return a !== a && b !== b; // NaN equals NaN, as in fast-deep-equal
}`;

const evaluate = (source) => new Function(`return (${source});`)();

/** The format checkers as functions, for runtime-compiled validators. */
export const composeFormats = Object.fromEntries(
  Object.entries(FORMAT_SOURCES).map(([name, source]) => [name, evaluate(source)]),
);

/** ajv runtime modules the generated code may require, and what replaces each. */
const RUNTIME_REPLACEMENTS = [
  { pattern: /require\("ajv\/dist\/runtime\/equal"\)\.default/g, name: "composeDeepEqual", source: DEEP_EQUAL_SOURCE },
];

/**
 * An ajv instance configured as compose-go validates: draft-07, every error collected (so the
 * message picker can choose), union types allowed. strictTypes is off only because the schema
 * puts `additionalProperties` on the `gpus` array rather than on its items; every other strict
 * check stays on so a schema update with an unknown keyword fails the build instead of being ignored.
 */
export function createComposeAjv({ source = false } = {}) {
  const ajv = new Ajv({
    allErrors: true,
    strict: true,
    strictTypes: false,
    allowUnionTypes: true,
    // Small definitions referenced many times (list_or_dict, …) become shared functions: a third smaller output.
    inlineRefs: false,
    code: source ? { source: true, esm: true, lines: true, formats: _`composeFormats` } : {},
  });
  const draft7 = require("ajv/dist/refs/json-schema-draft-07.json");
  ajv.addMetaSchema({ ...draft7, $id: DRAFT7_HTTPS_ID });
  for (const [name, validate] of Object.entries(composeFormats)) ajv.addFormat(name, validate);
  return ajv;
}

/** Every `format` value used as a keyword (not as a property named "format") in the schema. */
export function usedFormats(schema) {
  const found = new Set();
  const NAMED_SCHEMAS = new Set(["properties", "patternProperties", "definitions"]);
  const walk = (node) => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (node === null || typeof node !== "object") return;
    for (const [key, value] of Object.entries(node)) {
      if (key === "format" && typeof value === "string") found.add(value);
      else if (NAMED_SCHEMAS.has(key) && value && typeof value === "object") Object.values(value).forEach(walk);
      else walk(value);
    }
  };
  walk(schema);
  return [...found].sort();
}

export function sha256(text) {
  return createHash("sha256").update(text).digest("hex");
}

/** The full text of the generated module for the given schema text. */
export function buildValidatorSource(schemaText) {
  const schema = JSON.parse(schemaText);
  const unknown = usedFormats(schema).filter((f) => !(f in composeFormats));
  if (unknown.length > 0) {
    throw new Error(`schema uses format(s) ${unknown.join(", ")} with no checker; add them to composeFormats`);
  }

  const ajv = createComposeAjv({ source: true });
  const validate = ajv.compile(schema);
  let code = standaloneCode(ajv, validate);

  const prelude = [];
  for (const r of RUNTIME_REPLACEMENTS) {
    const replaced = code.replace(r.pattern, r.name);
    if (replaced !== code) prelude.push(r.source);
    code = replaced;
  }
  if (code.includes("composeFormats")) {
    const entries = Object.entries(FORMAT_SOURCES).map(([name, source]) => `  ${JSON.stringify(name)}: ${source},`);
    prelude.push(`const composeFormats = {\n${entries.join("\n")}\n};`);
  }
  return generatedModule("schema/compose-spec.json", schemaText, prelude, code);
}

/**
 * The checked-in module around ajv's standalone `code`: it must import nothing (any `require` left
 * fails the build), and loses ajv's "use strict" directive, meaningless in an ES module.
 */
function generatedModule(schemaFile, schemaText, prelude, code) {
  const required = code.match(/\brequire\([^)]*\)/);
  if (required) throw new Error(`validator generated from ${schemaFile} still requires a module: ${required[0]}`);
  code = code.replace(/^"use strict";\n?/, "");
  const ajvVersion = require("ajv/package.json").version;
  return [
    "// @ts-nocheck",
    "/* eslint-disable */",
    `// Generated by scripts/build-schema.mjs from ${schemaFile}. Do not edit;`,
    "// run `node scripts/build-schema.mjs` after changing the schema or upgrading ajv.",
    `// ajv ${ajvVersion}`,
    `export const schemaSha256 = ${JSON.stringify(sha256(schemaText))};`,
    ...prelude,
    code.trimEnd(),
    "",
  ].join("\n");
}

/**
 * Traefik's file-provider schema, validated as c2ts did at runtime before: every error, non-strict
 * (SchemaStore schemas use keywords such as `markdownDescription`). It uses no formats and no ajv
 * runtime helpers; anything else fails the build.
 */
export function buildTraefikValidatorSource(schemaText) {
  const ajv = new Ajv({
    allErrors: true,
    strict: false,
    inlineRefs: false,
    code: { source: true, esm: true, lines: true },
  });
  const code = standaloneCode(ajv, ajv.compile(JSON.parse(schemaText)));
  return generatedModule("schema/traefik-v3-file-provider.json", schemaText, [], code);
}

const TARGETS = [
  { schema: SCHEMA_PATH, output: OUTPUT_PATH, build: buildValidatorSource },
  { schema: TRAEFIK_SCHEMA_PATH, output: TRAEFIK_OUTPUT_PATH, build: buildTraefikValidatorSource },
];

function main(argv) {
  const check = argv.includes("--check");
  let stale = false;
  for (const target of TARGETS) {
    const source = target.build(readFileSync(target.schema, "utf8"));
    let current = null;
    try {
      current = readFileSync(target.output, "utf8");
    } catch {
      // first run
    }
    const rel = relative(process.cwd(), target.output);
    if (current === source) {
      console.log(`${rel} is up to date`);
    } else if (check) {
      console.error(`${rel} is out of date: run node scripts/build-schema.mjs`);
      stale = true;
    } else {
      writeFileSync(target.output, source);
      console.log(`wrote ${rel} (${source.length} bytes)`);
    }
  }
  if (stale) process.exit(1);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2));
}
