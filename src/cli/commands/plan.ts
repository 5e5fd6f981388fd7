import type { Command } from "../main.js";
import { EXIT } from "../errors.js";
import { useColor } from "../output.js";
import { loadFromArgs, PROJECT_OPTIONS } from "../project-options.js";
import { NODE_OPTIONS, resolveTargets } from "../targets.js";
import { swarmPlan, swarmTarget } from "../swarm.js";

const command: Command = {
  spec: {
    name: "plan",
    summary:
      "Show what deploy would change, with the reason for each step. Reads the engine, changes nothing. Exit 0: nothing to do, 2: changes pending, 1: error.",
    usage: "c2ts plan [--stack FILE.ts | -f FILE] [SERVICE...] [--remove-orphans] [--json] [--node NAME | --all-nodes]",
    positionals: true,
    options: {
      ...PROJECT_OPTIONS,
      "remove-orphans": { type: "boolean", description: "Plan removal of orphan containers" },
      json: { type: "boolean", description: "Print the plan as JSON" },
      ...NODE_OPTIONS,
    },
  },
  async run(args) {
    const loaded = await loadFromArgs(args, { preferStack: true });
    const swarm = await swarmTarget(args, loaded.project);
    if (swarm) return swarmPlan(args, loaded, swarm);
    const targets = await resolveTargets(args, loaded);
    const { plan, planHasChanges } = await import("../../runtime/index.js");
    const { formatPlan } = await import("../../runtime/progress.js");
    const plans = await Promise.all(
      targets.map(async (t) => ({
        node: t.node,
        plan: await plan(t.project, {
          host: t.host,
          workingDir: loaded.workingDir,
          configFiles: loaded.configFiles,
          environment: loaded.environment,
          services: args.positionals.length > 0 ? args.positionals : undefined,
          removeOrphans: Boolean(args.values["remove-orphans"]),
        }),
      })),
    );
    if (args.values.json) {
      // Operations and warnings only: the desired specs would carry environment values.
      const out = plans.map(({ node, plan }) => ({
        ...(node ? { node } : {}),
        project: plan.project,
        operations: plan.operations,
        warnings: plan.warnings,
      }));
      process.stdout.write(JSON.stringify(out.length === 1 ? out[0] : out, null, 2) + "\n");
    } else {
      const color = useColor();
      for (const { node, plan } of plans) {
        if (node) process.stdout.write(`# node ${node}\n`);
        process.stdout.write(formatPlan(plan, { color }));
      }
    }
    return plans.some(({ plan }) => planHasChanges(plan)) ? EXIT.CHANGES_PENDING : EXIT.OK;
  },
};
export default command;
