/**
 * What generated stack modules import from "c2ts" at run time: `defineStack`, `env` and the
 * two Compose override tags. Kept free of heavy imports: the loader evaluates stacks with it.
 */
import { Override, RESET } from "../compose/yaml-tags.js";
import { placeholder } from "./lookup.js";
import { STACK_BRAND, type DefinedStack, type Stack, type StackOptions } from "./types.js";

/**
 * How a lookup treats its variable, mirroring Compose's `${NAME<op>arg}` forms: give exactly
 * one of `default`, `required`, `ifSet`.
 */
export type EnvOptions = EnvDefault | EnvRequired | EnvIfSet;

interface EmptyHandling {
  /**
   * An empty value counts as set: the option applies only when the variable is unset
   * (Compose's colon-less forms `${NAME-default}`, `${NAME?message}`, `${NAME+replacement}`).
   */
  allowEmpty?: boolean;
}

export interface EnvDefault extends EmptyHandling {
  /** `${NAME:-default}`: the value, or `default` when the variable is unset or empty. */
  default: string;
  required?: never;
  ifSet?: never;
}

export interface EnvRequired extends EmptyHandling {
  /** `${NAME:?message}`: the value, or a load error with `message` when the variable is unset or empty. */
  required: string | true;
  default?: never;
  ifSet?: never;
}

export interface EnvIfSet extends EmptyHandling {
  /** `${NAME:+replacement}`: `replacement` when the variable is set and non-empty, else an empty string. */
  ifSet: string;
  default?: never;
  required?: never;
}

const VARIABLE_NAME = /^[_a-zA-Z][_a-zA-Z0-9]*$/;

/**
 * The value of an environment variable when the stack is loaded, as `${NAME}` in a compose
 * file: the process environment first, then `--env-file`s or the project's `.env`. The result
 * is a string that can be used anywhere a string can, including inside template literals;
 * c2ts swaps in the value when it loads the stack (so don't inspect it in code).
 */
export function env(name: string, options?: EnvOptions): string {
  if (!VARIABLE_NAME.test(name)) throw new TypeError(`env(): invalid variable name ${JSON.stringify(name)}`);
  if (options === undefined) return placeholder({ name });
  const empty = options.allowEmpty === true;
  const chosen = (["default", "required", "ifSet"] as const).filter((k) => options[k] !== undefined);
  if (chosen.length !== 1) throw new TypeError(`env("${name}"): give exactly one of default, required, ifSet`);
  if (options.default !== undefined) return placeholder({ name, op: empty ? "-" : ":-", arg: String(options.default) });
  if (options.required !== undefined) {
    return placeholder({
      name,
      op: empty ? "?" : ":?",
      arg: options.required === true ? "" : String(options.required),
    });
  }
  return placeholder({ name, op: empty ? "+" : ":+", arg: String(options.ifSet) });
}

const EVALUATING = Symbol.for("c2ts.stack.evaluating");

/** The module file c2ts's loader is evaluating right now, if any (see load-module.ts). */
function evaluatingModule(): string | undefined {
  const files = (globalThis as { [EVALUATING]?: string[] })[EVALUATING];
  return files?.[files.length - 1];
}

/**
 * Declares a Compose stack: the default export of every stack module. `options.source` names
 * the compose file the module stands for, relative to the module.
 */
export function defineStack(stack: Stack, options: StackOptions = {}): DefinedStack {
  const moduleFile = evaluatingModule();
  return { [STACK_BRAND]: true, stack, options, ...(moduleFile ? { moduleFile } : {}) };
}

/** `!reset`: removes the value inherited from the files this one is merged onto. */
export function reset(): never {
  return RESET as never;
}

/** `!override value`: replaces the inherited value instead of merging into it. */
export function override<T>(value: T): T {
  return new Override(value) as T;
}
