/**
 * Writes generated proxy files so a watching proxy never reads half a file: each is written to a
 * temporary file in the same directory, flushed, then renamed over the target (rename is atomic
 * within a filesystem). Unchanged files are left alone so Traefik's file watcher and HAProxy
 * reload hooks do not fire for nothing.
 */
import { randomBytes } from "node:crypto";
import { chmod, mkdir, open, readFile, rename, stat, unlink } from "node:fs/promises";
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

/** Permissions of generated files: world-readable, or owner-only when the file holds a secret. */
export const PUBLIC_FILE_MODE = 0o644;
export const SECRET_FILE_MODE = 0o600;

/**
 * Replaces `path` with `content` atomically, with permissions `mode` (the temporary file has them
 * from its creation, so a secret is never readable by others); returns whether the content changed.
 */
export async function writeFileAtomic(path: string, content: string, mode = PUBLIC_FILE_MODE): Promise<boolean> {
  const current = await readFile(path, "utf8").catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") return undefined;
    throw e;
  });
  if (current === content) {
    if (((await stat(path)).mode & 0o777) !== mode) await chmod(path, mode);
    return false;
  }
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    const handle = await open(tmp, "wx", mode & 0o600);
    try {
      // The umask may have narrowed the creation mode; set exactly what was asked.
      await handle.chmod(mode);
      await handle.writeFile(content, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  return true;
}

/**
 * Writes `<outDir>/traefik/dynamic/failover-fallbacks.yaml` and `<outDir>/haproxy/haproxy.cfg`
 * (mode 0600 when it holds a secret). The Traefik YAML is checked against the file-provider schema
 * first; nothing is written if it fails.
 */
export async function writeProxyOutputs(
  outDir: string,
  outputs: { traefikYaml: string; haproxyCfg: string; haproxyHasSecrets?: boolean },
): Promise<{ traefik: WrittenFile; haproxy: WrittenFile }> {
  assertValidTraefikConfig(parse(outputs.traefikYaml));
  const traefikPath = join(outDir, PROXY_OUTPUT_FILES.traefik);
  const haproxyPath = join(outDir, PROXY_OUTPUT_FILES.haproxy);
  const traefikChanged = await writeFileAtomic(traefikPath, outputs.traefikYaml);
  const haproxyChanged = await writeFileAtomic(
    haproxyPath,
    outputs.haproxyCfg,
    outputs.haproxyHasSecrets ? SECRET_FILE_MODE : PUBLIC_FILE_MODE,
  );
  return {
    traefik: { path: traefikPath, changed: traefikChanged },
    haproxy: { path: haproxyPath, changed: haproxyChanged },
  };
}

/** `<outDir>/<node>/…` for every node: each node's files, from its own point of view. */
export async function writeNodesProxyOutputs(
  outDir: string,
  nodes: { node: string; config: { traefikYaml: string; haproxyCfg: string; haproxyHasSecrets?: boolean } }[],
): Promise<Record<string, { traefik: WrittenFile; haproxy: WrittenFile }>> {
  // Validate every node's file before writing any, so a bad one leaves nothing half-written.
  for (const n of nodes) assertValidTraefikConfig(parse(n.config.traefikYaml));
  const written: Record<string, { traefik: WrittenFile; haproxy: WrittenFile }> = {};
  for (const n of nodes) written[n.node] = await writeProxyOutputs(join(outDir, n.node), n.config);
  return written;
}
