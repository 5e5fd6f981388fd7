/**
 * The depends_on cycle check, shared by the loader's consistency checks and the runtime's
 * dependency graph: the same walk and the same message as compose.
 */
import { UserError } from "./errors.js";

/**
 * Throws `dependency cycle detected: a -> b -> a` (path `services.<first>.depends_on`) when following
 * `next` from any of `nodes` (visited in sorted order) comes back to a service on the current path.
 */
export function assertNoDependencyCycle(nodes: Iterable<string>, next: (node: string) => Iterable<string>): void {
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const visit = (node: string): void => {
    const seen = state.get(node);
    if (seen === "done") return;
    if (seen === "visiting") {
      const cycle = [...stack.slice(stack.indexOf(node)), node].join(" -> ");
      throw new UserError(`dependency cycle detected: ${cycle}`, { path: `services.${node}.depends_on` });
    }
    state.set(node, "visiting");
    stack.push(node);
    for (const dep of next(node)) visit(dep);
    stack.pop();
    state.set(node, "done");
  };
  for (const node of [...nodes].sort()) visit(node);
}
