/**
 * Project name precedence and normalization, as Docker Compose v2: `-p` > COMPOSE_PROJECT_NAME >
 * top-level `name:` > the project directory's base name. Names must be lowercase letters, digits,
 * dashes and underscores, starting with a letter or digit; `name:` and the directory name are
 * brought to that form, an invalid `-p` or COMPOSE_PROJECT_NAME is an error.
 */
import { basename } from "node:path";
import { UserError } from "./errors.js";

const VALID = /^[a-z0-9][a-z0-9_-]*$/;

/** What compose does to a directory name: lowercase it and drop what a project name may not contain. */
export function normalizeProjectName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, "")
    .replace(/^[_-]+/, "");
}

export function resolveProjectName(input: {
  flag?: string;
  environment: Record<string, string | undefined>;
  declared?: unknown;
  workingDir: string;
}): string {
  const explicit = input.flag ?? input.environment.COMPOSE_PROJECT_NAME ?? undefined;
  if (explicit) return checked(explicit, input.flag ? "-p" : "COMPOSE_PROJECT_NAME");
  // A `name:` in a file is normalized as compose-go does; only -p and COMPOSE_PROJECT_NAME are refused.
  const declared = typeof input.declared === "string" ? normalizeProjectName(input.declared) : "";
  if (declared !== "") return declared;
  const fromDir = normalizeProjectName(basename(input.workingDir));
  if (!fromDir) {
    throw new UserError(`project name can't be derived from directory ${input.workingDir}: set "name:" or use -p`);
  }
  return fromDir;
}

function checked(name: string, source: string): string {
  if (!VALID.test(name)) {
    throw new UserError(
      `invalid project name "${name}" (from ${source}): must contain only lowercase letters, decimal digits, dashes and underscores, and must begin with a lowercase letter or decimal digit`,
    );
  }
  return name;
}
