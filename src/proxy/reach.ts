/**
 * How one node's Traefik reaches each node's instance of a routed service. Three kinds of address:
 *
 *   local     the instance on the Traefik's own node, by its service name over a Docker network the
 *             service shares with Traefik: `http://web:8080` (Docker's DNS answers the service name);
 *   direct    another node's instance whose port that node publishes: `http://<node address>:<host port>`;
 *   traefik   another node's instance that publishes nothing: through that node's own Traefik, by the
 *             node-pinned name `https://<service>.<node>.<domain>`, which every Traefik routes to its
 *             local instance only, so a request crosses at most one extra hop and never loops.
 *
 * A local instance that shares no network with Traefik but is published is reached directly too.
 */
import type { Project, ServiceConfig } from "../compose/model.js";
import { splitImageReference } from "../runtime/image-ref.js";
import type { Labels } from "./labels.js";
import { hostPortFor } from "./ports.js";

/** Marks the Traefik service of a stack, and the Traefik container `deploy` delivers files to. */
export const TRAEFIK_ROLE_LABEL = "c2ts.proxy";
export const TRAEFIK_ROLE = "traefik";
/** Traefik's own per-container label naming the network it reaches the container on. */
export const TRAEFIK_NETWORK_LABEL = "traefik.docker.network";

/** Whether an image reference is Traefik's (`traefik:v3.1`, `docker.io/library/traefik`, `ghcr.io/x/traefik`). */
export function isTraefikImage(image: string | undefined): boolean {
  if (!image) return false;
  const name = splitImageReference(image).name;
  return name.slice(name.lastIndexOf("/") + 1) === "traefik";
}

/** The stack's Traefik service: labelled `c2ts.proxy=traefik`, else running a Traefik image (first by name). */
export function findTraefikService(project: Project): string | undefined {
  const names = Object.keys(project.services ?? {}).sort();
  return (
    names.find((n) => project.services[n].labels?.[TRAEFIK_ROLE_LABEL] === TRAEFIK_ROLE) ??
    names.find((n) => isTraefikImage(project.services[n].image))
  );
}

/** Docker names of the networks a service is attached to (`<project>_<key>` unless named). */
function networkNames(project: Project, service: ServiceConfig): string[] {
  if (service.network_mode !== undefined) return [];
  return Object.keys(service.networks ?? {})
    .map((key) => project.networks?.[key]?.name ?? key)
    .sort();
}

/**
 * The Docker network the local Traefik reaches `serviceName` on: the one its `traefik.docker.network`
 * label names, else one it shares with the stack's Traefik service. Otherwise why there is none.
 */
export function traefikNetworkFor(
  project: Project,
  serviceName: string,
  labels: Labels,
): { network: string } | { reason: string } {
  const service = project.services[serviceName];
  const own = networkNames(project, service);
  const named = labels.get(TRAEFIK_NETWORK_LABEL)?.trim();
  if (named) {
    const keyed = project.networks?.[named]?.name;
    if (own.includes(named) || (keyed !== undefined && own.includes(keyed))) return { network: keyed ?? named };
    return {
      reason: `its label ${labels.keyOf(TRAEFIK_NETWORK_LABEL)}=${named} names a network it is not attached to`,
    };
  }
  if (service.network_mode !== undefined) {
    return { reason: `network_mode "${service.network_mode}" attaches it to no Docker network Traefik can join` };
  }
  const traefik = findTraefikService(project);
  if (!traefik) {
    return {
      reason: `it has no ${TRAEFIK_NETWORK_LABEL} label and the stack has no Traefik service (image traefik or label ${TRAEFIK_ROLE_LABEL}=${TRAEFIK_ROLE}) to share a network with`,
    };
  }
  const traefikNetworks = networkNames(project, project.services[traefik]);
  const shared = own.find((n) => traefikNetworks.includes(n));
  if (shared) return { network: shared };
  return {
    reason: `it shares no network with Traefik's service "${traefik}" (${serviceName}: ${own.join(", ") || "none"}; ${traefik}: ${traefikNetworks.join(", ") || "none"})`,
  };
}

export type InstanceAddress =
  { kind: "local"; url: string } | { kind: "direct"; url: string } | { kind: "traefik"; url: string };

/** How a node's Traefik reaches the instances of one Traefik service of one compose service. */
export interface ServiceReach {
  /** URL of the instance on the Traefik's own node. */
  local(nodeAddress: string): InstanceAddress;
  /** URL of the instance on another node. */
  remote(node: { name: string; address: string }): InstanceAddress;
}

/**
 * Decides, once per service, how its instances are reached (the same on every node: every node runs
 * the same stack), or why they cannot be.
 */
export function serviceReach(
  project: Project,
  serviceName: string,
  labels: Labels,
  target: { host: string; port: number; scheme: string; domain: string },
): ServiceReach | { reason: string } {
  const published = hostPortFor(project.services[serviceName], target.port);
  const direct = published.published && !published.loopbackOnly;
  const network = traefikNetworkFor(project, serviceName, labels);
  const directUrl = (address: string) => `${target.scheme}://${address}:${published.port}`;
  if ("reason" in network && !direct) {
    const port = published.loopbackOnly
      ? `port ${target.port} is published on a loopback address only`
      : `container port ${target.port} is not published`;
    return { reason: `${port} and ${network.reason}` };
  }
  return {
    local: (address) =>
      "network" in network
        ? { kind: "local", url: `${target.scheme}://${serviceName}:${target.port}` }
        : { kind: "direct", url: directUrl(address) },
    remote: (node) =>
      direct
        ? { kind: "direct", url: directUrl(node.address) }
        : { kind: "traefik", url: `https://${target.host}.${node.name}.${target.domain}` },
  };
}
