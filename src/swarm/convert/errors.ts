import { UserError } from "../../compose/errors.js";

/**
 * Input the Swarm mapping cannot turn into a valid spec. A UserError, so the CLI prints the
 * message (naming the service or top-level object and the field) and exits 1, no stack trace.
 */
export class SwarmConvertError extends UserError {
  /**
   * @param subject a service key, or for top-level objects their dotted path (`secrets.db`)
   * @param kind whether `subject` is a service or a top-level object
   */
  constructor(
    readonly subject: string,
    readonly field: string,
    why: string,
    kind: "service" | "object" = "service",
  ) {
    super(kind === "service" ? `service "${subject}": ${field}: ${why}` : `${subject}: ${field}: ${why}`, {
      path: kind === "service" ? `services.${subject}.${field}` : `${subject}.${field}`,
    });
    this.name = "SwarmConvertError";
  }
}
