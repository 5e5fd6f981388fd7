/**
 * Go duration strings (`1m30s`, `1.5s`, `300ms`) as the canonical model prints them,
 * converted to the units the Engine API wants.
 */

const UNIT_NS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  "µs": 1e3,
  "μs": 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Nanoseconds in a Go duration string; throws on anything Go's time.ParseDuration would reject. */
export function durationToNanos(text: string): number {
  const input = text.trim();
  if (input === "0") return 0;
  let rest = input;
  let sign = 1;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    if (rest[0] === "-") sign = -1;
    rest = rest.slice(1);
  }
  if (rest === "") throw new Error(`invalid duration "${text}"`);
  let total = 0;
  const part = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;
  while (rest.length > 0) {
    const m = part.exec(rest);
    if (!m) throw new Error(`invalid duration "${text}"`);
    total += parseFloat(m[1]) * UNIT_NS[m[2]];
    rest = rest.slice(m[0].length);
  }
  return sign * Math.round(total);
}

export function durationToMillis(text: string): number {
  return durationToNanos(text) / 1e6;
}

/** Whole seconds, truncated like Go's int(d.Seconds()). */
export function durationToSeconds(text: string): number {
  return Math.trunc(durationToNanos(text) / 1e9);
}
