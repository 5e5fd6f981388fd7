/**
 * Which swarm nodes a service's tasks may run on, judged the way swarmkit's scheduler judges a
 * task's Placement: every constraint (`key==value` / `key!=value`, ANDed) and, when the spec lists
 * platforms, one of them. Keys are matched case-insensitively, label names exactly, values
 * case-insensitively as whole strings; a missing attribute counts as "" (so `!=` matches it) and an
 * unknown key matches no node. Used to choose the nodes that build a service's image.
 */
import type { SwarmNode } from "./api.js";
import type { Placement } from "./convert/types.js";

export interface Constraint {
  key: string;
  op: "==" | "!=";
  value: string;
}

const KEY = /^[a-z_][a-z0-9\-_.]+$/i;
const VALUE = /^[a-z0-9:\-_\s.*()?+[\]\\^$|/]+$/i;

/** Parses one constraint expression; throws with the reason when swarmkit would refuse it. */
export function parseConstraint(expression: string): Constraint {
  for (const op of ["==", "!="] as const) {
    const at = expression.indexOf(op);
    if (at < 0) continue;
    const key = expression.slice(0, at).trim();
    const value = expression.slice(at + op.length).trim();
    if (!KEY.test(key)) throw new Error(`constraint "${expression}": key "${key}" is invalid`);
    if (!VALUE.test(value)) throw new Error(`constraint "${expression}": value "${value}" is invalid`);
    return { key, op, value };
  }
  throw new Error(`constraint "${expression}": expected one operator from ==, !=`);
}

function matches(c: Constraint, actual: string | undefined): boolean {
  const equal = (actual ?? "").toLowerCase() === c.value.toLowerCase();
  return c.op === "==" ? equal : !equal;
}

/** `node.ip==10.0.0.0/8` or `==10.0.0.5`: an IPv4 address against an address or CIDR. */
function ipMatches(c: Constraint, addr: string | undefined): boolean {
  const toInt = (ip: string) => {
    const parts = ip.split(".").map(Number);
    if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
    return parts.reduce((n, p) => n * 256 + p, 0);
  };
  const [net, bits] = c.value.split("/");
  const a = addr ? toInt(addr) : undefined;
  const n = toInt(net ?? "");
  let inside = false;
  if (a !== undefined && n !== undefined) {
    const size = 2 ** (32 - (bits === undefined ? 32 : Number(bits)));
    inside = Math.floor(a / size) === Math.floor(n / size);
  }
  return c.op === "==" ? inside : !inside;
}

function prefixed(key: string, prefix: string): string | undefined {
  return key.length > prefix.length && key.slice(0, prefix.length).toLowerCase() === prefix
    ? key.slice(prefix.length)
    : undefined;
}

export function nodeMatchesConstraint(node: SwarmNode, c: Constraint): boolean {
  const key = c.key.toLowerCase();
  const d = node.Description;
  switch (key) {
    case "node.id":
      return matches(c, node.ID);
    case "node.hostname":
      return matches(c, d?.Hostname);
    case "node.role":
      return matches(c, node.Spec.Role);
    case "node.ip":
      return ipMatches(c, node.Status.Addr);
    case "node.platform.os":
      return matches(c, d?.Platform?.OS);
    case "node.platform.arch":
      return matches(c, d?.Platform?.Architecture);
  }
  const nodeLabel = prefixed(c.key, "node.labels.");
  if (nodeLabel !== undefined) return matches(c, node.Spec.Labels?.[nodeLabel]);
  const engineLabel = prefixed(c.key, "engine.labels.");
  if (engineLabel !== undefined) return matches(c, d?.Engine?.Labels?.[engineLabel]);
  return false;
}

/** Engines report `uname -m` names; images use Go's. */
function normalizeArch(arch: string): string {
  const a = arch.toLowerCase();
  return ({ x86_64: "amd64", aarch64: "arm64" } as Record<string, string>)[a] ?? a;
}

function platformMatches(node: SwarmNode, platforms: Placement["Platforms"]): boolean {
  if (!platforms?.length) return true;
  const os = node.Description?.Platform?.OS ?? "";
  const arch = normalizeArch(node.Description?.Platform?.Architecture ?? "");
  return platforms.some(
    (p) =>
      (!p.OS || p.OS.toLowerCase() === os.toLowerCase()) && (!p.Architecture || normalizeArch(p.Architecture) === arch),
  );
}

/** The ready, active nodes a task with `placement` can be scheduled on. */
export function eligibleNodes(nodes: SwarmNode[], placement: Placement | undefined): SwarmNode[] {
  const constraints = (placement?.Constraints ?? []).map(parseConstraint);
  return nodes.filter(
    (n) =>
      n.Status.State === "ready" &&
      n.Spec.Availability === "active" &&
      constraints.every((c) => nodeMatchesConstraint(n, c)) &&
      platformMatches(n, placement?.Platforms),
  );
}
