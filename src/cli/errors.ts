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
