import type { CommandSpec } from "./args.js";

/** Wrong flags or arguments: printed with a pointer to --help, exit code 1. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly spec?: CommandSpec,
  ) {
    super(message);
    this.name = "UsageError";
  }
}

/** Exit codes c2ts uses; `plan` also returns CHANGES_PENDING. */
export const EXIT = { OK: 0, ERROR: 1, CHANGES_PENDING: 2, INTERRUPTED: 130 } as const;

/**
 * The one-line message of a Node system error about a path (EEXIST, ENOTDIR, EACCES, EROFS, …), or
 * undefined for anything else. Node's own message already names the operation and the path.
 */
export function systemErrorMessage(e: unknown): string | undefined {
  if (!(e instanceof Error)) return undefined;
  const { code, syscall, path } = e as NodeJS.ErrnoException;
  if (typeof code !== "string" || typeof syscall !== "string" || typeof path !== "string") return undefined;
  return e.message.split("\n")[0];
}
