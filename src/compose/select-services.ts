/**
 * `SERVICE...` on the command line (compose-go's WithSelectedServices): the named services and,
 * transitively, the services they depend on. A named service runs even when its profiles are not
 * active, as in Compose; every other service is dropped.
 */
import { UserError } from "./errors.js";
import type { Project } from "./model.js";

/** The names to keep: `names` and their dependencies, in no particular order. */
export function servicesWithDependencies(project: Project, names: readonly string[]): Set<string> {
  const keep = new Set<string>();
  const visit = (name: string) => {
    if (keep.has(name)) return;
    keep.add(name);
    for (const dep of Object.keys(project.services[name]?.depends_on ?? {})) {
      if (dep in project.services) visit(dep);
    }
  };
  for (const name of names) {
    if (!(name in project.services)) throw new UserError(`no such service: ${name}`);
    visit(name);
  }
  return keep;
}

/** Drops, in place, every service outside `names` and their dependencies. */
export function selectServices(project: Project, names: readonly string[]): void {
  const keep = servicesWithDependencies(project, names);
  for (const name of Object.keys(project.services)) if (!keep.has(name)) delete project.services[name];
}
