/**
 * Names and labels exactly as `docker stack deploy` gives them (docker/cli cli/compose/convert):
 * everything the stack creates is `<namespace>_<key>` unless the file names it, and carries
 * `com.docker.stack.namespace=<namespace>` so `docker stack ps|services|rm <namespace>` find it.
 */
import type { Project } from "../../compose/model.js";

export const STACK_LABEL = {
  namespace: "com.docker.stack.namespace",
  /** The image the file asked for, on the service (docker stack compares it to skip re-resolving). */
  image: "com.docker.stack.image",
} as const;

/** c2ts-only labels on what the Swarm path creates. */
export const C2TS_SWARM_LABEL = {
  /** Full content hash of a rotated secret/config version (its name carries a prefix of it). */
  contentHash: "dev.c2ts.content-hash",
  /** The Compose key a rotated secret/config version belongs to, so old versions can be found. */
  fileObject: "dev.c2ts.file-object",
} as const;

/** Swarm refuses secret and config names longer than this (swarmkit validateConfigOrSecretAnnotations). */
export const MAX_FILE_OBJECT_NAME = 64;
/** Hex characters of the content hash kept in a rotated name. */
export const HASH_IN_NAME = 12;

/** What swarmkit accepts as a service name: a DNS label of letters, digits, `-` and `_`. */
const SERVICE_NAME = /^[a-zA-Z0-9](?:[-_]*[A-Za-z0-9]+)*$/;
export const MAX_SERVICE_NAME = 63;

/** Why Swarm would refuse `name` as a service name, or undefined when it is valid. */
export function invalidServiceName(name: string): string | undefined {
  if (name.length > MAX_SERVICE_NAME) return `"${name}" is longer than the ${MAX_SERVICE_NAME} characters Swarm allows`;
  if (!SERVICE_NAME.test(name)) return `"${name}" is not a valid Swarm service name (letters, digits, - and _)`;
  return undefined;
}

export function scope(namespace: string, key: string): string {
  return `${namespace}_${key}`;
}

/** Labels with the stack namespace label added (a copy; the input is not touched). */
export function withStackLabel(namespace: string, labels: Record<string, string> | undefined): Record<string, string> {
  return { ...(labels ?? {}), [STACK_LABEL.namespace]: namespace };
}

/**
 * The engine name of a network/volume/secret/config. The canonical model always carries a
 * `name`; when it is the one the loader derived (`<project>_<key>`), the stack namespace is
 * used instead, so a stack deployed under another name stays self-contained.
 */
export function resourceName(
  project: Project,
  namespace: string,
  key: string,
  declaredName: string | undefined,
): string {
  if (!declaredName || declaredName === scope(project.name, key)) return scope(namespace, key);
  return declaredName;
}
