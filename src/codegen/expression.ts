/**
 * Value expressions of a generated module, as data: module-emitter.ts builds them from the YAML
 * (deciding names, spreads and helper imports on the way), expression-writer.ts prints them.
 * Keeping the two apart lets the emitter finish its analysis (which fragments are services,
 * which helpers are used) before anything is written.
 */
import type { Comment } from "./yaml-source.js";

export type Expression = Code | Call | ObjectLiteral | ArrayLiteral;

/**
 * A leaf written as is: a literal, a constant's name, an `env()` lookup. Its text is one line,
 * except for raw newlines inside template literals.
 */
export interface Code {
  kind: "code";
  text: string;
}

/** `override(…)`, `reset()`. */
export interface Call {
  kind: "call";
  callee: string;
  args: Expression[];
}

export interface ObjectLiteral {
  kind: "object";
  members: Member[];
  /** Comments after the last member, before `}`. */
  closing: readonly Comment[];
}

export interface ArrayLiteral {
  kind: "array";
  members: Member[];
  closing: readonly Comment[];
}

/** An object property (`key: value`, shorthand `key`, `...spread`) or an array item. */
export interface Member {
  /** The property key as written (`image`, `"x-a"`); undefined for array items and spreads. */
  key: string | undefined;
  /** `...value`. */
  spread: boolean;
  /** `{ key }`: the value is a reference named like the key. */
  shorthand: boolean;
  value: Expression;
  /** A blank line separates it from what precedes it. */
  blankBefore: boolean;
  /** Comment lines above it. */
  leading: readonly Comment[];
  /** Comments at the end of its line. */
  trailing: readonly string[];
  /** Its value is a block: the trailing comments go above the member instead (they described the key). */
  trailingAbove: boolean;
}

export const code = (text: string): Code => ({ kind: "code", text });
