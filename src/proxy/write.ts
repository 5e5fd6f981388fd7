/**
 * Writes generated proxy files so a watching proxy never reads half a file: each is written to a
 * temporary file in the same directory, flushed, then renamed over the target (rename is atomic
 * within a filesystem). Unchanged files are left alone so Traefik's file watcher and HAProxy
 * reload hooks do not fire for nothing.
 *
 * haproxy.cfg can hold a Redis AUTH password, so it is never world-readable: mode 0600, or 0640
 * with the group the user names (the group HAProxy runs as). An existing file with a wider mode is
 * narrowed even when its content did not change.
 */
import { randomBytes } from "node:crypto";
import { chmod, chown, mkdir, open, readFile, rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { parse } from "yaml";
import { assertValidTraefikConfig } from "./traefik-schema.js";

/** Paths of the generated files, relative to the proxy output directory. */
export const PROXY_OUTPUT_FILES = {
  traefik: "traefik/dynamic/failover-fallbacks.yaml",
  haproxy: "haproxy/haproxy.cfg",
} as const;

export interface WrittenFile {
  path: string;
  changed: boolean;
}

/** Who may read a written file: `mode` always; `gid`, when set, becomes the file's group. */
export interface FileAccess {
  mode: number;
  gid?: number;
}

/** For files that may hold secrets: owner only, or owner and the named group. */
export function secretFileAccess(gid?: number): FileAccess {
  return gid === undefined ? { mode: 0o600 } : { mode: 0o640, gid };
}

/**
 * Replaces `path` with `content` atomically; returns whether the content changed. With `access`,
 * the file gets that mode (and group) before it appears, and an unchanged file is narrowed to it.
 */
export async function writeFileAtomic(path: string, content: string, access?: FileAccess): Promise<boolean> {
  const current = await readFile(path, "utf8").catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") return undefined;
    throw e;
  });
  if (current === content) {
    if (access) await applyAccess(path, access);
    return false;
  }
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    // Created with the narrow mode, so the content is never readable by others, not even briefly.
    const handle = await open(tmp, "wx", access?.mode ?? 0o666);
    try {
      await handle.writeFile(content, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (access) await applyAccess(tmp, access);
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  return true;
}

async function applyAccess(path: string, access: FileAccess): Promise<void> {
  if (access.gid !== undefined) {
    const info = await stat(path);
    if (info.gid !== access.gid) await chown(path, info.uid, access.gid);
  }
  await chmod(path, access.mode);
}

/**
 * Writes `<outDir>/traefik/dynamic/failover-fallbacks.yaml` and `<outDir>/haproxy/haproxy.cfg`
 * (the latter with `secretFileAccess(options.gid)`: it may hold a Redis password).
 * The Traefik YAML is checked against the file-provider schema first; nothing is written if it fails.
 */
export async function writeProxyOutputs(
  outDir: string,
  outputs: { traefikYaml: string; haproxyCfg: string },
  options: { gid?: number } = {},
): Promise<{ traefik: WrittenFile; haproxy: WrittenFile }> {
  assertValidTraefikConfig(parse(outputs.traefikYaml));
  const traefikPath = join(outDir, PROXY_OUTPUT_FILES.traefik);
  const haproxyPath = join(outDir, PROXY_OUTPUT_FILES.haproxy);
  const traefikChanged = await writeFileAtomic(traefikPath, outputs.traefikYaml);
  const haproxyChanged = await writeFileAtomic(haproxyPath, outputs.haproxyCfg, secretFileAccess(options.gid));
  return {
    traefik: { path: traefikPath, changed: traefikChanged },
    haproxy: { path: haproxyPath, changed: haproxyChanged },
  };
}

/** `<outDir>/<node>/…` for every node: each node's files, from its own point of view. */
export async function writeNodesProxyOutputs(
  outDir: string,
  nodes: { node: string; config: { traefikYaml: string; haproxyCfg: string } }[],
  options: { gid?: number } = {},
): Promise<Record<string, { traefik: WrittenFile; haproxy: WrittenFile }>> {
  // Validate every node's file before writing any, so a bad one leaves nothing half-written.
  for (const n of nodes) assertValidTraefikConfig(parse(n.config.traefikYaml));
  const written: Record<string, { traefik: WrittenFile; haproxy: WrittenFile }> = {};
  for (const n of nodes) written[n.node] = await writeProxyOutputs(join(outDir, n.node), n.config, options);
  return written;
}
