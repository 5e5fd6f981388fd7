#!/usr/bin/env node
// Generates src/stack/types.generated.ts from schema/compose-spec.json: one exported type per
// schema definition plus `ComposeSpecification` for the root, with the schema's descriptions as
// JSDoc so editors document every field of a TypeScript stack.
//
// Two deliberate widenings, because a stack is written BEFORE interpolation and type casting:
// every boolean/number/integer also accepts a string (an `env()` lookup is a string), and every
// enum also accepts any string (keeping the literals for completion).
//
// Usage: node scripts/gen-types.mjs [--check]   (--check fails if the file is out of date)
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as prettier from "prettier";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const schemaFile = join(root, "schema/compose-spec.json");
const outFile = join(root, "src/stack/types.generated.ts");

const schema = JSON.parse(readFileSync(schemaFile, "utf8"));
const definitions = schema.definitions ?? {};
const typeName = (def) => def.replace(/(^|[_-])([a-z0-9])/g, (_, __, c) => c.toUpperCase());

function jsdoc(node, extra = []) {
  const lines = [];
  if (node.description) lines.push(...String(node.description).split("\n"));
  if (node.deprecated) lines.push("@deprecated");
  if (node.default !== undefined) lines.push(`@default ${JSON.stringify(node.default)}`);
  lines.push(...extra);
  if (lines.length === 0) return "";
  const body = lines.map((l) => ` * ${l.replace(/\*\//g, "*\\/")}`.trimEnd()).join("\n");
  return `/**\n${body}\n */\n`;
}

function propertyKey(name) {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name);
}

/** The TypeScript type for a schema node. */
function typeOf(node) {
  if (node === true || node === undefined || (typeof node === "object" && Object.keys(node).length === 0))
    return "unknown";
  if (node.$ref) return typeName(node.$ref.replace("#/definitions/", ""));
  if (node.oneOf || node.anyOf) return union((node.oneOf ?? node.anyOf).map((n) => typeOf(n)));
  if (node.enum) return union([...node.enum.map((v) => JSON.stringify(v)), "(string & {})"]);
  const types = Array.isArray(node.type) ? node.type : node.type ? [node.type] : inferTypes(node);
  return union(types.map((t) => typeForName(t, node)));
}

function inferTypes(node) {
  if (node.properties || node.patternProperties || node.additionalProperties !== undefined) return ["object"];
  if (node.items) return ["array"];
  return ["unknown"];
}

function typeForName(t, node) {
  switch (t) {
    case "string":
      return "string";
    case "number":
    case "integer":
      return "number | string";
    case "boolean":
      return "boolean | string";
    case "null":
      return "null";
    case "array":
      return `${wrapForArray(node.items ? typeOf(node.items) : "unknown")}[]`;
    case "object":
      return objectType(node);
    default:
      return "unknown";
  }
}

function wrapForArray(t) {
  return /^[\w.]+$/.test(t) ? t : `(${t})`;
}

function union(types) {
  const flat = [];
  for (const t of types) for (const part of splitUnion(t)) if (!flat.includes(part)) flat.push(part);
  if (flat.includes("unknown")) return "unknown";
  return flat.join(" | ");
}

/** Splits a union at top level only (not inside braces, brackets or parentheses). */
function splitUnion(t) {
  const parts = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t[i];
    if (c === "{" || c === "(" || c === "[" || c === "<") depth++;
    else if (c === "}" || c === ")" || c === "]" || c === ">") depth--;
    else if (depth === 0 && t.startsWith(" | ", i)) {
      parts.push(t.slice(start, i));
      start = i + 3;
      i += 2;
    }
  }
  parts.push(t.slice(start));
  return parts;
}

function objectType(node) {
  const members = [];
  const required = new Set(node.required ?? []);
  for (const [name, prop] of Object.entries(node.properties ?? {})) {
    members.push(`${jsdoc(prop)}${propertyKey(name)}${required.has(name) ? "" : "?"}: ${typeOf(prop)};`);
  }
  const patterns = Object.entries(node.patternProperties ?? {});
  const extensions = patterns.filter(([p]) => p === "^x-");
  const others = patterns.filter(([p]) => p !== "^x-");
  const closed = node.additionalProperties === false;
  if (others.length > 0) {
    // A string index signature must admit every named property too.
    const valueTypes = others.map(([, s]) => typeOf(s));
    if (node.properties) valueTypes.push("unknown");
    if (extensions.length > 0) valueTypes.push("unknown");
    const doc = others.length === 1 && others[0][1].description ? jsdoc(others[0][1]) : "";
    members.push(`${doc}[key: string]: ${union(valueTypes)};`);
  } else {
    if (extensions.length > 0)
      members.push("/** Extension fields: ignored by Compose, kept for tools. */\n[key: `x-${string}`]: unknown;");
    if (!closed && node.additionalProperties !== undefined && node.additionalProperties !== true) {
      members.push(`[key: string]: ${union([typeOf(node.additionalProperties), "unknown"])};`);
    } else if (!closed) {
      members.push("[key: string]: unknown;");
    }
  }
  return `{\n${members.join("\n")}\n}`;
}

function declaration(name, node) {
  const t = typeOf(node);
  const isObject =
    !node.$ref && !node.oneOf && !node.anyOf && !node.enum && t.startsWith("{") && splitUnion(t).length === 1;
  return isObject ? `${jsdoc(node)}export interface ${name} ${t}\n` : `${jsdoc(node)}export type ${name} = ${t};\n`;
}

const header = `// Generated by scripts/gen-types.mjs from schema/compose-spec.json. Do not edit:
// run \`node scripts/gen-types.mjs\` after updating the schema.
//
// Input types for a Compose file BEFORE interpolation: scalars also accept strings (an env()
// lookup is a string) and enums accept any string.
`;
const declarations = [declaration("ComposeSpecification", { ...schema, description: schema.description })];
for (const name of Object.keys(definitions).sort()) declarations.push(declaration(typeName(name), definitions[name]));

const source = `${header}\n${declarations.join("\n")}`;
const formatted = await prettier.format(source, { parser: "typescript", printWidth: 120 });

if (process.argv.includes("--check")) {
  const current = readFileSync(outFile, "utf8");
  if (current !== formatted) {
    console.error(`${outFile} is out of date: run node scripts/gen-types.mjs`);
    process.exit(1);
  }
} else {
  writeFileSync(outFile, formatted);
  console.log(`wrote ${outFile}`);
}
