/**
 * The c2ts package API: what generated stacks import (`defineStack`, env lookups, types) and
 * the loader for programmatic use.
 */
export type * from "./compose/model.js";
export { loadProject, type LoadOptions, type LoadedProject } from "./compose/loader.js";
export { UserError } from "./compose/errors.js";
export * from "./stack/index.js";
export { importStack, type ImportOptions, type ImportResult } from "./codegen/index.js";
export { defineCluster, type ClusterDefinition } from "./cluster/define.js";
