/**
 * Splits a command string into argv the way compose-go does for `command`/`entrypoint` strings:
 * mattn/go-shellwords `Parse` (v1.0.12) with environment and backtick expansion off.
 *
 * Its quirks are kept on purpose, because they decide what `docker compose config` prints:
 * a backslash escapes the next character even inside double quotes (`\n` is just `n`),
 * an unquoted `;`, `&`, `|`, `<` or `>` ends parsing and the rest of the line is dropped,
 * and a redirect like `2>` drops the digits in front of it.
 */

export class ShellSplitError extends Error {
  constructor(readonly input: string) {
    super("invalid command line string");
    this.name = "ShellSplitError";
  }
}

export function shellSplit(line: string): string[] {
  const args: string[] = [];
  let buf = "";
  let escaped = false;
  let doubleQuoted = false;
  let singleQuoted = false;
  let backQuote = false;
  let dollarQuote = false;
  // "no argument yet", "plain characters seen", "quotes closed" (an empty "" is still an argument)
  let got: "none" | "single" | "quoted" = "none";

  loop: for (const r of line) {
    if (escaped) {
      buf += r;
      escaped = false;
      got = "single";
      continue;
    }
    if (r === "\\") {
      if (singleQuoted) buf += r;
      else escaped = true;
      continue;
    }
    if (r === " " || r === "\t" || r === "\r" || r === "\n") {
      if (singleQuoted || doubleQuoted || backQuote || dollarQuote) {
        buf += r;
      } else if (got !== "none") {
        args.push(buf);
        buf = "";
        got = "none";
      }
      continue;
    }
    switch (r) {
      case "`":
        if (!singleQuoted && !doubleQuoted && !dollarQuote) backQuote = !backQuote;
        break;
      case ")":
        if (!singleQuoted && !doubleQuoted && !backQuote) dollarQuote = !dollarQuote;
        break;
      case "(":
        if (!singleQuoted && !doubleQuoted && !backQuote) {
          if (!dollarQuote && buf.endsWith("$")) {
            dollarQuote = true;
            buf += "(";
            continue;
          }
          throw new ShellSplitError(line);
        }
        break;
      case '"':
        if (!singleQuoted && !dollarQuote) {
          if (doubleQuoted) got = "quoted";
          doubleQuoted = !doubleQuoted;
          continue;
        }
        break;
      case "'":
        if (!doubleQuoted && !dollarQuote) {
          if (singleQuoted) got = "quoted";
          singleQuoted = !singleQuoted;
          continue;
        }
        break;
      case ";":
      case "&":
      case "|":
      case "<":
      case ">":
        if (!(singleQuoted || doubleQuoted || backQuote || dollarQuote)) {
          if (r === ">" && buf.length > 0 && buf[0]! >= "0" && buf[0]! <= "9") got = "none";
          break loop;
        }
        break;
    }
    got = "single";
    buf += r;
  }

  if (got !== "none") args.push(buf);
  if (escaped || singleQuoted || doubleQuoted || backQuote || dollarQuote) throw new ShellSplitError(line);
  return args;
}
