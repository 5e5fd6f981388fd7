import { stringValue } from "../args.js";
import { UsageError } from "../errors.js";
import type { Command } from "../main.js";
import { CLUSTER_OPTIONS } from "../cluster-context.js";
import { loadFromArgs, PROJECT_OPTIONS } from "../project-options.js";
import { interruptSignal } from "../runtime-options.js";
import { swarmLogs, swarmTarget } from "../swarm.js";

const command: Command = {
  spec: {
    name: "logs",
    summary: "Show the logs of the stack's containers (all services, or those named).",
    usage: "c2ts logs [--stack FILE.ts | --file FILE] [SERVICE...] [-f|--follow] [--tail N] [--timestamps]",
    positionals: true,
    options: {
      // Here -f means --follow, as in `docker compose logs -f`; the compose file is --file.
      ...PROJECT_OPTIONS,
      file: { ...PROJECT_OPTIONS.file!, short: undefined },
      follow: { type: "boolean", short: "f", description: "Follow log output" },
      tail: { type: "string", value: "N", description: "Number of lines from the end of each log" },
      timestamps: { type: "boolean", short: "t", description: "Show timestamps" },
      cluster: CLUSTER_OPTIONS.cluster!,
    },
  },
  async run(args) {
    const tailArg = stringValue(args.values.tail);
    const tail = tailArg === undefined ? undefined : Number(tailArg);
    if (tail !== undefined && !(Number.isInteger(tail) && tail >= 0))
      throw new UsageError("logs: --tail must be a whole number");
    const { project } = await loadFromArgs(args, { preferStack: true });
    const unknown = args.positionals.filter((s) => !(s in project.services));
    if (unknown.length > 0) throw new UsageError(`logs: no such service: ${unknown.join(", ")}`);
    const swarm = await swarmTarget(args, project);
    if (swarm)
      return swarmLogs(args, project, swarm, {
        follow: Boolean(args.values.follow),
        tail,
        timestamps: Boolean(args.values.timestamps),
      });
    const { logs } = await import("../../runtime/index.js");
    const interrupt = interruptSignal();
    try {
      await logs(project, args.positionals, {
        follow: Boolean(args.values.follow),
        tail,
        timestamps: Boolean(args.values.timestamps),
        signal: interrupt.signal,
        onLine: (container, stream, line) =>
          (stream === "stderr" ? process.stderr : process.stdout).write(`${container}  | ${line}\n`),
      });
      return 0;
    } finally {
      interrupt.dispose();
    }
  },
};
export default command;
