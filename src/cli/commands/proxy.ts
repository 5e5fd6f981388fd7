import { join, resolve } from "node:path";
import { stringValue } from "../args.js";
import { CLUSTER_OPTIONS, resolveClusterFor } from "../cluster-context.js";
import { UsageError } from "../errors.js";
import type { Command } from "../main.js";
import { warn } from "../output.js";
import { assertOutputDirectory } from "../output-dir.js";
import { proxyFileGroup } from "../file-group.js";
import { loadFromArgs, PROJECT_OPTIONS } from "../project-options.js";

const command: Command = {
  spec: {
    name: "proxy",
    summary:
      "Generate Traefik dynamic config (<service>.<node>.<domain> pinned, <service>.<domain> with failover) and HAProxy L4 config.",
    usage: "c2ts proxy [-f FILE | --stack FILE.ts] [--domain D] [--out DIR] [--node NAME | --all-nodes] [--json]",
    options: {
      ...PROJECT_OPTIONS,
      ...CLUSTER_OPTIONS,
      out: { type: "string", value: "DIR", description: "Output directory (default: the definition's, else ./proxy)" },
      node: { type: "string", value: "NAME", description: "Generate for this node's proxies (default: the local node)" },
      "all-nodes": {
        type: "boolean",
        description: "Generate every online node's files, each into DIR/<node>/ (its own instance first)",
      },
      group: {
        type: "string",
        value: "GROUP",
        description: "haproxy.cfg (it may hold a Redis password) is 0640 with this group instead of 0600 (default $C2TS_PROXY_GROUP)",
      },
      json: { type: "boolean", description: "Print what was written as JSON" },
    },
  },
  async run(args) {
    const node = stringValue(args.values.node);
    const allNodes = Boolean(args.values["all-nodes"]);
    if (node !== undefined && allNodes) throw new UsageError("proxy: use either --node or --all-nodes, not both");
    const out = stringValue(args.values.out);
    if (out !== undefined) assertOutputDirectory(out, "--out");
    const gid = proxyFileGroup(stringValue(args.values.group));
    const { project } = await loadFromArgs(args, { preferStack: true });
    const cluster = await resolveClusterFor(args, project);
    const generate = await import("../../proxy/generate.js");
    const write = await import("../../proxy/write.js");
    const outDir = resolve(out ?? cluster.proxy.outDir);

    let files: Record<string, { path: string; changed: boolean }>;
    let warnings: string[];
    if (allNodes) {
      const all = generate.generateProxyConfigsForNodes(project, cluster);
      warnings = all.warnings;
      for (const w of warnings) warn(w);
      const written = await write.writeNodesProxyOutputs(outDir, all.nodes, { gid });
      files = Object.fromEntries(
        Object.entries(written).flatMap(([n, f]) => Object.entries(f).map(([kind, w]) => [join(n, kind), w])),
      );
    } else {
      if (node !== undefined) {
        const { assertKnownNode } = await import("../targets.js");
        assertKnownNode(cluster, node);
      }
      const output = generate.generateProxyConfig(project, cluster, { node });
      warnings = output.warnings;
      for (const w of warnings) warn(w);
      files = await write.writeProxyOutputs(outDir, output, { gid });
    }
    if (args.values.json) {
      process.stdout.write(JSON.stringify({ outDir, files, warnings }, null, 2) + "\n");
    } else {
      for (const f of Object.values(files)) process.stdout.write(`${f.changed ? "wrote" : "unchanged"} ${f.path}\n`);
    }
    return 0;
  },
};
export default command;
