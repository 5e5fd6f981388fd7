/**
 * Finds the compose files to load when none are given, the way `docker compose` does:
 * COMPOSE_FILE first, else the first canonical file name found in the working directory or
 * one of its parents, plus its `.override` sibling.
 */
import { existsSync } from "node:fs";
import { delimiter, dirname, join, resolve } from "node:path";
import { UserError } from "./errors.js";

const CANDIDATES = ["compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"];
const OVERRIDES = [
  "compose.override.yaml",
  "compose.override.yml",
  "docker-compose.override.yaml",
  "docker-compose.override.yml",
];

export function filesFromEnvironment(env: Record<string, string | undefined>, cwd: string): string[] | undefined {
  const value = env.COMPOSE_FILE;
  if (!value) return undefined;
  const separator = env.COMPOSE_PATH_SEPARATOR || delimiter;
  return value
    .split(separator)
    .filter(Boolean)
    .map((f) => resolve(cwd, f));
}

export function discoverComposeFiles(cwd: string, exists: (p: string) => boolean = existsSync): string[] {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const found = CANDIDATES.find((name) => exists(join(dir, name)));
    if (found) {
      const override = OVERRIDES.find((name) => exists(join(dir, name)));
      return override ? [join(dir, found), join(dir, override)] : [join(dir, found)];
    }
    if (dirname(dir) === dir) break;
  }
  throw new UserError(
    `no configuration file provided: not found (looked for ${CANDIDATES.join(", ")} in ${resolve(cwd)} and its parents)`,
  );
}
