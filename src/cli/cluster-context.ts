/**
 * What the cluster commands share: the cluster definition (`c2ts.config.ts` when present, else
 * "every online Tailscale node runs everything"), Tailscale discovery when the definition asks
 * for it, and the resolved cluster for a project.
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { CLUSTER_CONFIG_FILE } from "../cluster/config-file.js";
import type { ClusterDefinition } from "../cluster/define.js";
import type { ResolvedCluster } from "../cluster/resolve.js";
import type { TailscaleStatus } from "../cluster/tailscale.js";
import { UserError } from "../compose/errors.js";
import type { Project } from "../compose/model.js";
import { stringList, stringValue, type OptionSpec, type ParsedArgs } from "./args.js";
import { DEFAULT_STACK } from "./project-options.js";

export const CLUSTER_OPTIONS: Record<string, OptionSpec> = {
  cluster: {
    type: "string",
    value: "FILE.ts",
    description: `Cluster definition (default ./${CLUSTER_CONFIG_FILE}, else the one beside the stack)`,
  },
  domain: {
    type: "string",
    value: "DOMAIN",
    description: "Domain for <service>.<node>.<domain> (overrides the definition)",
  },
};

/**
 * `--cluster`, else `c2ts.config.ts` in the current directory, else the one `c2ts import` created
 * beside the TypeScript stack (`--stack`, default generated/services.ts).
 */
export function clusterConfigFile(args: ParsedArgs): string | undefined {
  const explicit = stringValue(args.values.cluster);
  if (explicit) return resolve(explicit);
  const candidates = [resolve(CLUSTER_CONFIG_FILE)];
  if (stringList(args.values.file).length === 0)
    candidates.push(join(dirname(resolve(stringValue(args.values.stack) ?? DEFAULT_STACK)), CLUSTER_CONFIG_FILE));
  return candidates.find((f) => existsSync(f));
}

export async function loadClusterDefinition(
  args: ParsedArgs,
): Promise<{ definition: ClusterDefinition; file?: string }> {
  const file = clusterConfigFile(args);
  const domain = stringValue(args.values.domain);
  if (!file) {
    if (!domain) {
      throw new UserError(
        `no cluster definition (${CLUSTER_CONFIG_FILE}) found: pass --domain, or create one with defineCluster`,
      );
    }
    return { definition: { domain, nodes: { discover: "tailscale" } } };
  }
  const [{ evaluateStackModule }, { stackTimeoutMs }] = await Promise.all([
    import("../stack/load-module.js"),
    import("../stack/guard.js"),
  ]);
  const exports = await evaluateStackModule(file, {
    timeoutMs: stackTimeoutMs(stringValue(args.values["stack-timeout"])),
  });
  const definition = exports.default as ClusterDefinition | undefined;
  if (!definition || typeof definition !== "object") {
    throw new UserError("a cluster definition must `export default defineCluster({ ... })`", { location: { file } });
  }
  return { definition: domain ? { ...definition, domain } : definition, file };
}

/** Runs `tailscale status --json` only when the definition discovers nodes (or to learn which node is local). */
export async function discoverIfNeeded(definition: ClusterDefinition): Promise<TailscaleStatus | undefined> {
  const { isDiscovered } = await import("../cluster/define.js");
  if (!isDiscovered(definition.nodes) && definition.localNode) return undefined;
  const { discoverNodes } = await import("../cluster/tailscale.js");
  try {
    return await discoverNodes();
  } catch (e) {
    // A static cluster that names its local node works without Tailscale; otherwise the error stands.
    if (!isDiscovered(definition.nodes) && definition.localNode) return undefined;
    throw e;
  }
}

export async function resolveClusterFor(args: ParsedArgs, project: Project): Promise<ResolvedCluster> {
  const { definition } = await loadClusterDefinition(args);
  const discovered = await discoverIfNeeded(definition);
  const { resolveCluster } = await import("../cluster/resolve.js");
  return resolveCluster(definition, discovered, project);
}
