/** Reading service labels the way Traefik does: keys case-insensitive, booleans as Go's strconv.ParseBool. */
import { goParseBool } from "../compose/go-format.js";
import type { Mapping } from "../compose/model.js";

export interface LabelEntry {
  /** The key as written. */
  key: string;
  /** Dot-separated parts of the key, as written. */
  parts: string[];
  value: string;
}

/** Case-insensitive view of a label map. When two keys differ only by case, the first in sorted order wins. */
export class Labels {
  private readonly byLower = new Map<string, LabelEntry>();

  constructor(labels: Mapping | undefined) {
    for (const key of Object.keys(labels ?? {}).sort()) {
      const lower = key.toLowerCase();
      if (!this.byLower.has(lower)) this.byLower.set(lower, { key, parts: key.split("."), value: labels![key] });
    }
  }

  get(key: string): string | undefined {
    return this.byLower.get(key.toLowerCase())?.value;
  }

  /** The key as the user wrote it, for messages. */
  keyOf(key: string): string {
    return this.byLower.get(key.toLowerCase())?.key ?? key;
  }

  /** Entries whose key starts with `prefix.` (case-insensitive), in sorted key order. */
  under(prefix: string): LabelEntry[] {
    const p = `${prefix.toLowerCase()}.`;
    return [...this.byLower.entries()].filter(([k]) => k.startsWith(p)).map(([, e]) => e);
  }

  isTrue(key: string): boolean {
    return parseBool(this.get(key)) === true;
  }
}

/** Go's strconv.ParseBool (which Traefik uses for `traefik.enable`) of the trimmed value; undefined when not a boolean. */
export function parseBool(value: string | undefined): boolean | undefined {
  return value === undefined ? undefined : goParseBool(value.trim());
}

/** A Go time.ParseDuration string ("30s", "1m30s", "250ms"); Traefik health check durations use this format. */
export const GO_DURATION = /^(\d+(\.\d+)?(ns|us|µs|μs|ms|s|m|h))+$/;

/** Go duration → milliseconds (only called on strings matching GO_DURATION). */
export function goDurationMs(d: string): number {
  const unit: Record<string, number> = {
    ns: 1e-6,
    us: 1e-3,
    µs: 1e-3,
    μs: 1e-3,
    ms: 1,
    s: 1000,
    m: 60_000,
    h: 3_600_000,
  };
  let total = 0;
  for (const m of d.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|μs|ms|s|m|h)/g)) total += Number(m[1]) * unit[m[2]];
  return total;
}
