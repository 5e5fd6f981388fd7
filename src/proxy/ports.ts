/** Where a container port is reachable from other nodes: the host port that publishes it. */
import type { ServiceConfig } from "../compose/model.js";

export interface HostPort {
  port: number;
  /** False when nothing publishes the container port and the container port itself is assumed. */
  published: boolean;
  /** Set when the only publishing entry binds a loopback address, unreachable over the tailnet. */
  loopbackOnly?: boolean;
}

const LOOPBACK = /^(127\.|::1$|\[::1\]$|localhost$)/;
const WILDCARD = new Set(["", "0.0.0.0", "::", "[::]"]);

function firstPort(published: string): number | undefined {
  const m = /^(\d+)(?:-\d+)?$/.exec(published.trim());
  return m ? Number(m[1]) : undefined;
}

/**
 * The host port publishing `containerPort`/tcp. With `network_mode: host` the container port is
 * the host port. When nothing publishes it, the container port is returned with `published: false`
 * (the service may sit on a network the proxy joins, or publish it outside compose).
 * Among several entries, one bound to every address is preferred, then the lowest port.
 */
export function hostPortFor(service: ServiceConfig, containerPort: number): HostPort {
  if (service.network_mode === "host") return { port: containerPort, published: true };
  const candidates = (service.ports ?? [])
    .filter(
      (p) =>
        p.target === containerPort &&
        (p.protocol ?? "tcp") === "tcp" &&
        p.published !== undefined &&
        p.published !== "",
    )
    .map((p) => ({ port: firstPort(p.published!), hostIp: p.host_ip ?? "" }))
    .filter((c): c is { port: number; hostIp: string } => c.port !== undefined && c.port > 0);
  if (candidates.length === 0) return { port: containerPort, published: false };
  const reachable = candidates.filter((c) => !LOOPBACK.test(c.hostIp));
  const pool = reachable.length > 0 ? reachable : candidates;
  pool.sort((a, b) => Number(!WILDCARD.has(a.hostIp)) - Number(!WILDCARD.has(b.hostIp)) || a.port - b.port);
  return { port: pool[0].port, published: true, ...(reachable.length === 0 ? { loopbackOnly: true } : {}) };
}
