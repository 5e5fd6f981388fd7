/** Flags and plumbing shared by deploy/plan/down: progress mode, interrupts, per-node fan-out. */
import { setMaxListeners } from "node:events";
import type { ExecuteResult } from "../runtime/events.js";
import type { ProgressMode, Renderer } from "../runtime/progress.js";
import { EXIT } from "./errors.js";
import { useColor } from "./output.js";
import { labelFor, type Target } from "./targets.js";

/** Aborts on the first SIGINT/SIGTERM so running operations stop cleanly; a second one exits at once. */
export function interruptSignal(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  // Every wait on a dependency or container listens for the interrupt: dozens at once is normal.
  setMaxListeners(0, controller.signal);
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(EXIT.INTERRUPTED);
    process.stderr.write("\ninterrupted: finishing running operations (press Ctrl-C again to quit now)\n");
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    signal: controller.signal,
    dispose() {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}

export async function createProgress(json: boolean): Promise<Renderer> {
  const { createRenderer } = await import("../runtime/progress.js");
  const mode: ProgressMode = json ? "json" : "auto";
  return createRenderer(mode, { color: useColor(process.stderr) });
}

/** Runs `work` on every target in parallel; one failing node does not stop the others. */
export async function forEachTarget(
  targets: Target[],
  renderer: Renderer,
  work: (target: Target, onEvent: Renderer["onEvent"]) => Promise<ExecuteResult>,
): Promise<{ result: ExecuteResult; failedNodes: string[] }> {
  const failedNodes: string[] = [];
  const results = await Promise.all(
    targets.map(async (target) => {
      const onEvent: Renderer["onEvent"] = (e) => renderer.onEvent({ ...e, name: labelFor(target, e.name) });
      try {
        const result = await work(target, onEvent);
        if (!result.ok && target.node) failedNodes.push(target.node);
        return result;
      } catch (e) {
        if (!target.node) throw e;
        failedNodes.push(target.node);
        const message = `node ${target.node}: ${(e as Error).message}`;
        renderer.onEvent({ time: Date.now(), resource: "service", name: target.node, status: "Error", message });
        return failedResult(target.node, message);
      }
    }),
  );
  return { result: mergeResults(results), failedNodes: failedNodes.sort() };
}

function failedResult(node: string, message: string): ExecuteResult {
  return {
    ok: false,
    interrupted: false,
    errors: [{ resource: "service", name: node, message }],
    skipped: [],
    warnings: [],
    done: {},
    durationMs: 0,
  } as ExecuteResult;
}

function mergeResults(results: ExecuteResult[]): ExecuteResult {
  const [first, ...rest] = results;
  const merged: ExecuteResult = {
    ...first!,
    errors: [...first!.errors],
    skipped: [...first!.skipped],
    warnings: [...first!.warnings],
    done: { ...first!.done },
  };
  for (const r of rest) {
    merged.ok &&= r.ok;
    merged.interrupted ||= r.interrupted;
    merged.errors.push(...r.errors);
    merged.skipped.push(...r.skipped);
    merged.warnings.push(...r.warnings);
    for (const [k, v] of Object.entries(r.done)) merged.done[k] = (merged.done[k] ?? 0) + v;
    merged.durationMs = Math.max(merged.durationMs, r.durationMs);
  }
  return merged;
}

export function exitCodeFor(result: ExecuteResult): number {
  if (result.interrupted) return EXIT.INTERRUPTED;
  return result.ok ? EXIT.OK : EXIT.ERROR;
}
