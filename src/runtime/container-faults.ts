/**
 * Faults of containers a plan leaves in place: one the engine keeps restarting is not converged,
 * though its configuration is; the plan says so rather than "up to date" alone.
 */
import type { Observed } from "./observe.js";

export function restartingWarnings(observed: Observed, services: readonly string[]): string[] {
  const wanted = new Set(services);
  return observed.containers
    .filter((c) => !c.oneoff && wanted.has(c.service) && c.state === "restarting")
    .map((c) => c.name)
    .sort()
    .map((name) => `container ${name} is restarting (crash loop?): see c2ts logs; deploy fails until it stays up`);
}
