/** Checks an output directory the user named before anything is generated or written. */
import { statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { UserError } from "../compose/errors.js";

/**
 * `dir` (from `flag`, e.g. "-o") must be a directory or not exist yet under a directory: a file
 * in its place is refused up front, with nothing written. Permission problems surface when writing.
 */
export function assertOutputDirectory(dir: string, flag: string): void {
  for (let path = resolve(dir); ; path = dirname(path)) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(path).isDirectory();
    } catch {
      if (dirname(path) === path) return;
      continue; // does not exist yet: it will be created
    }
    if (isDirectory) return;
    const what = path === resolve(dir) ? "is a file" : `${path} is a file`;
    throw new UserError(`${flag} ${dir}: ${what}, not a directory; nothing was written`);
  }
}
