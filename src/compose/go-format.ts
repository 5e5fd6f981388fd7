/**
 * How Go prints and orders things, for the messages and output that must read as compose-go's:
 * fmt's `%v` of a YAML scalar, `%q` of a string, strconv.ParseBool, the Go type name of a decoded value, `path.Clean`, and Go's
 * string order.
 */

/** Go's fmt.Sprint for the scalar values a YAML document can hold. */
export function goString(v: unknown): string {
  if (v === null || v === undefined) return "<nil>";
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : goFloat(v);
  return String(v);
}

/** fmt.Sprint of a float64: shortest digits, exponent form below 1e-4 and from 1e6 up (Go's %v). */
function goFloat(v: number): string {
  const abs = Math.abs(v);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e6)) {
    const [mant, exp] = v.toExponential().split("e");
    const e = Number(exp);
    return `${mant}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  }
  return String(v);
}

/** Go's `%T` of a decoded YAML value (`bool`, `int`, `[]interface {}`, …). */
export function goType(v: unknown): string {
  if (v === null || v === undefined) return "<nil>";
  if (Array.isArray(v)) return "[]interface {}";
  if (typeof v === "object") return "map[string]interface {}";
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "float64";
  if (typeof v === "boolean") return "bool";
  return typeof v;
}

/** Go's `path.Clean` (lexical; no trailing slash; `..` resolved). */
export function goClean(p: string): string {
  if (p === "") return ".";
  const rooted = p.startsWith("/");
  const out: string[] = [];
  for (const seg of p.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!rooted) out.push("..");
    } else {
      out.push(seg);
    }
  }
  const joined = out.join("/");
  if (rooted) return `/${joined}`;
  return joined === "" ? "." : joined;
}

/** Byte-wise order, as Go's cmp.Compare on strings. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** compose-go's `isTrue`: strconv.ParseBool of fmt.Sprint(v), so `true`, `"True"` and `1` count, anything else not. */
export function goIsTrue(v: unknown): boolean {
  return goParseBool(goString(v)) === true;
}

/** Go's strconv.ParseBool: `1 t T TRUE true True` and `0 f F FALSE false False`; undefined otherwise. */
export function goParseBool(s: string): boolean | undefined {
  switch (s) {
    case "1":
    case "t":
    case "T":
    case "TRUE":
    case "true":
    case "True":
      return true;
    case "0":
    case "f":
    case "F":
    case "FALSE":
    case "false":
    case "False":
      return false;
    default:
      return undefined;
  }
}

/**
 * A string the way Go's `%q` / `strconv.Quote` prints it, so messages that quote user input
 * read exactly like compose's.
 */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === "\\") out += `\\${ch}`;
    else if (ch === " " || PRINTABLE.test(ch)) out += ch;
    else if (GO_ESCAPES[ch]) out += GO_ESCAPES[ch];
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${hex(cp, 2)}`;
    else if (cp < 0x10000) out += `\\u${hex(cp, 4)}`;
    else out += `\\U${hex(cp, 8)}`;
  }
  return `${out}"`;
}

// strconv.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;
const GO_ESCAPES: Record<string, string> = {
  "\x07": "\\a",
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\v": "\\v",
};

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, "0");
}

/** Go's encoding/json escapes on JSON text: `<`, `>`, `&`, U+2028 and U+2029 as `\u00XX`. */
export function goJsonEscape(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
