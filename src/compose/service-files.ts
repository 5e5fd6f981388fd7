/**
 * The loader's one read of the files services refer to (env_file, label_file), so normalization
 * stays pure: it is handed their content.
 */
import { readFileSync } from "node:fs";
import { isUserError, UserError } from "./errors.js";
import { decodeUtf8 } from "./utf8.js";

/** File content by absolute path; a path that is not a key does not exist. */
export type ServiceFiles = ReadonlyMap<string, string>;

/** Reads `paths` (strict UTF-8); a missing file is left out, any other read failure is a UserError naming it. */
export function readServiceFiles(
  paths: readonly string[],
  readFile: (path: string) => string = (path) => decodeUtf8(readFileSync(path), path),
): ServiceFiles {
  const files = new Map<string, string>();
  for (const file of paths) {
    try {
      files.set(file, readFile(file));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") continue;
      if (isUserError(e)) throw e; // already located (invalid UTF-8)
      throw new UserError(`failed to read ${file}: ${(e as Error).message}`, { location: { file }, cause: e });
    }
  }
  return files;
}
