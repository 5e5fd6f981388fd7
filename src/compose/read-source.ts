import { readFileSync } from "node:fs";
import { UserError } from "./errors.js";

/** A compose file's text; a missing or unreadable file is a user error naming it. */
export function readComposeSource(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : String(e);
    throw new UserError(`cannot read compose file: ${why}`, { location: { file } });
  }
}
