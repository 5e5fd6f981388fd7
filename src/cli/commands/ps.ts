import type { Command } from "../main.js";
import { paint, useColor } from "../output.js";
import { loadFromArgs, PROJECT_OPTIONS } from "../project-options.js";
import { NODE_OPTIONS, resolveTargets } from "../targets.js";
import { swarmPs, swarmTarget } from "../swarm.js";

const command: Command = {
  spec: {
    name: "ps",
    summary:
      "List the stack's containers with their state and health. With orchestrator: \"swarm\", the stack's tasks (--node NAME: those Swarm placed on that node).",
    usage: "c2ts ps [--stack FILE.ts | -f FILE] [--json] [--node NAME | --all-nodes]",
    options: { ...PROJECT_OPTIONS, json: { type: "boolean", description: "Machine-readable output" }, ...NODE_OPTIONS },
  },
  async run(args) {
    const loaded = await loadFromArgs(args, { preferStack: true });
    const swarm = await swarmTarget(args, loaded.project);
    if (swarm) return swarmPs(args, loaded, swarm);
    const targets = await resolveTargets(args, loaded);
    const { ps } = await import("../../runtime/index.js");
    const rows = (
      await Promise.all(
        targets.map(async (t) =>
          (await ps(t.project, { host: t.host })).map((entry) => ({ ...(t.node ? { node: t.node } : {}), ...entry })),
        ),
      )
    ).flat();
    if (args.values.json) {
      process.stdout.write(JSON.stringify(rows, null, 2) + "\n");
      return 0;
    }
    const multi = targets.some((t) => t.node);
    const table = [[...(multi ? ["NODE"] : []), "NAME", "SERVICE", "STATE", "HEALTH", "IMAGE"]];
    for (const r of rows) {
      const state = r.state === "exited" && r.exitCode !== undefined ? `exited (${r.exitCode})` : r.state;
      table.push([
        ...(multi ? [(r as { node?: string }).node ?? ""] : []),
        r.name,
        r.service,
        state,
        r.health ?? "-",
        r.image,
      ]);
    }
    const color = useColor();
    const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
    for (const [i, row] of table.entries()) {
      const line = row
        .map((cell, c) => cell.padEnd(widths[c]!))
        .join("  ")
        .trimEnd();
      process.stdout.write((i === 0 ? paint("bold", line, color) : line) + "\n");
    }
    return 0;
  },
};
export default command;
