/**
 * The types a TypeScript stack is written against. They come from the compose-spec schema
 * (types.generated.ts); the only hand-written part is `include`, whose entries may name other
 * stack modules instead of YAML paths.
 */
import type { ComposeSpecification, Include, Service } from "./types.generated.js";

export type { Service };

/** Marks the objects `defineStack` returns; `Symbol.for` so every copy of c2ts recognises them. */
export const STACK_BRAND: unique symbol = Symbol.for("c2ts.stack");

/** Where a stack module came from and how it is loaded; paths are relative to the module file. */
export interface StackOptions {
  /**
   * The compose file this module was generated from. Relative paths in the stack resolve against
   * its directory, as they did in YAML. Without it, against the module's own directory.
   */
  source?: string;
  /** Project directory (where `.env` is read) when it is not the source file's directory. Root module only. */
  projectDirectory?: string;
  /** Env files read at load time instead of `<project directory>/.env` when `--env-file` is not given. Root module only. */
  envFiles?: string[];
  /** Compose files merged on top of this one, in order, like extra `-f` files. Root module only. */
  overrides?: DefinedStack[];
}

/** A stack module's default export: the compose data and where it came from. */
export interface DefinedStack {
  readonly [STACK_BRAND]: true;
  readonly stack: Stack;
  readonly options: StackOptions;
  /** Absolute path of the module that called `defineStack`, when loaded by c2ts. */
  readonly moduleFile?: string;
}

/** An included project: another stack module (or a compose file path), and its environment. */
export type StackInclude = string | DefinedStack | StackIncludeEntry;

export interface StackIncludeEntry extends Omit<Exclude<Include, string>, "path"> {
  /** The stack module(s) to include; several are merged in order, like `-f` files. Paths name compose files. */
  path: string | DefinedStack | (string | DefinedStack)[];
}

/** A whole Compose file, as written in TypeScript. */
export interface Stack extends Omit<ComposeSpecification, "include"> {
  /** Compose sub-projects to include, each with its own project directory and environment. */
  include?: StackInclude[];
}

export function isDefinedStack(value: unknown): value is DefinedStack {
  return typeof value === "object" && value !== null && (value as { [STACK_BRAND]?: unknown })[STACK_BRAND] === true;
}
