/**
 * Go durations as Compose reads and prints them: parsed like `str2duration.ParseDuration`
 * (Go's `time.ParseDuration` plus `d` and `w` units) and printed like `time.Duration.String()`,
 * so `90s` comes out as `1m30s` and `2h` as `2h0m0s`.
 *
 * Nanoseconds are bigints: Go keeps them in an int64 and some real values (a week) do not fit a
 * double exactly.
 */

const NS = 1n;
const US = 1_000n * NS;
const MS = 1_000n * US;
const SECOND = 1_000n * MS;
const MINUTE = 60n * SECOND;
const HOUR = 60n * MINUTE;

const UNITS: Record<string, bigint> = {
  ns: NS,
  us: US,
  "\u00b5s": US, // micro sign
  "\u03bcs": US, // Greek mu
  ms: MS,
  s: SECOND,
  m: MINUTE,
  h: HOUR,
  d: 24n * HOUR,
  w: 7n * 24n * HOUR,
};

const MAX_INT64 = (1n << 63n) - 1n;

export class DurationError extends Error {
  constructor(input: string, why: string) {
    super(`time: ${why} ${JSON.stringify(input)}`);
    this.name = "DurationError";
  }
}

/** Parses `1m30s`, `1.5h`, `10d`, `-2s`, `0`; numbers are read as their decimal text (so only `0` is valid). */
export function parseDuration(input: string | number): bigint {
  const orig = String(input);
  let s = orig;
  let neg = false;
  if (s !== "" && (s[0] === "-" || s[0] === "+")) {
    neg = s[0] === "-";
    s = s.slice(1);
  }
  if (s === "0") return 0n;
  if (s === "") throw new DurationError(orig, "invalid duration");

  let total = 0n;
  while (s !== "") {
    if (!(s[0] === "." || isDigit(s[0]!))) throw new DurationError(orig, "invalid duration");
    const intMatch = /^\d*/.exec(s)![0];
    s = s.slice(intMatch.length);
    let fracDigits = "";
    let sawDot = false;
    if (s[0] === ".") {
      sawDot = true;
      s = s.slice(1);
      fracDigits = /^\d*/.exec(s)![0];
      s = s.slice(fracDigits.length);
    }
    if (intMatch === "" && (!sawDot || fracDigits === "")) throw new DurationError(orig, "invalid duration");

    let i = 0;
    while (i < s.length && !(s[i] === "." || isDigit(s[i]!))) i++;
    if (i === 0) throw new DurationError(orig, "missing unit in duration");
    const unitName = s.slice(0, i);
    s = s.slice(i);
    const unit = UNITS[unitName];
    if (unit === undefined) throw new DurationError(orig, `unknown unit ${JSON.stringify(unitName)} in duration`);

    let v = intMatch === "" ? 0n : BigInt(intMatch);
    if (v > (1n << 63n) / unit) throw new DurationError(orig, "invalid duration");
    v *= unit;
    if (fracDigits !== "") {
      // Go accumulates the fraction in a float64, truncating like uint64(float64(f) * unit/scale).
      const f = Number(fracDigits.slice(0, 18));
      const scale = 10 ** Math.min(fracDigits.length, 18);
      v += BigInt(Math.trunc(f * (Number(unit) / scale)));
      if (v > 1n << 63n) throw new DurationError(orig, "invalid duration");
    }
    total += v;
    if (total > 1n << 63n) throw new DurationError(orig, "invalid duration");
  }
  if (neg) return -total;
  if (total > MAX_INT64) throw new DurationError(orig, "invalid duration");
  return total;
}

/** Formats nanoseconds the way Go's `time.Duration.String()` does. */
export function formatDuration(ns: bigint): string {
  const neg = ns < 0n;
  let u = neg ? -ns : ns;
  let out: string;
  if (u < SECOND) {
    if (u === 0n) return "0s";
    let prec: number;
    let unit: string;
    if (u < US) {
      prec = 0;
      unit = "ns";
    } else if (u < MS) {
      prec = 3;
      unit = "\u00b5s";
    } else {
      prec = 6;
      unit = "ms";
    }
    const [frac, rest] = formatFraction(u, prec);
    out = `${rest}${frac}${unit}`;
  } else {
    const [frac, secondsTotal] = formatFraction(u, 9);
    u = secondsTotal;
    out = `${u % 60n}${frac}s`;
    u /= 60n;
    if (u > 0n) {
      out = `${u % 60n}m${out}`;
      u /= 60n;
      if (u > 0n) out = `${u}h${out}`;
    }
  }
  return neg ? `-${out}` : out;
}

/** Go's `fmtFrac`: the `prec` low decimal digits as `.ddd` without trailing zeros, and what is left. */
function formatFraction(v: bigint, prec: number): [string, bigint] {
  let digits = "";
  let print = false;
  for (let i = 0; i < prec; i++) {
    const digit = v % 10n;
    print = print || digit !== 0n;
    if (print) digits = `${digit}${digits}`;
    v /= 10n;
  }
  return [print ? `.${digits}` : "", v];
}

/** Parse then format: what Compose prints for a duration attribute. */
export function canonicalDuration(input: string | number): string {
  return formatDuration(parseDuration(input));
}

function isDigit(c: string): boolean {
  return c >= "0" && c <= "9";
}
