/** Reading service labels the way Traefik does: keys case-insensitive, booleans as Go's strconv.ParseBool. */
import { goParseBool } from "../compose/go-format.js";
import { UserError } from "../compose/errors.js";
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

  /**
   * A boolean label of compose service `service`: false when absent; a value Go's ParseBool
   * rejects (`"yes please"`) is an error naming the service and the label, not a silent false.
   */
  isTrue(key: string, service: string): boolean {
    const raw = this.get(key);
    if (raw === undefined) return false;
    const value = parseBool(raw);
    if (value === undefined) {
      throw labelError(service, this.keyOf(key), `must be true or false, got ${JSON.stringify(raw)}`);
    }
    return value;
  }
}

/** An error in label `key` of compose service `service`; the message names both. */
export function labelError(service: string, key: string, message: string): UserError {
  return new UserError(`service ${service}: label ${key} ${message}`, { path: `services.${service}.labels.${key}` });
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
