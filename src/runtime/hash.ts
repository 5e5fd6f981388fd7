/**
 * The config hash that decides whether a container is up to date.
 *
 * It covers the service as resolved (names of the networks and volumes it uses, not their keys)
 * and the *content* of the files and values it consumes (secrets, configs, env files), never their
 * paths: moving a file changes nothing, editing it recreates the service. Fields that do not shape
 * the container (build, pull_policy, scale/replicas, depends_on, profiles) are left out, as Compose does.
 */
import { createHash } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import type { NetworkConfig, Project, ServiceConfig, VolumeConfig } from "../compose/model.js";
import { fileReferenceTarget, inlineFileContent } from "./file-references.js";
import { defineEntry } from "../compose/mapping.js";

/** sha256 hex of file contents, keyed by absolute path; null when the file is missing. */
export type FileDigests = Record<string, string | null>;

export interface HashInput {
  service: Record<string, unknown>;
  /** Service network key → engine network name. */
  networks: Record<string, string>;
  /** Named volume key → engine volume name. */
  volumes: Record<string, string>;
  /** `secret:<target>`, `config:<target>`, `env_file:<n>` → sha256 of the content. */
  contents: Record<string, string>;
}

const NOT_HASHED = new Set([
  "build",
  "pull_policy",
  "scale",
  "depends_on",
  "profiles",
  "env_file",
  "label_file",
  "develop",
  "attach",
]);

export function sha256(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** JSON with object keys sorted at every level and undefined dropped: equal values, equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) defineEntry(out, key, sortKeys(v));
    }
    return out;
  }
  return value;
}

export function serviceHashInput(
  project: Project,
  serviceName: string,
  files: FileDigests,
  environment: Record<string, string | undefined>,
): HashInput {
  const service = project.services[serviceName];
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(service)) {
    if (NOT_HASHED.has(key) || key.startsWith("x-")) continue;
    defineEntry(kept, key, value);
  }
  if (service.deploy) {
    const { replicas: _replicas, ...deploy } = service.deploy;
    if (Object.keys(deploy).length) kept.deploy = deploy;
    else delete kept.deploy;
  }

  const networks: Record<string, string> = {};
  for (const key of Object.keys(service.networks ?? {}))
    defineEntry(networks, key, project.networks?.[key]?.name ?? key);

  const volumes: Record<string, string> = {};
  for (const v of service.volumes ?? []) {
    if (v.type === "volume" && v.source) defineEntry(volumes, v.source, project.volumes?.[v.source]?.name ?? v.source);
  }

  const contents: Record<string, string> = {};
  const addRefs = (kind: "secret" | "config") => {
    const refs = kind === "secret" ? service.secrets : service.configs;
    const defs = kind === "secret" ? project.secrets : project.configs;
    for (const ref of refs ?? []) {
      const target = fileReferenceTarget(kind, ref.source, ref.target);
      const def = defs?.[ref.source];
      let digest: string;
      const inline = inlineFileContent(project, kind, ref.source, environment);
      if (inline !== undefined) digest = sha256(inline);
      else if (def?.file) digest = files[def.file] ?? "missing";
      else digest = `external:${def?.name ?? ref.source}`;
      contents[`${kind}:${target}`] = digest;
    }
  };
  addRefs("secret");
  addRefs("config");
  (service.env_file ?? []).forEach((f, i) => {
    const digest = files[f.path];
    if (digest) contents[`env_file:${i}`] = digest;
  });

  return { service: kept, networks, volumes, contents };
}

export function configHash(input: HashInput): string {
  return sha256(canonicalJson(input));
}

/** The hash input, compressed into a label value so a later plan can say what changed. */
export function encodeConfigLabel(input: HashInput): string {
  return gzipSync(canonicalJson(input)).toString("base64");
}

export function decodeConfigLabel(value: string | undefined): HashInput | undefined {
  if (!value) return undefined;
  try {
    return JSON.parse(gunzipSync(Buffer.from(value, "base64")).toString("utf8")) as HashInput;
  } catch {
    return undefined;
  }
}

/** Files whose content the hashes of `project` depend on (secrets, configs, env files). */
export function filesToDigest(project: Project): string[] {
  const paths = new Set<string>();
  for (const service of Object.values(project.services) as ServiceConfig[]) {
    for (const ref of service.secrets ?? []) {
      const file = project.secrets?.[ref.source]?.file;
      if (file) paths.add(file);
    }
    for (const ref of service.configs ?? []) {
      const file = project.configs?.[ref.source]?.file;
      if (file) paths.add(file);
    }
    for (const f of service.env_file ?? []) paths.add(f.path);
  }
  return [...paths].sort();
}

export function networkHash(network: NetworkConfig): string {
  const { labels: _labels, ...rest } = network;
  return sha256(canonicalJson(rest));
}

export function volumeHash(volume: VolumeConfig): string {
  const { labels: _labels, ...rest } = volume;
  return sha256(canonicalJson({ ...rest, driver: rest.driver ?? "local" }));
}
