/**
 * Compose's `${VAR}` template language, as compose-go's `template` package (v2.13) reads it.
 *
 * compose-go does not have a grammar: it runs one regular expression over the string and
 * post-processes each match. The quirks that follow from that are part of the behaviour users
 * see, so the scanner below mirrors the regex match by match instead of parsing "properly":
 *
 * - `$$` is an escaped `$`; `$NAME` reads the longest run of name characters (`$FOO-bar`
 *   is FOO followed by `-bar`); `$` followed by anything else (`$1`, `$}`, `$ `, a trailing
 *   `$`) stays literal.
 * - `${` must be followed by `NAME}` or `NAME<op>…}`, otherwise it is invalid (`${}`,
 *   `${ foo}`, `${foo }`, `${foo!}`, an unclosed `${`).
 * - After an operator the regex swallows everything up to the LAST `}` on the same line;
 *   compose-go then cuts that at the first balanced `}` (counting `{` and skipping the
 *   character after each `{`) and interpolates the remainder as a separate template. We do the
 *   same, which is what makes `${A:-${B:-c}}` and `${A:-{"json":1}}` work.
 * - The operator's argument is itself a template, evaluated lazily: `${A:-${B:?x}}` only
 *   fails when A is unset or empty, and a syntax error inside an argument that is never
 *   evaluated is never reported.
 */
import { UserError } from "./errors.js";
import { goQuote } from "./go-format.js";

export type TemplateOp = ":-" | "-" | ":?" | "?" | ":+" | "+";

export type TemplatePart =
  /** Literal text; `$$` already unescaped to `$`. */
  | { kind: "text"; value: string }
  /** `$VAR`, `${VAR}` or `${VAR<op><arg>}`; `arg` is present exactly when `op` is. */
  | { kind: "var"; name: string; op?: TemplateOp; arg?: TemplatePart[] };

export type Lookup = (name: string) => string | undefined;

export interface TemplateOptions {
  /** Called for `$VAR` / `${VAR}` whose variable is unset (Compose warns "variable is not set"). */
  onUnset?: (name: string) => void;
}

/**
 * `${` that is not a valid reference. `template` is the (sub)template compose-go was scanning
 * when it found it — the whole value, an operator argument, or the text after a `${…}` —
 * because compose prints that one.
 */
export class TemplateSyntaxError extends UserError {
  constructor(readonly template: string) {
    super(`Invalid template: ${goQuote(template)}`);
    this.name = "TemplateSyntaxError";
  }
}

/** `${VAR:?reason}` / `${VAR?reason}` whose variable is missing. */
export class MissingVariableError extends UserError {
  constructor(
    readonly variable: string,
    readonly reason: string,
  ) {
    super(`required variable ${variable} is missing a value${reason === "" ? "" : `: ${reason}`}`);
    this.name = "MissingVariableError";
  }
}

/** Parses a template. Throws TemplateSyntaxError if any part of it, arguments included, is invalid. */
export function parseTemplate(input: string): TemplatePart[] {
  const parts = scan(input);
  const invalid = firstInvalid(parts);
  if (invalid) throw new TemplateSyntaxError(invalid.template);
  return parts as TemplatePart[];
}

/**
 * True when interpolating `input` could give anything but `input` itself: it references a
 * variable, escapes a `$` as `$$`, or holds a `${` that is a syntax error.
 */
export function hasInterpolation(input: string): boolean {
  if (!input.includes("$")) return false;
  const parts = scan(input);
  return !(parts.length === 0 || (parts.length === 1 && parts[0]!.kind === "text" && parts[0]!.value === input));
}

export function evaluateTemplate(
  parts: readonly TemplatePart[],
  lookup: Lookup,
  options: TemplateOptions = {},
): string {
  return evaluate(parts, lookup, options.onUnset);
}

/**
 * Interpolates one string exactly as compose-go does. Syntax errors inside operator arguments
 * surface only if that argument is evaluated, as in compose-go.
 */
export function interpolateString(input: string, lookup: Lookup, options: TemplateOptions = {}): string {
  if (!input.includes("$")) return input;
  return evaluate(scan(input), lookup, options.onUnset);
}

// ---------------------------------------------------------------------------------------------
// Scanning

/** A scanned part: the public shapes plus an invalid `${` that throws only when evaluated. */
type Part = TextPart | VarPart | InvalidPart;
type TextPart = { kind: "text"; value: string };
type VarPart = { kind: "var"; name: string; op?: TemplateOp; arg?: Part[] };
type InvalidPart = { kind: "invalid"; template: string };

// Go's `(?i)[a-z]` also matches the Kelvin sign and the long s, which case-fold to k and s.
const NAME_START = /[_a-zA-Z\u017F\u212A]/;
const NAME_CHAR = /[_a-zA-Z0-9\u017F\u212A]/;

type Match =
  | { kind: "escaped"; end: number }
  | { kind: "named"; name: string; end: number }
  | { kind: "braced"; name: string; end: number }
  | { kind: "operator"; end: number }
  | { kind: "invalid"; end: number };

function scan(template: string): Part[] {
  const parts: Part[] = [];
  let i = 0;
  while (i < template.length) {
    const dollar = template.indexOf("$", i);
    if (dollar < 0) {
      pushText(parts, template.slice(i));
      break;
    }
    pushText(parts, template.slice(i, dollar));
    const m = matchAt(template, dollar);
    if (!m) {
      pushText(parts, "$");
      i = dollar + 1;
      continue;
    }
    switch (m.kind) {
      case "escaped":
        pushText(parts, "$");
        break;
      case "named":
      case "braced":
        parts.push({ kind: "var", name: m.name });
        break;
      case "invalid":
        parts.push({ kind: "invalid", template });
        break;
      case "operator":
        for (const p of scanOperator(template.slice(dollar, m.end))) {
          if (p.kind === "text") pushText(parts, p.value);
          else parts.push(p);
        }
        break;
    }
    i = m.end;
  }
  return parts;
}

function pushText(parts: Part[], value: string): void {
  if (value === "") return;
  const last = parts[parts.length - 1];
  if (last && last.kind === "text") last.value += value;
  else parts.push({ kind: "text", value });
}

/** What compose-go's regex matches at `template[dollar]` (a `$`), or undefined for a literal `$`. */
function matchAt(template: string, dollar: number): Match | undefined {
  const next = template[dollar + 1];
  if (next === undefined) return undefined;
  if (next === "$") return { kind: "escaped", end: dollar + 2 };
  if (NAME_START.test(next)) {
    const end = nameEnd(template, dollar + 1);
    return { kind: "named", name: template.slice(dollar + 1, end), end };
  }
  if (next !== "{") return undefined;

  const start = dollar + 2;
  const invalid: Match = { kind: "invalid", end: start };
  if (!NAME_START.test(template[start] ?? "")) return invalid;
  const end = nameEnd(template, start);
  const after = template[end];
  if (after === "}") return { kind: "braced", name: template.slice(start, end), end: end + 1 };
  // `:?[-+?](.*)}` — `.` stops at a newline and the greedy `.*` backs off to the last `}`.
  const opEnd = after === ":" ? end + 2 : end + 1;
  const op = after === ":" ? template[end + 1] : after;
  if (op !== "-" && op !== "+" && op !== "?") return invalid;
  const newline = template.indexOf("\n", opEnd);
  const lineEnd = newline < 0 ? template.length : newline;
  const close = template.lastIndexOf("}", lineEnd - 1);
  if (close < opEnd) return invalid;
  return { kind: "operator", end: close + 1 };
}

function nameEnd(s: string, from: number): number {
  let i = from;
  while (i < s.length && NAME_CHAR.test(s[i]!)) i++;
  return i;
}

/** `${NAME<op>…}…` as matched by the regex: the reference up to its balanced brace, then the rest. */
function scanOperator(substring: string): Part[] {
  const closing = firstBraceClosingIndex(substring);
  const head = closing < 0 ? substring : substring.slice(0, closing + 1);
  const rest = closing < 0 ? "" : substring.slice(closing + 1);
  const body = head.slice(2, -1);
  const nameLength = nameEnd(body, 0);
  const op = (body[nameLength] === ":" ? body.slice(nameLength, nameLength + 2) : body[nameLength]) as TemplateOp;
  const argText = body.slice(nameLength + op.length);
  const reference: VarPart = { kind: "var", name: body.slice(0, nameLength), op, arg: scan(argText) };
  return [reference, ...scan(rest)];
}

/** compose-go's getFirstBraceClosingIndex, including its skip of the character after each `{`. */
function firstBraceClosingIndex(s: string): number {
  let open = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "}") {
      open--;
      if (open === 0) return i;
    }
    if (s[i] === "{") {
      open++;
      i++;
    }
  }
  return -1;
}

function firstInvalid(parts: readonly Part[]): InvalidPart | undefined {
  for (const p of parts) {
    if (p.kind === "invalid") return p;
    if (p.kind === "var" && p.arg) {
      const inner = firstInvalid(p.arg);
      if (inner) return inner;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Evaluation

function evaluate(parts: readonly Part[], lookup: Lookup, onUnset: ((name: string) => void) | undefined): string {
  let out = "";
  for (const p of parts) {
    if (p.kind === "text") out += p.value;
    else if (p.kind === "invalid") throw new TemplateSyntaxError(p.template);
    else out += evaluateVar(p, lookup, onUnset);
  }
  return out;
}

function evaluateVar(v: VarPart, lookup: Lookup, onUnset: ((name: string) => void) | undefined): string {
  const found = lookup(v.name);
  const set = found !== undefined;
  const value = found ?? "";
  const nonEmpty = value !== "";
  // The argument is a template of its own, evaluated only when the operator needs it.
  const arg = () => evaluate(v.arg ?? [], lookup, onUnset);
  switch (v.op) {
    case undefined:
      if (!set) onUnset?.(v.name);
      return value;
    case ":-":
      return nonEmpty ? value : arg();
    case "-":
      return set ? value : arg();
    case ":+":
      return nonEmpty ? arg() : value;
    case "+":
      return set ? arg() : value;
    case ":?":
      if (!nonEmpty) throw new MissingVariableError(v.name, arg());
      return value;
    case "?":
      if (!set) throw new MissingVariableError(v.name, arg());
      return value;
  }
}
