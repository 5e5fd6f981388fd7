import { readFileSync } from "node:fs";
import { UserError } from "./errors.js";
import { decodeUtf8 } from "./utf8.js";

/** A compose file's text; a missing or unreadable file, or invalid UTF-8, is a user error naming it. */
export function readComposeSource(file: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : String(e);
    throw new UserError(`cannot read compose file: ${why}`, { location: { file } });
  }
  return decodeUtf8(bytes, file);
}
