import { stringValue } from "../args.js";
import { UsageError } from "../errors.js";
import type { Command } from "../main.js";
import { loadFromArgs, PROJECT_OPTIONS } from "../project-options.js";
import { createProgress, exitCodeFor, forEachTarget, interruptSignal } from "../runtime-options.js";
import { NODE_OPTIONS, resolveTargets } from "../targets.js";
import { swarmDown, swarmTarget } from "../swarm.js";

const command: Command = {
  spec: {
    name: "down",
    summary:
      "Stop and remove the stack's containers and networks, in reverse dependency order. Named volumes are kept unless --volumes.",
    usage:
      "c2ts down [--stack FILE.ts | -f FILE] [--volumes] [--rmi local|all] [--remove-orphans] [--timeout SECONDS] [--json] [--node NAME | --all-nodes]",
    options: {
      ...PROJECT_OPTIONS,
      volumes: {
        type: "boolean",
        short: "v",
        description: "Also remove named volumes declared by the stack and anonymous volumes",
      },
      rmi: {
        type: "string",
        value: "local|all",
        description: "Remove images: local (built, no custom tag) or all used by services",
      },
      "remove-orphans": { type: "boolean", description: "Remove containers of services no longer in the stack" },
      timeout: { type: "string", value: "SECONDS", description: "Seconds to wait for containers to stop" },
      json: { type: "boolean", description: "NDJSON events and a final summary on stdout" },
      ...NODE_OPTIONS,
    },
  },
  async run(args) {
    const rmi = stringValue(args.values.rmi);
    if (rmi !== undefined && rmi !== "local" && rmi !== "all") throw new UsageError(`down: --rmi must be local or all`);
    const timeout = stringValue(args.values.timeout);
    const stopTimeout = timeout === undefined ? undefined : Number(timeout);
    if (stopTimeout !== undefined && !(stopTimeout >= 0))
      throw new UsageError("down: --timeout must be a number of seconds");

    const loaded = await loadFromArgs(args, { preferStack: true });
    const swarm = await swarmTarget(args, loaded.project);
    if (swarm) return swarmDown(args, loaded, swarm);
    const targets = await resolveTargets(args, loaded);
    const { down } = await import("../../runtime/index.js");
    const renderer = await createProgress(Boolean(args.values.json));
    const interrupt = interruptSignal();
    try {
      const { result } = await forEachTarget(targets, renderer, async (target, onEvent) => {
        const { result } = await down(target.project, {
          host: target.host,
          volumes: Boolean(args.values.volumes),
          removeOrphans: Boolean(args.values["remove-orphans"]),
          rmi: rmi as "local" | "all" | undefined,
          stopTimeout,
          onEvent,
          signal: interrupt.signal,
        });
        return result;
      });
      renderer.finish(result);
      return exitCodeFor(result);
    } finally {
      interrupt.dispose();
    }
  },
};
export default command;
