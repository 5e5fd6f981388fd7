import { CLUSTER_OPTIONS, resolveClusterFor } from "../cluster-context.js";
import type { Command } from "../main.js";
import { paint, useColor, warn } from "../output.js";
import { loadFromArgs, PROJECT_OPTIONS } from "../project-options.js";

const ENGINE_TIMEOUT_MS = 3000;

const command: Command = {
  spec: {
    name: "nodes",
    summary: "List the cluster's nodes: address, online, tier, engine reachable, services placed there.",
    usage: "c2ts nodes [-f FILE | --stack FILE.ts] [--cluster FILE.ts] [--json]",
    options: { ...PROJECT_OPTIONS, ...CLUSTER_OPTIONS, json: { type: "boolean", description: "Machine-readable output" } },
  },
  async run(args) {
    const { project } = await loadFromArgs(args, { preferStack: true });
    const cluster = await resolveClusterFor(args, project);
    for (const w of cluster.warnings) warn(w);
    const { connectEngine } = await import("../../runtime/engine.js");
    const rows = await Promise.all(
      cluster.nodes.map(async (node) => {
        const reachable = node.online ? await engineAnswers(connectEngine, node.engine) : false;
        const services = Object.entries(cluster.placement)
          .filter(([, nodes]) => nodes.includes(node.name))
          .map(([service]) => service)
          .sort();
        return { name: node.name, ip: node.ip, online: node.online, tier: node.tier ?? null, local: node.local, engine: node.engine, engineReachable: reachable, services };
      }),
    );
    if (args.values.json) {
      process.stdout.write(JSON.stringify({ domain: cluster.domain, localNode: cluster.localNode, nodes: rows }, null, 2) + "\n");
      return 0;
    }
    const color = useColor();
    const table = [["NODE", "IP", "ONLINE", "TIER", "ENGINE", "SERVICES"]];
    for (const r of rows) {
      table.push([
        r.name + (r.local ? " (local)" : ""),
        r.ip,
        r.online ? "yes" : "no",
        r.tier ?? "-",
        r.engineReachable ? "reachable" : "unreachable",
        r.services.join(",") || "-",
      ]);
    }
    const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
    for (const [i, row] of table.entries()) {
      const line = row.map((cell, c) => cell.padEnd(widths[c]!)).join("  ").trimEnd();
      process.stdout.write((i === 0 ? paint("bold", line, color) : line) + "\n");
    }
    return 0;
  },
};

async function engineAnswers(connect: (host?: string) => Promise<{ apiVersion(): Promise<string>; close(): void }>, host: string): Promise<boolean> {
  let engine: { apiVersion(): Promise<string>; close(): void } | undefined;
  try {
    engine = await connect(host);
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timeout")), ENGINE_TIMEOUT_MS).unref());
    await Promise.race([engine.apiVersion(), timeout]);
    return true;
  } catch {
    return false;
  } finally {
    engine?.close();
  }
}
export default command;
