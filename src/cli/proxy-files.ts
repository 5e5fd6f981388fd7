/**
 * Generating and writing the proxy files for a resolved cluster: the local node's (or `node`'s)
 * into DIR, or every online node's into DIR/<node>/. Shared by `c2ts proxy` (once or `--watch`)
 * and the refresh after a swarm deploy, so all of them write the same files the same way.
 */
import { join } from "node:path";
import type { Project } from "../compose/model.js";
import type { ResolvedCluster } from "../cluster/resolve.js";
import type { WrittenFile } from "../proxy/write.js";

export interface ProxyFilesOptions {
  outDir: string;
  node?: string;
  allNodes?: boolean;
  /** Group that may read haproxy.cfg (see secretFileAccess). */
  gid?: number;
}

/** Writes atomically; a file whose content is unchanged is left alone (`changed: false`). */
export async function writeProxyFiles(
  project: Project,
  cluster: ResolvedCluster,
  o: ProxyFilesOptions,
): Promise<{ files: Record<string, WrittenFile>; warnings: string[] }> {
  const generate = await import("../proxy/generate.js");
  const write = await import("../proxy/write.js");
  if (o.allNodes) {
    const all = generate.generateProxyConfigsForNodes(project, cluster);
    const written = await write.writeNodesProxyOutputs(o.outDir, all.nodes, { gid: o.gid });
    const files = Object.fromEntries(
      Object.entries(written).flatMap(([n, f]) => Object.entries(f).map(([kind, w]) => [join(n, kind), w])),
    );
    return { files, warnings: all.warnings };
  }
  const output = generate.generateProxyConfig(project, cluster, { node: o.node });
  return { files: await write.writeProxyOutputs(o.outDir, output, { gid: o.gid }), warnings: output.warnings };
}
