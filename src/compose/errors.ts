/** Where in the user's input a problem was found. Line and column are 1-based. */
export interface SourceLocation {
  file: string;
  line?: number;
  column?: number;
}

/**
 * An error caused by the user's input (bad YAML, schema violation, missing variable, …).
 * The CLI prints `message` prefixed by the location and exits 1 without a stack trace;
 * anything that is not a UserError is a bug and keeps its stack.
 */
export class UserError extends Error {
  readonly location?: SourceLocation;
  /** Dotted path inside the compose model, e.g. `services.web.ports[0]`. */
  readonly path?: string;

  constructor(message: string, options: { location?: SourceLocation; path?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "UserError";
    this.location = options.location;
    this.path = options.path;
  }

  /** `file:line:column: message`, the form editors and terminals link to. */
  format(): string {
    const loc = this.location;
    if (!loc) return this.message;
    const pos = loc.line ? `:${loc.line}${loc.column ? `:${loc.column}` : ""}` : "";
    return `${loc.file}${pos}: ${this.message}`;
  }
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError;
}
