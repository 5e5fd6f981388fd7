/**
 * `c2ts proxy --watch` on the command line: polls the swarm (src/swarm/placement-watch.ts) and
 * rewrites the proxy files through the same writer as `c2ts proxy`, one line per rewrite, until
 * SIGINT or SIGTERM. HAProxy and Traefik reloads stay the operator's (Traefik's file provider
 * watches the file by itself).
 */
import type { Project } from "../compose/model.js";
import type { ResolvedCluster } from "../cluster/resolve.js";
import { EXIT } from "./errors.js";
import { warn } from "./output.js";
import { writeProxyFiles, type ProxyFilesOptions } from "./proxy-files.js";
import { withServingPlacement, type SwarmTarget } from "./swarm.js";

/** A manager that has not answered within this is given up on for this poll. */
const POLL_TIMEOUT_MS = 5000;

export async function watchSwarmProxy(
  project: Project,
  target: SwarmTarget,
  cluster: ResolvedCluster,
  files: ProxyFilesOptions,
  o: { intervalMs: number; json: boolean },
): Promise<number> {
  const [{ watchServingPlacement, describePlacementChange }, { servingNodesAt }] = await Promise.all([
    import("../swarm/placement-watch.js"),
    import("../swarm/index.js"),
  ]);
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const stamp = () => new Date().toISOString();
  let shownWarnings = "";
  try {
    process.stderr.write(
      `${stamp()} watching swarm tasks of "${project.name}" every ${o.intervalMs / 1000}s (Ctrl-C stops)\n`,
    );
    await watchServingPlacement({
      managers: () => target.engines(),
      read: (host) => servingNodesAt(host, project.name, POLL_TIMEOUT_MS),
      signal: stop.signal,
      intervalMs: o.intervalMs,
      onNotice: (message) => warn(`${stamp()} ${message}`),
      async onChange(placement, previous) {
        const written = await writeProxyFiles(project, withServingPlacement(cluster, placement), files);
        const warnings = written.warnings.join("\n");
        if (warnings !== shownWarnings) for (const w of written.warnings) warn(w);
        shownWarnings = warnings;
        const changed = Object.values(written.files)
          .filter((f) => f.changed)
          .map((f) => f.path);
        if (o.json) {
          process.stdout.write(JSON.stringify({ time: stamp(), placement, changed }) + "\n");
          return;
        }
        const what = describePlacementChange(previous, placement).join("; ") || "no service";
        const action = changed.length ? `wrote ${changed.join(", ")}` : "files already up to date";
        process.stdout.write(`${stamp()} ${previous ? "placement changed" : "serving"}: ${what}; ${action}\n`);
      },
    });
    process.stderr.write(`${stamp()} stopped watching\n`);
    return EXIT.OK;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
