/**
 * The `c2ts` package's stack API: what generated code imports (`defineStack`, `env`, `reset`,
 * `override`, the `Stack`/`Service` types) and what loads a stack back (`openStack`,
 * `loadStackModule`).
 *
 * Every compose-spec definition is available as `ComposeSpec.<Name>`; the common ones are also
 * exported by name (EnvFile and ServiceHook only under ComposeSpec: the canonical model has its
 * own types of those names).
 */
export { defineStack, env, override, reset } from "./runtime.js";
export type { EnvDefault, EnvIfSet, EnvOptions, EnvRequired } from "./runtime.js";
export { isDefinedStack } from "./types.js";
export type { DefinedStack, Service, Stack, StackInclude, StackIncludeEntry, StackOptions } from "./types.js";
export type * as ComposeSpec from "./types.generated.js";
export type {
  Command,
  ComposeSpecification,
  Config,
  Deployment,
  Development,
  ExtraHosts,
  Healthcheck,
  Include,
  ListOfStrings,
  ListOrDict,
  Model,
  Network,
  Secret,
  StringOrList,
  Ulimits,
  Volume,
} from "./types.generated.js";
export { loadStackModule, openStack } from "./document.js";
export type { LoadStackOptions, OpenedStack, StackDocument } from "./document.js";
