import { resolve } from "node:path";
import { stringValue } from "../args.js";
import { CLUSTER_OPTIONS, resolveClusterFor } from "../cluster-context.js";
import { UsageError } from "../errors.js";
import type { Command } from "../main.js";
import { warn } from "../output.js";
import { assertOutputDirectory } from "../output-dir.js";
import { proxyFileGroup } from "../file-group.js";
import { loadFromArgs, PROJECT_OPTIONS } from "../project-options.js";
import { writeProxyFiles } from "../proxy-files.js";
import { swarmServingCluster, swarmTarget } from "../swarm.js";

const command: Command = {
  spec: {
    name: "proxy",
    summary:
      "Generate Traefik dynamic config (<service>.<node>.<domain> pinned, <service>.<domain> with failover) and HAProxy L4 config. " +
      'With orchestrator: "swarm" the servers are the nodes that can answer: those running a task for host-mode ports, ' +
      "every swarm node for ingress ports. --watch keeps following Swarm as tasks move; reload HAProxy after each " +
      "rewrite yourself: SIGUSR2 to an HAProxy run master-worker (-W; `systemctl reload haproxy`) loses no connection, " +
      "haproxy -sf <old pid> also works.",
    usage:
      "c2ts proxy [-f FILE | --stack FILE.ts] [--domain D] [--out DIR] [--node NAME | --all-nodes] [--watch [--interval S]] [--json]",
    options: {
      ...PROJECT_OPTIONS,
      ...CLUSTER_OPTIONS,
      out: { type: "string", value: "DIR", description: "Output directory (default: the definition's, else ./proxy)" },
      node: {
        type: "string",
        value: "NAME",
        description: "Generate for this node's proxies (default: the local node)",
      },
      "all-nodes": {
        type: "boolean",
        description: "Generate every online node's files, each into DIR/<node>/ (its own instance first)",
      },
      group: {
        type: "string",
        value: "GROUP",
        description:
          "haproxy.cfg (it may hold a Redis password) is 0640 with this group instead of 0600 (default $C2TS_PROXY_GROUP)",
      },
      watch: {
        type: "boolean",
        description:
          "Swarm only: keep running, poll a manager's tasks and nodes, rewrite the files when the serving nodes change (a line each time); stops on Ctrl-C/SIGTERM",
      },
      interval: { type: "string", value: "S", description: "With --watch: seconds between polls (default 2)" },
      json: {
        type: "boolean",
        description: "Print what was written as JSON (with --watch: one JSON line per rewrite)",
      },
    },
  },
  async run(args) {
    const node = stringValue(args.values.node);
    const allNodes = Boolean(args.values["all-nodes"]);
    if (node !== undefined && allNodes) throw new UsageError("proxy: use either --node or --all-nodes, not both");
    const watch = Boolean(args.values.watch);
    const intervalArg = stringValue(args.values.interval);
    const intervalS = intervalArg === undefined ? 2 : Number(intervalArg);
    if (intervalArg !== undefined && !watch) throw new UsageError("proxy: --interval only applies with --watch");
    if (!(Number.isFinite(intervalS) && intervalS >= 0.1 && intervalS <= 3600))
      throw new UsageError("proxy: --interval must be a number of seconds between 0.1 and 3600");
    const out = stringValue(args.values.out);
    if (out !== undefined) assertOutputDirectory(out, "--out");
    const gid = proxyFileGroup(stringValue(args.values.group));
    const { project } = await loadFromArgs(args, { preferStack: true });
    const swarm = await swarmTarget(args, project);
    if (watch && !swarm)
      throw new UsageError(
        'proxy: --watch follows Swarm\'s tasks; it needs orchestrator: "swarm" in the cluster definition',
      );
    const cluster = swarm ? await swarm.cluster() : await resolveClusterFor(args, project);
    if (node !== undefined) {
      const { assertKnownNode } = await import("../targets.js");
      assertKnownNode(cluster, node);
    }
    const files = { outDir: resolve(out ?? cluster.proxy.outDir), node, allNodes, gid };
    if (swarm && watch) {
      const { watchSwarmProxy } = await import("../proxy-watch.js");
      return watchSwarmProxy(project, swarm, cluster, files, {
        intervalMs: intervalS * 1000,
        json: Boolean(args.values.json),
      });
    }
    const serving = swarm ? await swarmServingCluster(project, swarm) : cluster;
    const written = await writeProxyFiles(project, serving, files);
    for (const w of written.warnings) warn(w);
    if (args.values.json) {
      process.stdout.write(JSON.stringify({ outDir: files.outDir, ...written }, null, 2) + "\n");
    } else {
      for (const f of Object.values(written.files))
        process.stdout.write(`${f.changed ? "wrote" : "unchanged"} ${f.path}\n`);
    }
    return 0;
  },
};
export default command;
