/**
 * Values produced by Compose's override tags. The YAML reader turns `!reset` and `!override`
 * into these markers; the merge stage consumes them and no marker survives a merge.
 */

/** `key: !reset …` — the merged result must not have this key at all (or an empty value). */
export const RESET: unique symbol = Symbol.for("c2ts.compose.reset");
export type Reset = typeof RESET;

/** `key: !override value` — replace the base value instead of merging into it. */
export class Override {
  constructor(readonly value: unknown) {}
}

export function isReset(v: unknown): v is Reset {
  return v === RESET;
}

export function isOverride(v: unknown): v is Override {
  return v instanceof Override;
}
