/** Input the Swarm mapping cannot turn into a valid spec; the message names the service and field. */
export class SwarmConvertError extends Error {
  constructor(
    readonly service: string,
    readonly field: string,
    why: string,
  ) {
    super(`service "${service}": ${field}: ${why}`);
    this.name = "SwarmConvertError";
  }
}
