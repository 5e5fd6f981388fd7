/**
 * Compose strings as TypeScript expressions. Interpolation stays code: every `${…}` becomes an
 * `env(...)` lookup evaluated when the stack is loaded, never the value it had at import time.
 *
 *   "${CONFIG_PATH:-./volumes}/data"  →  `${env("CONFIG_PATH", { default: "./volumes" })}/data`
 *   "${SECRETS:?set it}"              →  env("SECRETS", { required: "set it" })
 *   "$${HOME}"                        →  "${HOME}"   (a plain string: `$$` is a literal `$`)
 *
 * A backslash right before a closing quote or an interpolation is written `\x5C`: the code
 * writer ts-morph prints through (code-block-writer) tracks strings by looking one character
 * back, so it would take `"C:\\"` for an escaped quote, lose track of where strings end, and
 * could then indent lines inside a multi-line template literal, changing its value.
 */
import { parseTemplate, type TemplatePart } from "../compose/template.js";

export interface StringExpression {
  code: string;
  /** The expression calls `env` (the module must import it). */
  usesEnv: boolean;
}

/** The expression for a compose string value (which Compose interpolates). */
export function interpolatedString(value: string): StringExpression {
  if (!value.includes("$")) return { code: literal(value), usesEnv: false };
  const parts = parseTemplate(value);
  return { code: partsExpression(parts), usesEnv: parts.some((p) => p.kind === "var") };
}

/** A string taken literally (keys, and values Compose does not interpolate). */
export function literal(value: string): string {
  return value.includes("\n") ? `\`${templateText(value)}\`` : quoted(value);
}

/** A double-quoted string literal. */
export function quoted(value: string): string {
  const json = JSON.stringify(value);
  return value.endsWith("\\") ? `${json.slice(0, -3)}\\x5C"` : json;
}

function partsExpression(parts: readonly TemplatePart[]): string {
  if (parts.length === 0) return '""';
  if (parts.length === 1) {
    const only = parts[0]!;
    return only.kind === "text" ? literal(only.value) : lookup(only);
  }
  const body = parts.map((p) => (p.kind === "text" ? templateText(p.value) : `\${${lookup(p)}}`)).join("");
  return `\`${body}\``;
}

function lookup(part: Extract<TemplatePart, { kind: "var" }>): string {
  const name = JSON.stringify(part.name);
  if (!part.op) return `env(${name})`;
  const arg = part.arg ?? [];
  const allowEmpty = part.op.startsWith(":") ? "" : ", allowEmpty: true";
  switch (part.op) {
    case ":-":
    case "-":
      return `env(${name}, { default: ${partsExpression(arg)}${allowEmpty} })`;
    case ":?":
    case "?":
      return `env(${name}, { required: ${arg.length === 0 ? "true" : partsExpression(arg)}${allowEmpty} })`;
    case ":+":
    case "+":
      return `env(${name}, { ifSet: ${partsExpression(arg)}${allowEmpty} })`;
  }
}

/**
 * Text inside a template literal (always followed by the closing backtick or an interpolation):
 * backticks, backslashes, `${`, control characters (a CR too) and lone surrogates escaped.
 */
function templateText(s: string): string {
  const escaped = s.replace(/[`\\]|\$\{|[^\n\t\u0020-\u007e\u0080-\ud7ff\ue000-\uffff]/gu, (m) => {
    if (m === "`" || m === "\\") return `\\${m}`;
    if (m === "${") return "\\${";
    if (m === "\r") return "\\r";
    if (m.length > 1) return m; // a surrogate pair: a character like any other
    return `\\u${m.charCodeAt(0).toString(16).padStart(4, "0")}`;
  });
  return s.endsWith("\\") ? `${escaped.slice(0, -2)}\\x5C` : escaped;
}
