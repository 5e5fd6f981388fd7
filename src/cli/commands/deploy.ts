import { stringValue } from "../args.js";
import { UsageError } from "../errors.js";
import type { Command } from "../main.js";
import { warn } from "../output.js";
import { loadFromArgs, PROJECT_OPTIONS } from "../project-options.js";
import { createProgress, exitCodeFor, forEachTarget, interruptSignal } from "../runtime-options.js";
import { NODE_OPTIONS, resolveTargetsInCluster } from "../targets.js";
import { swarmDeploy, swarmTarget } from "../swarm.js";
import type { ResolvedCluster } from "../../cluster/resolve.js";
import type { Project } from "../../compose/model.js";
import type { Target } from "../targets.js";

const command: Command = {
  spec: {
    name: "deploy",
    summary: "Converge the Docker engine to the stack: networks, volumes, images, containers in dependency order.",
    usage:
      "c2ts deploy [--stack FILE.ts | -f FILE] [SERVICE...] [--build] [--pull always|missing|never] [--remove-orphans] [--no-wait] [--no-probe] [--timeout SECONDS] [--json] [--node NAME | --all-nodes]",
    positionals: true,
    options: {
      ...PROJECT_OPTIONS,
      build: { type: "boolean", description: "Build images before starting containers" },
      pull: {
        type: "string",
        value: "POLICY",
        description: "Pull images: always, missing or never (default: each service's pull_policy)",
      },
      "remove-orphans": { type: "boolean", description: "Remove containers of services no longer in the stack" },
      "force-recreate": { type: "boolean", description: "Recreate containers even if nothing changed" },
      "no-wait": { type: "boolean", description: "Do not wait for services to be running/healthy" },
      "no-probe": {
        type: "boolean",
        description:
          "Release dependents on the engine's health status only, not on c2ts running the healthcheck test itself (also x-c2ts: {readiness_probe: false})",
      },
      timeout: {
        type: "string",
        value: "SECONDS",
        description:
          "Time limit for the whole deploy, waits included (default: 300 s for what follows pulls and builds)",
      },
      json: { type: "boolean", description: "NDJSON events and a final summary on stdout" },
      ...NODE_OPTIONS,
    },
  },
  async run(args) {
    const pull = stringValue(args.values.pull);
    if (pull !== undefined && !["always", "missing", "never"].includes(pull)) {
      throw new UsageError(`deploy: --pull must be always, missing or never (got "${pull}")`);
    }
    const timeout = stringValue(args.values.timeout);
    const timeoutSeconds = timeout === undefined ? undefined : Number(timeout);
    if (timeoutSeconds !== undefined && !(timeoutSeconds > 0))
      throw new UsageError(`deploy: --timeout must be a positive number of seconds`);

    const loaded = await loadFromArgs(args, { preferStack: true });
    const swarm = await swarmTarget(args, loaded.project);
    if (swarm)
      return swarmDeploy(args, loaded, swarm, {
        timeoutMs: timeoutSeconds === undefined ? undefined : timeoutSeconds * 1000,
      });
    const { targets, cluster } = await resolveTargetsInCluster(args, loaded);
    // Checked before deploying: a bad $C2TS_PROXY_GROUP must not surface after the engines changed.
    const proxyGid = cluster ? (await import("../file-group.js")).proxyFileGroup(undefined) : undefined;
    const { deploy } = await import("../../runtime/index.js");
    const renderer = await createProgress(Boolean(args.values.json));
    const interrupt = interruptSignal();
    try {
      const { result, failedNodes } = await forEachTarget(targets, renderer, async (target, onEvent) => {
        const { result } = await deploy(target.project, {
          host: target.host,
          workingDir: loaded.workingDir,
          configFiles: loaded.configFiles,
          environment: loaded.environment,
          services: args.positionals.length > 0 ? args.positionals : undefined,
          build: args.values.build ? "always" : "auto",
          pull: pull as "always" | "missing" | "never" | undefined,
          removeOrphans: Boolean(args.values["remove-orphans"]),
          recreate: args.values["force-recreate"] ? "force" : "diverged",
          wait: !args.values["no-wait"],
          probe: !args.values["no-probe"],
          waitTimeoutMs: timeoutSeconds === undefined ? undefined : timeoutSeconds * 1000,
          onEvent,
          signal: interrupt.signal,
        });
        return result;
      });
      renderer.finish(result);
      if (failedNodes.length > 0) warn(`deploy failed on node(s): ${failedNodes.join(", ")}`);
      let deliveryFailed = false;
      if (cluster && result.ok) {
        await refreshProxyConfig(cluster, loaded.project, proxyGid);
        deliveryFailed = !(await deliverTraefikConfigs(cluster, loaded.project, targets));
      }
      const code = exitCodeFor(result);
      return code === 0 && deliveryFailed ? 1 : code;
    } finally {
      interrupt.dispose();
    }
  },
};

/** After a cluster deploy, regenerate the Traefik/HAProxy files so routes follow placement. */
async function refreshProxyConfig(cluster: ResolvedCluster, project: Project, gid: number | undefined): Promise<void> {
  const { generateProxyConfig } = await import("../../proxy/generate.js");
  const { writeProxyOutputs } = await import("../../proxy/write.js");
  const output = generateProxyConfig(project, cluster);
  const written = await writeProxyOutputs(cluster.proxy.outDir, output, { gid });
  for (const f of Object.values(written)) if (f.changed) process.stderr.write(`proxy config updated: ${f.path}\n`);
}
/**
 * Gives every deployed node's Traefik its own failover file (its local instance first), through that
 * node's engine. Nodes without a Traefik container are reported; false when a delivery failed.
 */
async function deliverTraefikConfigs(cluster: ResolvedCluster, project: Project, targets: Target[]): Promise<boolean> {
  const { generateProxyConfig } = await import("../../proxy/generate.js");
  const { deliverTraefikFiles } = await import("../../proxy/deliver.js");
  const { connectEngine } = await import("../../runtime/engine.js");
  const files = targets
    .filter((t): t is Target & { node: string; host: string } => t.node !== undefined && t.host !== undefined)
    .map((t) => ({
      node: t.node,
      host: t.host,
      yaml: generateProxyConfig(project, cluster, { node: t.node }).traefikYaml,
    }));
  let ok = true;
  for (const { node, delivery } of await deliverTraefikFiles(files, connectEngine)) {
    if (delivery.status === "delivered") {
      process.stderr.write(`traefik config delivered to ${node}: ${delivery.container}:${delivery.path}\n`);
    } else if (delivery.status === "no-traefik") {
      warn(`node ${node}: ${delivery.reason}; its Traefik failover file was not delivered`);
    } else {
      ok = false;
      warn(`node ${node}: delivering the Traefik failover file failed: ${delivery.reason}`);
    }
  }
  return ok;
}
export default command;
