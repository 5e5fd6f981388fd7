/**
 * Observed state: what the engine holds for a project, found by Compose's labels.
 *
 * One list call each for containers, networks and volumes (by project label), then an inspect only
 * for declared resources the label lists did not return (external or pre-existing ones), one inspect
 * per distinct image, and a digest of each file the config hashes depend on. All in parallel.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { Project } from "../compose/model.js";
import type { ContainerMount, Engine, Labels } from "./engine.js";
import { filesToDigest, sha256, type FileDigests } from "./hash.js";
import { LABEL, projectFilter } from "./labels.js";
import { seccompProfilePaths, serviceImage } from "./container-spec.js";

export interface ObservedContainer {
  id: string;
  /** Without the leading slash. */
  name: string;
  service: string;
  number: number;
  oneoff: boolean;
  /** created | running | paused | restarting | removing | exited | dead */
  state: string;
  health?: "healthy" | "unhealthy" | "starting";
  exitCode?: number;
  /** c2ts's content-aware hash (`dev.c2ts.config-hash`); absent on containers Compose created. */
  configHash?: string;
  /** Compose's ServiceHash (`com.docker.compose.config-hash`). */
  composeHash?: string;
  /** Image ID the container was created from (Compose's `com.docker.compose.image` label). */
  imageDigest?: string;
  /** Set on a container created to replace another (an interrupted recreate may leave it behind). */
  replaces?: string;
  labels: Labels;
  created: number;
  /** Engine network name → network ID. */
  networks: Record<string, string>;
  networkMode?: string;
  mounts: ContainerMount[];
  image: string;
}

export interface ObservedNetwork {
  id: string;
  name: string;
  labels: Labels;
}

export interface ObservedVolume {
  name: string;
  labels: Labels;
}

export interface ObservedImage {
  id: string;
  lastTagTime?: string;
  /** Paths the image declares as VOLUME (their anonymous volumes are carried over on recreate). */
  volumes: string[];
}

export interface Observed {
  project: string;
  apiVersion: string;
  containers: ObservedContainer[];
  /** By engine network name. */
  networks: Record<string, ObservedNetwork>;
  /** By engine volume name. */
  volumes: Record<string, ObservedVolume>;
  /** By image reference as the service names it; null when absent locally. */
  images: Record<string, ObservedImage | null>;
  files: FileDigests;
  /** seccomp profiles named in security_opt, by path as written; unreadable ones are absent. */
  seccompProfiles: Record<string, string>;
}

export interface ObserveOptions {
  /** Read a file for digesting (tests substitute it). */
  readFile?: (path: string) => Promise<Buffer>;
  /** Skip image inspection (down, ps). */
  skipImages?: boolean;
  /** Base for relative seccomp profile paths (the project directory); default cwd. */
  workingDir?: string;
}

export async function observe(engine: Engine, project: Project, options: ObserveOptions = {}): Promise<Observed> {
  const filter = projectFilter(project.name);
  const read = options.readFile ?? ((p: string) => readFile(p));

  const [apiVersion, containers, networks, volumes, images, files, seccompProfiles] = await Promise.all([
    engine.apiVersion(),
    engine.listContainers(filter),
    observeNetworks(engine, project, filter),
    observeVolumes(engine, project, filter),
    options.skipImages ? Promise.resolve({}) : observeImages(engine, project),
    digestFiles(filesToDigest(project), read),
    readSeccompProfiles(project, options.workingDir ?? process.cwd(), read),
  ]);

  return {
    project: project.name,
    apiVersion,
    containers: containers.map(toObservedContainer),
    networks,
    volumes,
    images,
    files,
    seccompProfiles,
  };
}

/** Just the project's containers (ps, logs): one list call. */
export async function observeContainers(engine: Engine, projectName: string): Promise<ObservedContainer[]> {
  return (await engine.listContainers(projectFilter(projectName))).map(toObservedContainer);
}

/** Observed state for a project known only by name (down without a compose file). */
export async function observeByName(engine: Engine, projectName: string): Promise<Observed> {
  return observe(engine, { name: projectName, services: {} }, { skipImages: true });
}

async function observeNetworks(engine: Engine, project: Project, filter: Record<string, string[]>) {
  const out: Record<string, ObservedNetwork> = {};
  for (const n of await engine.listNetworks(filter)) out[n.Name] = { id: n.Id, name: n.Name, labels: n.Labels ?? {} };
  const missing = Object.values(project.networks ?? {}).filter((n) => !out[n.name]);
  await Promise.all(
    missing.map(async (n) => {
      const found = await engine.inspectNetwork(n.name);
      // Inspect also matches ID prefixes; only an exact name (or ID) is the declared network.
      if (found && (found.Name === n.name || found.Id === n.name)) {
        out[n.name] = { id: found.Id, name: found.Name, labels: found.Labels ?? {} };
      }
    }),
  );
  return out;
}

async function observeVolumes(engine: Engine, project: Project, filter: Record<string, string[]>) {
  const out: Record<string, ObservedVolume> = {};
  for (const v of await engine.listVolumes(filter)) out[v.Name] = { name: v.Name, labels: v.Labels ?? {} };
  const missing = Object.values(project.volumes ?? {}).filter((v) => !out[v.name]);
  await Promise.all(
    missing.map(async (v) => {
      const found = await engine.inspectVolume(v.name);
      if (found) out[v.name] = { name: found.Name, labels: found.Labels ?? {} };
    }),
  );
  return out;
}

export async function observeImages(
  engine: Engine,
  project: Project,
  only?: string[],
): Promise<Record<string, ObservedImage | null>> {
  const refs = only ?? [...new Set(Object.keys(project.services).map((s) => serviceImage(project, s)))];
  const out: Record<string, ObservedImage | null> = {};
  await Promise.all(
    refs.map(async (ref) => {
      const img = await engine.inspectImage(ref);
      out[ref] = img
        ? { id: img.Id, lastTagTime: img.Metadata?.LastTagTime, volumes: Object.keys(img.Config?.Volumes ?? {}) }
        : null;
    }),
  );
  return out;
}

async function readSeccompProfiles(
  project: Project,
  workingDir: string,
  read: (p: string) => Promise<Buffer>,
): Promise<Record<string, string>> {
  const paths = new Set(Object.values(project.services).flatMap(seccompProfilePaths));
  const out: Record<string, string> = {};
  await Promise.all(
    [...paths].map(async (p) => {
      try {
        out[p] = (await read(resolve(workingDir, p))).toString("utf8");
      } catch {
        // reported as a warning when the container spec is built
      }
    }),
  );
  return out;
}

async function digestFiles(paths: string[], read: (p: string) => Promise<Buffer>): Promise<FileDigests> {
  const out: FileDigests = {};
  await Promise.all(
    paths.map(async (p) => {
      try {
        out[p] = sha256(await read(p));
      } catch {
        out[p] = null;
      }
    }),
  );
  return out;
}

function toObservedContainer(c: import("./engine.js").ContainerSummary): ObservedContainer {
  const labels = c.Labels ?? {};
  const status = c.Status ?? "";
  let health: ObservedContainer["health"];
  if (status.includes("(healthy)")) health = "healthy";
  else if (status.includes("(unhealthy)")) health = "unhealthy";
  else if (status.includes("(health: starting)")) health = "starting";
  const exited = /^Exited \((-?\d+)\)/.exec(status);
  const networks: Record<string, string> = {};
  for (const [name, ep] of Object.entries(c.NetworkSettings?.Networks ?? {})) networks[name] = ep.NetworkID ?? "";
  return {
    id: c.Id,
    name: (c.Names?.[0] ?? "").replace(/^\//, ""),
    service: labels[LABEL.service] ?? "",
    number: Number.parseInt(labels[LABEL.containerNumber] ?? "", 10) || 0,
    oneoff: labels[LABEL.oneoff] === "True",
    state: c.State,
    health,
    exitCode: exited ? Number(exited[1]) : undefined,
    configHash: labels[LABEL.c2tsConfigHash],
    composeHash: labels[LABEL.configHash],
    imageDigest: labels[LABEL.image],
    replaces: labels[LABEL.replace],
    labels,
    created: c.Created,
    networks,
    networkMode: c.HostConfig?.NetworkMode,
    mounts: c.Mounts ?? [],
    image: c.Image,
  };
}
