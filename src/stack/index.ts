/**
 * The `c2ts` package's stack API: what generated code imports (`defineStack`, `env`, `reset`,
 * `override`, the `Stack`/`Service` types) and what loads a stack back (`openStack`,
 * `loadStackModule`).
 */
export { defineStack, env, override, reset } from "./runtime.js";
export type { EnvDefault, EnvIfSet, EnvOptions, EnvRequired } from "./runtime.js";
export { isDefinedStack } from "./types.js";
export type * from "./types.js";
export { loadStackModule, openStack } from "./document.js";
export type { LoadStackOptions, OpenedStack, StackDocument } from "./document.js";
