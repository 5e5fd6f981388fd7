import { CLUSTER_OPTIONS, resolveClusterFor } from "../cluster-context.js";
import type { ResolvedCluster } from "../../cluster/resolve.js";
import { UsageError } from "../errors.js";
import type { Command } from "../main.js";
import { paint, useColor, warn } from "../output.js";
import { loadFromArgs, PROJECT_OPTIONS } from "../project-options.js";

const ENGINE_TIMEOUT_MS = 3000;

const command: Command = {
  spec: {
    name: "nodes",
    summary:
      "List the cluster's nodes: address, online, tier, engine reachable, services placed there (and swarm role, availability, state). `c2ts nodes join` makes every node a member of one swarm.",
    usage: "c2ts nodes [join] [-f FILE | --stack FILE.ts] [--cluster FILE.ts] [--json]",
    positionals: true,
    options: {
      ...PROJECT_OPTIONS,
      ...CLUSTER_OPTIONS,
      json: { type: "boolean", description: "Machine-readable output" },
    },
  },
  async run(args) {
    const { project } = await loadFromArgs(args, { preferStack: true });
    const cluster = await resolveClusterFor(args, project);
    for (const w of cluster.warnings) warn(w);
    if (args.positionals[0] === "join") return join(cluster, Boolean(args.values.json));
    if (args.positionals.length > 0)
      throw new UsageError(`nodes: unknown subcommand "${args.positionals[0]}" (only "join")`);
    const swarm = await swarmStatus(cluster);
    const { connectEngine } = await import("../../runtime/engine.js");
    const rows = await Promise.all(
      cluster.nodes.map(async (node) => {
        const reachable = node.online ? await engineAnswers(connectEngine, node.engine) : false;
        const services = Object.entries(cluster.placement)
          .filter(([, nodes]) => nodes.includes(node.name))
          .map(([service]) => service)
          .sort();
        return {
          name: node.name,
          ip: node.ip,
          online: node.online,
          tier: node.tier ?? null,
          local: node.local,
          engine: node.engine,
          engineReachable: reachable,
          services,
          ...(swarm ? { swarm: swarm[node.name] ?? null } : {}),
        };
      }),
    );
    if (args.values.json) {
      process.stdout.write(
        JSON.stringify({ domain: cluster.domain, localNode: cluster.localNode, nodes: rows }, null, 2) + "\n",
      );
      return 0;
    }
    const color = useColor();
    const table = [
      ["NODE", "IP", "ONLINE", "TIER", "ENGINE", ...(swarm ? ["ROLE", "AVAILABILITY", "STATE"] : []), "SERVICES"],
    ];
    for (const r of rows) {
      table.push([
        r.name + (r.local ? " (local)" : ""),
        r.ip,
        r.online ? "yes" : "no",
        r.tier ?? "-",
        r.engineReachable ? "reachable" : "unreachable",
        ...(swarm ? swarmCells(r.swarm) : []),
        r.services.join(",") || "-",
      ]);
    }
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

type NodeSwarmStatus = import("../../swarm/join.js").SwarmNodeStatus;

function swarmCells(s: NodeSwarmStatus | null | undefined): string[] {
  if (!s) return ["-", "-", "not in swarm"];
  return [s.role + (s.leader ? " (leader)" : ""), s.availability, s.state];
}

/** With `orchestrator: "swarm"`: each node's swarm role, availability and state, as the first reachable manager reports them. */
async function swarmStatus(cluster: ResolvedCluster): Promise<Record<string, NodeSwarmStatus> | undefined> {
  if (cluster.orchestrator !== "swarm") return undefined;
  const { nodesByPreference, swarmNodeStatus } = await import("../../swarm/join.js");
  const { connectManager } = await import("../../swarm/index.js");
  try {
    const hosts = nodesByPreference(cluster)
      .filter((n) => n.online)
      .map((n) => n.engine);
    const api = await connectManager({ host: hosts[0], managers: async () => hosts });
    try {
      return await swarmNodeStatus(api);
    } finally {
      api.close();
    }
  } catch (e) {
    warn((e as Error).message);
    return {};
  }
}

async function join(cluster: ResolvedCluster, json: boolean): Promise<number> {
  const { joinNodes } = await import("../../swarm/join.js");
  const { connectSwarm } = await import("../../swarm/api.js");
  const reports = await joinNodes(cluster, (host) => connectSwarm(host));
  if (json) process.stdout.write(JSON.stringify({ nodes: reports }, null, 2) + "\n");
  else {
    for (const r of reports) {
      const role = r.role ? ` (${r.role})` : "";
      process.stdout.write(`${r.node}: ${r.action}${role}${r.message ? ` — ${r.message}` : ""}\n`);
    }
  }
  return reports.some((r) => r.action === "failed" || r.action === "in another swarm") ? 1 : 0;
}

async function engineAnswers(
  connect: (host?: string) => Promise<{ apiVersion(): Promise<string>; close(): void }>,
  host: string,
): Promise<boolean> {
  let engine: { apiVersion(): Promise<string>; close(): void } | undefined;
  try {
    engine = await connect(host);
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error("timeout")), ENGINE_TIMEOUT_MS).unref(),
    );
    await Promise.race([engine.apiVersion(), timeout]);
    return true;
  } catch {
    return false;
  } finally {
    engine?.close();
  }
}
export default command;
