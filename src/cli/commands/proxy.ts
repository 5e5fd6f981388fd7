import { resolve } from "node:path";
import { stringValue } from "../args.js";
import { CLUSTER_OPTIONS, resolveClusterFor } from "../cluster-context.js";
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
    usage: "c2ts proxy [-f FILE | --stack FILE.ts] [--domain D] [--out DIR] [--node NAME] [--json]",
    options: {
      ...PROJECT_OPTIONS,
      ...CLUSTER_OPTIONS,
      out: { type: "string", value: "DIR", description: "Output directory (default: the definition's, else ./proxy)" },
      node: { type: "string", value: "NAME", description: "Generate for this node's proxies (default: the local node)" },
      group: {
        type: "string",
        value: "GROUP",
        description: "haproxy.cfg (it may hold a Redis password) is 0640 with this group instead of 0600 (default $C2TS_PROXY_GROUP)",
      },
      json: { type: "boolean", description: "Print what was written as JSON" },
    },
  },
  async run(args) {
    const out = stringValue(args.values.out);
    if (out !== undefined) assertOutputDirectory(out, "--out");
    const gid = proxyFileGroup(stringValue(args.values.group));
    const { project } = await loadFromArgs(args, { preferStack: true });
    const cluster = await resolveClusterFor(args, project);
    const { generateProxyConfig } = await import("../../proxy/generate.js");
    const { writeProxyOutputs } = await import("../../proxy/write.js");
    const node = stringValue(args.values.node);
    if (node !== undefined) {
      const { assertKnownNode } = await import("../targets.js");
      assertKnownNode(cluster, node);
    }
    const output = generateProxyConfig(project, cluster, { node });
    for (const w of output.warnings) warn(w);
    const outDir = resolve(stringValue(args.values.out) ?? cluster.proxy.outDir);
    const written = await writeProxyOutputs(outDir, output, { gid });
    if (args.values.json) {
      process.stdout.write(JSON.stringify({ outDir, files: written, warnings: output.warnings }, null, 2) + "\n");
    } else {
      for (const f of Object.values(written)) process.stdout.write(`${f.changed ? "wrote" : "unchanged"} ${f.path}\n`);
    }
    return 0;
  },
};
export default command;
