/**
 * Writes generated proxy files so a watching proxy never reads half a file: each is written to a
 * temporary file in the same directory, flushed, then renamed over the target (rename is atomic
 * within a filesystem). Unchanged files are left alone so Traefik's file watcher and HAProxy
 * reload hooks do not fire for nothing.
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, unlink } from "node:fs/promises";
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

/** Replaces `path` with `content` atomically; returns whether the content changed. */
export async function writeFileAtomic(path: string, content: string): Promise<boolean> {
  const current = await readFile(path, "utf8").catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") return undefined;
    throw e;
  });
  if (current === content) return false;
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    const handle = await open(tmp, "wx");
    try {
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
 * Writes `<outDir>/traefik/dynamic/failover-fallbacks.yaml` and `<outDir>/haproxy/haproxy.cfg`.
 * The Traefik YAML is checked against the file-provider schema first; nothing is written if it fails.
 */
export async function writeProxyOutputs(
  outDir: string,
  outputs: { traefikYaml: string; haproxyCfg: string },
): Promise<{ traefik: WrittenFile; haproxy: WrittenFile }> {
  assertValidTraefikConfig(parse(outputs.traefikYaml));
  const traefikPath = join(outDir, PROXY_OUTPUT_FILES.traefik);
  const haproxyPath = join(outDir, PROXY_OUTPUT_FILES.haproxy);
  const traefikChanged = await writeFileAtomic(traefikPath, outputs.traefikYaml);
  const haproxyChanged = await writeFileAtomic(haproxyPath, outputs.haproxyCfg);
  return {
    traefik: { path: traefikPath, changed: traefikChanged },
    haproxy: { path: haproxyPath, changed: haproxyChanged },
  };
}
