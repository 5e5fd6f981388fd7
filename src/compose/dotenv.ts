/**
 * The dotenv syntax of `.env`, `--env-file` and `env_file:`, as compose-go's `dotenv` parser
 * (v2.13) reads it. The parser is a port of its behaviour, quirks included:
 *
 * - `KEY=value`, `KEY: value` (YAML style), `export KEY=value`; keys may hold letters, digits
 *   and `_ . - [ ]`; spaces around the key and after the separator are ignored.
 * - A key alone on its line (`KEY`) inherits the value of the lookup, and is dropped when the
 *   lookup does not know it. A last line without `=` and without a newline becomes the value
 *   of the empty key, as in compose-go.
 * - Unquoted values end at the newline, lose a ` #…` comment (space then hash; `a#b` keeps
 *   its hash) and trailing whitespace, and are interpolated.
 * - Single-quoted values are literal (`\'` is a quote). Double-quoted values may span lines,
 *   understand `\a \b \f \n \r \t \v \\ \" \$` and `\0NNN` octal escapes, and are interpolated.
 *   Anything after a closing quote on the same line starts the next statement; `# …` is skipped.
 * - Interpolation asks the lookup first, then the keys already read from this file, then the
 *   fallback (the values of earlier `--env-file`s).
 */
import { readFileSync } from "node:fs";
import { UserError } from "./errors.js";
import { defineEntry } from "./mapping.js";
import { decodeUtf8 } from "./utf8.js";
import { goQuote } from "./go-format.js";
import { interpolateString, MissingVariableError, TemplateSyntaxError, type Lookup } from "./template.js";

export interface DotenvOptions {
  /** Named in error messages. */
  file: string;
  /** Values for inherited keys and for interpolation (takes precedence over the file's own keys). */
  lookup?: Lookup;
  /** Consulted for interpolation after the file's own keys (earlier `--env-file`s). */
  fallback?: Lookup;
  /** Called for every `$VAR` / `${VAR}` that resolves nowhere. */
  onUnset?: (name: string) => void;
}

/** A dotenv file compose could not read. The message is compose's: `failed to read FILE: line N: …`. */
export class DotenvError extends UserError {
  constructor(
    message: string,
    readonly file: string,
    readonly line?: number,
    cause?: unknown,
  ) {
    super(`failed to read ${file}: ${message}`, { cause });
    this.name = "DotenvError";
  }
}

export function parseDotenv(text: string, opts: DotenvOptions): Record<string, string> {
  const src = text.startsWith("\uFEFF") ? text.slice(1) : text;
  return new DotenvParser(opts).parse(src);
}

/** Reads and parses a dotenv file; a missing or unreadable file is a UserError naming it. */
export function readDotenvFile(
  path: string,
  lookup?: Lookup,
  onUnset?: (name: string) => void,
  fallback?: Lookup,
): Record<string, string> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new UserError(`couldn't find env file: ${path}`, { cause: e });
    if (code === "EISDIR") throw new UserError(`${path} is a directory`, { cause: e });
    throw new UserError(`failed to read ${path}: ${(e as Error).message}`, { cause: e });
  }
  return parseDotenv(decodeUtf8(bytes, path), { file: path, lookup, onUnset, fallback });
}

/** Go's unicode.IsSpace. */
function isUnicodeSpace(ch: string): boolean {
  return /^[\t\n\v\f\r \u0085\u00A0]$/.test(ch) || (ch > "\u00FF" && /^\p{White_Space}$/u.test(ch));
}

/** dotenv's isSpace: blank but not a line break. */
function isBlank(ch: string): boolean {
  return ch !== "\n" && /^[\t\v\f\r \u0085\u00A0]$/.test(ch);
}

function isKeyChar(ch: string): boolean {
  return "_.-[]".includes(ch) || /^[\p{L}\p{N}]$/u.test(ch);
}

function trimStartWhile(s: string, pred: (ch: string) => boolean): string {
  let i = 0;
  for (const ch of s) {
    if (!pred(ch)) break;
    i += ch.length;
  }
  return s.slice(i);
}

function trimEndWhile(s: string, pred: (ch: string) => boolean): string {
  const chars = [...s];
  let n = chars.length;
  while (n > 0 && pred(chars[n - 1]!)) n--;
  return chars.slice(0, n).join("");
}

// Go's `\s` (for `^export\s+`) is ASCII whitespace without \v.
const EXPORT_PREFIX = /^export[\t\n\f\r ]+/;
const ESCAPE_SEQUENCE = /\\(?:[abcfnrtv$"\\]|0[0-9]{0,3})/g;
const SIMPLE_ESCAPES: Record<string, string> = {
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  "\\": "\\",
  '"': '"',
};

class DotenvParser {
  /** compose-go's line counter, which the error messages report (it drifts the same way). */
  private line = 1;
  private statementLine = 1;
  private readonly lookup: Lookup;

  constructor(private readonly opts: DotenvOptions) {
    this.lookup = opts.lookup ?? (() => undefined);
  }

  parse(src: string): Record<string, string> {
    const out: Record<string, string> = {};
    let cutset = src;
    for (;;) {
      cutset = this.statementStart(cutset);
      if (cutset === "") return out;
      this.statementLine = this.line;
      const { key, rest, inherited } = this.locateKey(cutset);
      if (key.includes(" ")) throw this.fail(`line ${this.line}: key cannot contain a space`);
      if (inherited) {
        const value = this.lookup(key) ?? this.opts.fallback?.(key);
        if (value !== undefined) defineEntry(out, key, value);
        cutset = rest;
        continue;
      }
      const [value, after] = this.value(rest, out);
      defineEntry(out, key, value);
      cutset = after;
    }
  }

  /** Skips blank space and comment lines; "" at the end of the input. */
  private statementStart(src: string): string {
    for (;;) {
      let pos = -1;
      let i = 0;
      for (const ch of src) {
        if (ch === "\n") this.line++;
        if (!isUnicodeSpace(ch)) {
          pos = i;
          break;
        }
        i += ch.length;
      }
      if (pos < 0) return "";
      src = src.slice(pos);
      if (src[0] !== "#") return src;
      const newline = src.indexOf("\n");
      if (newline < 0) return "";
      src = src.slice(newline);
    }
  }

  private locateKey(src: string): { key: string; rest: string; inherited: boolean } {
    if (EXPORT_PREFIX.test(src)) src = trimStartWhile(src.slice("export".length), isBlank);

    let key = "";
    let offset = 0;
    let inherited = false;
    let i = 0;
    for (const ch of src) {
      if (ch === "=" || ch === ":" || ch === "\n") {
        key = src.slice(0, i);
        offset = i + 1;
        inherited = ch === "\n";
        break;
      }
      if (!isBlank(ch) && !isKeyChar(ch)) {
        const firstLine = src.split("\n")[0]!;
        throw this.fail(
          `line ${this.line}: unexpected character ${goQuote(ch)} in variable name ${goQuote(firstLine)}`,
        );
      }
      i += ch.length;
    }
    if (src === "") throw this.fail("zero length string");
    if (inherited && !key.includes(" ")) this.line++;
    return {
      key: trimEndWhile(key, isUnicodeSpace),
      rest: trimStartWhile(src.slice(offset), isBlank),
      inherited,
    };
  }

  /** The value at the start of `src` and what follows it. */
  private value(src: string, out: Record<string, string>): [string, string] {
    const quote = src[0];
    if (quote !== '"' && quote !== "'") {
      const newline = src.indexOf("\n");
      const line = newline < 0 ? src : src.slice(0, newline);
      const rest = newline < 0 ? "" : src.slice(newline + 1);
      this.line++;
      const comment = line.indexOf(" #");
      const raw = trimEndWhile(comment < 0 ? line : line.slice(0, comment), isUnicodeSpace);
      return [this.expand(raw, out), rest];
    }

    let chars = "";
    let escaped = false;
    for (let i = 1; i < src.length; i++) {
      const ch = src[i]!;
      if (ch === "\n") this.line++;
      if (escaped) {
        // An escaped quote loses its backslash; any other escaped character keeps it for now.
        escaped = false;
        chars += ch === quote ? ch : `\\${ch}`;
      } else if (ch === "\\") {
        escaped = true;
      } else if (ch === quote) {
        const value = quote === '"' ? this.expand(expandEscapes(chars), out) : chars;
        return [value, src.slice(i + 1)];
      } else {
        chars += ch;
      }
    }
    const newline = src.indexOf("\n");
    throw this.fail(`line ${this.line}: unterminated quoted value ${newline < 0 ? src : src.slice(0, newline)}`);
  }

  private expand(value: string, out: Record<string, string>): string {
    const lookup = (name: string) =>
      this.lookup(name) ?? (Object.hasOwn(out, name) ? out[name] : undefined) ?? this.opts.fallback?.(name);
    try {
      return interpolateString(value, lookup, { onUnset: this.opts.onUnset });
    } catch (e) {
      if (e instanceof TemplateSyntaxError || e instanceof MissingVariableError) {
        throw new DotenvError(e.message, this.opts.file, this.statementLine, e);
      }
      throw e;
    }
  }

  private fail(message: string): DotenvError {
    return new DotenvError(message, this.opts.file, this.line);
  }
}

/**
 * Shell escapes of double-quoted values. `\$` becomes `$$` so interpolation leaves a literal
 * `$`; `\0NNN` is an octal byte; an escape Go cannot decode is kept — minus the `0` of a
 * `\0…` prefix, as compose-go rewrites that before trying.
 */
function expandEscapes(value: string): string {
  return value.replace(ESCAPE_SEQUENCE, (match) => {
    if (match === "\\$") return "$$";
    if (match.startsWith("\\0")) {
      const octal = match.slice(2);
      if (octal.length === 3 && /^[0-7]{3}$/.test(octal) && parseInt(octal, 8) <= 0xff) {
        return String.fromCharCode(parseInt(octal, 8));
      }
      return `\\${octal}`;
    }
    return SIMPLE_ESCAPES[match[1]!] ?? match;
  });
}
