/**
 * The service dependency graph and the one walker that runs work over it: dependencies first
 * for deploy, dependents first (reversed) for down. Every node whose predecessors have settled
 * runs at once; engine calls inside visits share a bounded limiter so a wide graph does not
 * flood the engine while a node waiting on a health check holds no slot.
 */
import type { Project, ServiceDependency } from "../compose/model.js";
import { UserError } from "../compose/errors.js";
import { assertNoDependencyCycle } from "../compose/dependency-cycles.js";
import { linkedServices, referencedServices } from "./container-spec.js";

export interface Edge extends ServiceDependency {
  /** The service depended upon. */
  target: string;
}

/** service → the services it depends on (declared depends_on plus implicit links/namespaces/volumes_from). */
export type DependencyGraph = Map<string, Edge[]>;

export function dependencyGraph(project: Project): DependencyGraph {
  const graph: DependencyGraph = new Map();
  for (const [name, service] of Object.entries(project.services)) {
    const edges = new Map<string, Edge>();
    for (const [target, dep] of Object.entries(service.depends_on ?? {})) edges.set(target, { ...dep, target });
    const implicit = [...referencedServices(service), ...linkedServices(service)];
    for (const target of implicit) {
      if (!edges.has(target)) edges.set(target, { target, condition: "service_started", required: true });
    }
    for (const [target, edge] of edges) {
      if (!project.services[target]) {
        if (edge.required) {
          throw new UserError(`service "${name}" depends on undefined service "${target}"`, {
            path: `services.${name}.depends_on`,
          });
        }
        edges.delete(target);
      }
    }
    graph.set(name, [...edges.values()]);
  }
  assertAcyclic(graph);
  return graph;
}

function assertAcyclic(graph: DependencyGraph): void {
  assertNoDependencyCycle(graph.keys(), (node) => (graph.get(node) ?? []).map((e) => e.target));
}

/** The graph restricted to `nodes`, keeping edges between them. */
export function subgraph(graph: DependencyGraph, nodes: Iterable<string>): DependencyGraph {
  const keep = new Set(nodes);
  const out: DependencyGraph = new Map();
  for (const n of keep)
    out.set(
      n,
      (graph.get(n) ?? []).filter((e) => keep.has(e.target)),
    );
  return out;
}

/** `roots` plus everything they depend on, transitively. */
export function withDependencies(graph: DependencyGraph, roots: Iterable<string>): Set<string> {
  const out = new Set<string>();
  const add = (n: string) => {
    if (out.has(n)) return;
    out.add(n);
    for (const e of graph.get(n) ?? []) add(e.target);
  };
  for (const r of roots) add(r);
  return out;
}

/** `roots` plus everything that depends on them, transitively. */
export function withDependents(graph: DependencyGraph, roots: Iterable<string>): Set<string> {
  const out = new Set<string>(roots);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [n, edges] of graph) {
      if (!out.has(n) && edges.some((e) => out.has(e.target))) {
        out.add(n);
        grew = true;
      }
    }
  }
  return out;
}

/** Services in an order where each comes after its dependencies (ties by name). */
export function topologicalOrder(graph: DependencyGraph): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (n: string) => {
    if (seen.has(n)) return;
    seen.add(n);
    for (const e of [...(graph.get(n) ?? [])].sort((a, b) => (a.target < b.target ? -1 : 1))) {
      if (graph.has(e.target)) visit(e.target);
    }
    out.push(n);
  };
  for (const n of [...graph.keys()].sort()) visit(n);
  return out;
}

export type NodeOutcome =
  { status: "done" } | { status: "failed"; error: Error } | { status: "skipped"; reason: string };

export interface VisitContext {
  /** Predecessors (dependencies, or dependents when reversed) whose visit failed or was skipped. */
  failed: string[];
}

export interface WalkOptions {
  /** Dependents before dependencies (down). */
  reverse?: boolean;
  /** Nodes not yet started when this aborts are skipped as "interrupted". */
  signal?: AbortSignal;
}

/**
 * Visit every node after its predecessors settled, in parallel. A failing visit does not stop
 * unrelated branches; the nodes after it still run and see it in `ctx.failed` (they decide
 * whether that is fatal, e.g. required vs optional dependency).
 */
export async function walkGraph(
  graph: DependencyGraph,
  visit: (node: string, ctx: VisitContext) => Promise<void>,
  options: WalkOptions = {},
): Promise<Map<string, NodeOutcome>> {
  const predecessors = new Map<string, string[]>();
  for (const n of graph.keys()) predecessors.set(n, []);
  for (const [n, edges] of graph) {
    for (const e of edges) {
      if (!graph.has(e.target)) continue;
      if (options.reverse) predecessors.get(e.target)!.push(n);
      else predecessors.get(n)!.push(e.target);
    }
  }
  const outcomes = new Map<string, NodeOutcome>();
  const running = new Map<string, Promise<void>>();

  const start = (node: string): Promise<void> => {
    let p = running.get(node);
    if (p) return p;
    p = (async () => {
      const preds = predecessors.get(node)!;
      await Promise.all(preds.map(start));
      if (options.signal?.aborted) {
        outcomes.set(node, { status: "skipped", reason: "interrupted" });
        return;
      }
      const failed = preds.filter((d) => outcomes.get(d)?.status !== "done");
      try {
        await visit(node, { failed });
        if (!outcomes.has(node)) outcomes.set(node, { status: "done" });
      } catch (e) {
        if (e instanceof SkipNode) outcomes.set(node, { status: "skipped", reason: e.message });
        else outcomes.set(node, { status: "failed", error: e instanceof Error ? e : new Error(String(e)) });
      }
    })();
    running.set(node, p);
    return p;
  };
  await Promise.all([...graph.keys()].map(start));
  return outcomes;
}

/** Thrown by a visit to mark its node skipped rather than failed (e.g. a required dependency failed). */
export class SkipNode extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "SkipNode";
  }
}

export interface Limiter {
  /** Low-priority work (creations ahead of need) only runs when no normal work is waiting. */
  run<T>(fn: () => Promise<T>, priority?: "normal" | "low"): Promise<T>;
}

/** At most `max` of the functions given to run() are in flight at once. */
export function createLimiter(max: number): Limiter {
  let active = 0;
  const queues: Record<"normal" | "low", Array<() => void>> = { normal: [], low: [] };
  const next = () => {
    if (active >= max) return;
    const go = queues.normal.shift() ?? queues.low.shift();
    if (go) {
      active++;
      go();
    }
  };
  return {
    run<T>(fn: () => Promise<T>, priority: "normal" | "low" = "normal"): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queues[priority].push(() => {
          fn()
            .then(resolve, reject)
            .finally(() => {
              active--;
              next();
            });
        });
        next();
      });
    },
  };
}
