/**
 * Validates one Compose file's data (after interpolation, before merging) against the
 * compose-spec JSON schema, as compose-go does before it builds the model.
 *
 * The validator is precompiled by scripts/build-schema.mjs: compiling the schema with ajv at
 * start-up would cost ~250 ms on every CLI run.
 */
import { validate as compiledValidate } from "./compose-validator.generated.js";
import { issuesFromErrors, type RawSchemaError, type SchemaIssue } from "./issues.js";

export type { SchemaIssue } from "./issues.js";

/** The shape of an ajv standalone validator: errors land on the function after each call. */
export interface CompiledValidator {
  (data: unknown): boolean;
  errors?: RawSchemaError[] | null;
}

const precompiled = compiledValidate as unknown as CompiledValidator;

/** Every schema violation in `data`, at most one per location, in document order; [] when valid. */
export function validateComposeFile(data: unknown): SchemaIssue[] {
  return validateWith(precompiled, data);
}

/** Same as validateComposeFile with another compiled validator (tests compare against a runtime-compiled one). */
export function validateWith(validator: CompiledValidator, data: unknown): SchemaIssue[] {
  if (validator(data)) return [];
  return issuesFromErrors(validator.errors ?? [], data);
}
