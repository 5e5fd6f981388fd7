/**
 * Docker Compose's own service config hash (`com.docker.compose.config-hash`), as docker/compose
 * `ServiceHash` computes it: sha256 of Go's compact `json.Marshal` of the service as
 * `config --format json` encodes it, once the fields that do not shape the container are
 * cleared (build, pull_policy, scale, deploy.replicas, depends_on, profiles). Writing exactly this
 * value lets `docker compose up` see c2ts's containers as up to date, and c2ts see Compose's.
 *
 * It does not cover file contents; c2ts's own content-aware hash (hash.ts) decides recreations.
 */
import { createHash } from "node:crypto";
import type { Project } from "../compose/model.js";
import { toComposeJson } from "../compose/compose-json.js";
import { goJsonEscape } from "../compose/go-format.js";

/** The hash of each of `project`'s services, keyed by service name. */
export function composeServiceHashes(project: Project): Record<string, string> {
  const services = (toComposeJson(project).services ?? {}) as Record<string, Record<string, unknown>>;
  const out: Record<string, string> = {};
  for (const [name, service] of Object.entries(services)) out[name] = serviceHashOfJson(service);
  return out;
}

export function composeServiceHash(project: Project, service: string): string {
  const one = { ...project, services: { [service]: project.services[service]! } } as Project;
  return composeServiceHashes(one)[service]!;
}

/** ServiceHash of one service already encoded as compose's JSON. */
export function serviceHashOfJson(service: Record<string, unknown>): string {
  const {
    build: _build,
    pull_policy: _pullPolicy,
    scale: _scale,
    depends_on: _dependsOn,
    profiles: _profiles,
    ...hashed
  } = service;
  if (hashed.deploy && typeof hashed.deploy === "object") {
    const { replicas: _replicas, ...deploy } = hashed.deploy as Record<string, unknown>;
    hashed.deploy = deploy;
  }
  return createHash("sha256").update(goJson(hashed)).digest("hex");
}

/** Go's json.Marshal text: compact, with Go's escapes. */
function goJson(value: unknown): string {
  return goJsonEscape(JSON.stringify(value));
}
