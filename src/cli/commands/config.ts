import type { Command } from "../main.js";
import { UsageError } from "../errors.js";
import { stringValue } from "../args.js";
import { loadFromArgs, PROJECT_OPTIONS } from "../project-options.js";

const command: Command = {
  spec: {
    name: "config",
    summary: "Print the canonical model of a stack, as `docker compose config` does.",
    usage: "c2ts config [-f FILE]... [--stack FILE.ts] [-p NAME] [--profile P]... [--env-file F] [--project-directory DIR] [--format yaml|json]",
    options: {
      ...PROJECT_OPTIONS,
      format: { type: "string", value: "yaml|json", description: "Output format (default yaml)" },
    },
  },
  async run(args) {
    const format = stringValue(args.values.format) ?? "yaml";
    if (format !== "yaml" && format !== "json") throw new UsageError(`config: unknown format "${format}" (use yaml or json)`);
    const { project } = await loadFromArgs(args);
    const { formatComposeJson, toComposeJson } = await import("../../compose/compose-json.js");
    const { pruneUnusedResources } = await import("../../compose/prune.js");
    // Like `docker compose config`, resources no enabled service uses are not printed.
    const pruned = pruneUnusedResources(project);
    if (format === "json") {
      process.stdout.write(formatComposeJson(pruned) + "\n");
    } else {
      const { stringify } = await import("yaml");
      process.stdout.write(stringify(toComposeJson(pruned), { aliasDuplicateObjects: false, lineWidth: 0 }));
    }
    return 0;
  },
};
export default command;
