/**
 * The variables a compose model uses, as `docker compose config --variables` lists them
 * (compose-go's template.ExtractVariables): name, whether a `${VAR:?…}` / `${VAR?…}` makes it
 * required, and the `${VAR:-default}` and `${VAR:+alternate}` values as written. Variables used
 * inside those values count too. A variable used several times is required as soon as one use
 * is, and keeps the first default and alternate value found.
 */
import { parseTemplate, TemplateSyntaxError, type TemplatePart } from "./template.js";

export interface ModelVariable {
  name: string;
  required: boolean;
  defaultValue: string;
  alternateValue: string;
}

/** Every variable referenced by a string of `model` (keys excluded), sorted by name. */
export function extractVariables(model: unknown): ModelVariable[] {
  const found = new Map<string, ModelVariable>();
  const walk = (v: unknown) => {
    if (typeof v === "string") {
      if (v.includes("$")) for (const variable of variablesOf(v)) combine(found, variable);
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") Object.values(v).forEach(walk);
  };
  walk(model);
  return [...found.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function variablesOf(text: string): ModelVariable[] {
  let parts: TemplatePart[];
  try {
    parts = parseTemplate(text);
  } catch (e) {
    if (e instanceof TemplateSyntaxError) return [];
    throw e;
  }
  return fromParts(parts);
}

function fromParts(parts: readonly TemplatePart[]): ModelVariable[] {
  const out: ModelVariable[] = [];
  for (const part of parts) {
    if (part.kind !== "var") continue;
    const arg = part.arg ? templateText(part.arg) : "";
    const op = part.op ?? "";
    out.push({
      name: part.name,
      required: op.endsWith("?"),
      defaultValue: op.endsWith("-") ? arg : "",
      alternateValue: op.endsWith("+") ? arg : "",
    });
    if (part.arg) out.push(...fromParts(part.arg));
  }
  return out;
}

/** A parsed template written back as text (the value as it stands in the file). */
function templateText(parts: readonly TemplatePart[]): string {
  return parts
    .map((p) => {
      if (p.kind === "text") return p.value.replaceAll("$", "$$");
      return p.op === undefined ? `\${${p.name}}` : `\${${p.name}${p.op}${templateText(p.arg ?? [])}}`;
    })
    .join("");
}

function combine(found: Map<string, ModelVariable>, v: ModelVariable): void {
  const existing = found.get(v.name);
  if (!existing) {
    found.set(v.name, { ...v });
    return;
  }
  existing.required ||= v.required;
  if (existing.defaultValue === "") existing.defaultValue = v.defaultValue;
  if (existing.alternateValue === "") existing.alternateValue = v.alternateValue;
}

/**
 * The table compose prints (Go's tabwriter: columns padded to the widest cell plus three
 * spaces, at least 20 wide).
 */
export function formatVariablesTable(variables: readonly ModelVariable[]): string {
  const rows = [
    ["NAME", "REQUIRED", "DEFAULT VALUE", "ALTERNATE VALUE"],
    ...variables.map((v) => [v.name, String(v.required), v.defaultValue, v.alternateValue]),
  ];
  return formatTable(rows);
}

/** Go's tabwriter.NewWriter(w, 20, 1, 3, ' ', 0): every cell but the last of a row is padded. */
export function formatTable(rows: readonly string[][]): string {
  const columns = Math.max(...rows.map((r) => r.length));
  const widths: number[] = [];
  for (let c = 0; c < columns - 1; c++) {
    const widest = Math.max(...rows.map((r) => (r[c] ?? "").length));
    widths.push(Math.max(20, widest + 3));
  }
  return rows
    .map((r) => r.map((cell, c) => (c < r.length - 1 ? cell.padEnd(widths[c]!) : cell)).join("") + "\n")
    .join("");
}
