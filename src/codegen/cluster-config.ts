/**
 * The cluster definition `c2ts import` creates beside the generated stack, once: sensible defaults
 * (every machine of the tailnet runs every service) that `c2ts nodes`, `c2ts proxy` and
 * `deploy --all-nodes` use as they are. It is the user's file from then on: an existing one is
 * never overwritten, not even with --force.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { CLUSTER_CONFIG_FILE } from "../cluster/config-file.js";

export const CLUSTER_CONFIG_TEMPLATE = `// Where this stack runs: the cluster for \`c2ts nodes\`, \`c2ts proxy\` and \`c2ts deploy --all-nodes\`.
// Created once by \`c2ts import\`; it is yours to edit, and import never overwrites it.
import { defineCluster } from "c2ts";

export default defineCluster({
  // <service>.<node>.<domain> reaches one node's instance; <service>.<domain> any healthy one.
  domain: "home.arpa",
  // Every machine of the tailnet (\`tailscale status --json\`); narrow with names/tags, or list
  // the nodes yourself: [{ name: "nas", address: "100.64.0.1", tier: "core" }, ...].
  nodes: { discover: "tailscale" },
  // Fallback preference of your tier names, most preferred first (tiers come from nodes.settings).
  tiers: [],
  // Restrict services to nodes, e.g. { jellyfin: ["nas"] }; by default every node runs every service.
  placement: {},
});
`;

/** Creates \`<dir>/c2ts.config.ts\` unless it exists; returns its path when it was created. */
export function createClusterConfig(dir: string): string | undefined {
  const file = join(dir, CLUSTER_CONFIG_FILE);
  try {
    writeFileSync(file, CLUSTER_CONFIG_TEMPLATE, { flag: "wx" });
    return file;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return undefined;
    throw e;
  }
}
