/**
 * Puts each node's Traefik file where that node's Traefik reads it, through the node's own engine:
 * into the dynamic directory its Traefik container mounts. The file goes in under a temporary name
 * Traefik's file provider ignores (it reads only .yaml/.yml/.toml), then `mv` inside the container
 * renames it over the old one: rename(2) within a directory is atomic, so Traefik (or anyone) sees
 * the old file or the new one, never half of one. The Engine API's archive upload alone would
 * truncate and rewrite the file in place.
 */
import { randomBytes } from "node:crypto";
import { basename, posix } from "node:path";
import type { ContainerInspect, Engine } from "../runtime/engine.js";
import { tarBuffer } from "../runtime/tar.js";
import { isTraefikImage, TRAEFIK_ROLE, TRAEFIK_ROLE_LABEL } from "./reach.js";
import { PROXY_OUTPUT_FILES } from "./write.js";

/** Optional label on the Traefik container naming its dynamic directory (a path inside the container). */
export const TRAEFIK_DYNAMIC_DIR_LABEL = "c2ts.proxy.dynamic";
export const TRAEFIK_FILE_NAME = basename(PROXY_OUTPUT_FILES.traefik);

export type Delivery =
  | { status: "delivered"; container: string; path: string }
  | { status: "no-traefik"; reason: string }
  | { status: "failed"; reason: string };

/** The container path of the file provider's directory given on Traefik's command line or environment. */
function providerDirectory(container: ContainerInspect): string | undefined {
  const args = [
    ...((container.Config.Cmd as string[] | null | undefined) ?? []),
    ...((container.Config.Entrypoint as string[] | null | undefined) ?? []),
  ];
  for (let i = 0; i < args.length; i++) {
    const m = /^--providers\.file\.directory(?:=(.*))?$/i.exec(args[i]);
    if (m) return m[1] ?? args[i + 1];
  }
  const env = (container.Config.Env ?? []).find((e) => e.startsWith("TRAEFIK_PROVIDERS_FILE_DIRECTORY="));
  return env?.slice(env.indexOf("=") + 1);
}

/**
 * The dynamic directory of a Traefik container: the `c2ts.proxy.dynamic` label, else
 * `--providers.file.directory`, else the one mount ending in `/dynamic`. It must be a writable
 * mount (or lie inside one), or what is written would vanish with the container.
 */
export function dynamicDirectoryOf(container: ContainerInspect): { dir: string } | { reason: string } {
  const mounts = container.Mounts ?? [];
  const explicit = container.Config.Labels?.[TRAEFIK_DYNAMIC_DIR_LABEL]?.trim() || providerDirectory(container);
  let dir: string | undefined = explicit ? posix.normalize(explicit).replace(/(.)\/$/, "$1") : undefined;
  if (!dir) {
    const named = mounts.filter((m) => posix.basename(m.Destination) === "dynamic");
    if (named.length !== 1) {
      return {
        reason:
          named.length === 0
            ? `mounts no directory named "dynamic" (or set --providers.file.directory, or label ${TRAEFIK_DYNAMIC_DIR_LABEL}=<path>)`
            : `mounts several "dynamic" directories (${named.map((m) => m.Destination).join(", ")}); label it ${TRAEFIK_DYNAMIC_DIR_LABEL}=<path>`,
      };
    }
    dir = named[0].Destination;
  }
  const mount = mounts
    .filter((m) => dir === m.Destination || dir!.startsWith(`${m.Destination.replace(/\/$/, "")}/`))
    .sort((a, b) => b.Destination.length - a.Destination.length)[0];
  if (!mount) return { reason: `its dynamic directory ${dir} is not a mounted directory` };
  if (!mount.RW) return { reason: `its dynamic directory ${dir} is mounted read-only` };
  return { dir };
}

/** The running Traefik containers of an engine: labelled `c2ts.proxy=traefik`, else running a Traefik image. */
async function traefikContainers(engine: Engine): Promise<ContainerInspect[]> {
  let found = await engine.listContainers({
    label: [`${TRAEFIK_ROLE_LABEL}=${TRAEFIK_ROLE}`],
    status: ["running"],
  });
  if (found.length === 0) {
    found = (await engine.listContainers({ status: ["running"] })).filter((c) => isTraefikImage(c.Image));
  }
  found.sort((a, b) => (a.Names[0] ?? "").localeCompare(b.Names[0] ?? ""));
  return Promise.all(found.map((c) => engine.inspectContainer(c.Id)));
}

async function run(engine: Engine, id: string, cmd: string[]): Promise<{ exitCode: number; output: string }> {
  const lines: string[] = [];
  const { exitCode } = await engine.exec(id, { Cmd: cmd }, (_stream, line) => lines.push(line));
  return { exitCode, output: lines.join("\n").trim() };
}

/** Writes `yaml` as the failover file of the engine's Traefik, atomically. */
export async function deliverTraefikFile(engine: Engine, yaml: string): Promise<Delivery> {
  const containers = await traefikContainers(engine);
  if (containers.length === 0) {
    return {
      status: "no-traefik",
      reason: `no running Traefik container (image traefik or label ${TRAEFIK_ROLE_LABEL}=${TRAEFIK_ROLE})`,
    };
  }
  const reasons: string[] = [];
  for (const container of containers) {
    const name = container.Name.replace(/^\//, "");
    const where = dynamicDirectoryOf(container);
    if ("reason" in where) {
      reasons.push(`Traefik container ${name} ${where.reason}`);
      continue;
    }
    const tmp = `.${TRAEFIK_FILE_NAME}.${randomBytes(4).toString("hex")}.tmp`;
    const target = posix.join(where.dir, TRAEFIK_FILE_NAME);
    await engine.putArchive(
      container.Id,
      where.dir,
      tarBuffer([{ name: tmp, type: "file", mode: 0o644, mtime: Date.now() / 1000, content: yaml }]),
    );
    const moved = await run(engine, container.Id, ["mv", "-f", posix.join(where.dir, tmp), target]);
    if (moved.exitCode !== 0) {
      await run(engine, container.Id, ["rm", "-f", posix.join(where.dir, tmp)]).catch(() => undefined);
      return {
        status: "failed",
        reason: `renaming the file in Traefik container ${name} failed (exit ${moved.exitCode}${moved.output ? `: ${moved.output}` : ""})`,
      };
    }
    return { status: "delivered", container: name, path: target };
  }
  return { status: "no-traefik", reason: reasons.join("; ") };
}

/** Delivers each node's file through its engine, in parallel; one result per node, in the order given. */
export async function deliverTraefikFiles(
  files: { node: string; host: string; yaml: string }[],
  connect: (host: string) => Promise<Engine>,
): Promise<{ node: string; delivery: Delivery }[]> {
  return Promise.all(
    files.map(async ({ node, host, yaml }) => {
      let engine: Engine | undefined;
      try {
        engine = await connect(host);
        return { node, delivery: await deliverTraefikFile(engine, yaml) };
      } catch (e) {
        return { node, delivery: { status: "failed" as const, reason: e instanceof Error ? e.message : String(e) } };
      } finally {
        engine?.close();
      }
    }),
  );
}
