/**
 * deploy.endpoint_mode and ports → EndpointSpec (docker/cli convertEndpointSpec). `vip` (the
 * default, written out so specs compare equal to what the engine reports) gives the service a
 * virtual IP; `dnsrr` makes its name resolve to the tasks' IPs. Ports publish through the
 * ingress routing mesh (every node answers) or in `host` mode (only nodes running a task).
 */
import type { PortConfig as ComposePort } from "../../compose/model.js";
import type { ServiceContext } from "./context.js";
import { SwarmConvertError } from "./errors.js";
import type { EndpointSpec, PortConfig } from "./types.js";

const PROTOCOLS = new Set(["tcp", "udp", "sctp"]);

export function endpointSpec(ctx: ServiceContext): EndpointSpec {
  const raw = ctx.service.deploy?.endpoint_mode as string | undefined;
  const mode = (raw ?? "vip").toLowerCase();
  if (mode !== "vip" && mode !== "dnsrr") {
    throw new SwarmConvertError(ctx.name, "deploy.endpoint_mode", `must be vip or dnsrr, not "${raw}"`);
  }
  const ports = (ctx.service.ports ?? []).map((p, i) => swarmPort(ctx, p, i)).sort(comparePorts);
  if (mode === "dnsrr") {
    const ingress = ports.find((p) => p.PublishMode === "ingress");
    if (ingress) {
      throw new SwarmConvertError(
        ctx.name,
        "ports",
        `port ${ingress.TargetPort} is published in ingress mode, which needs endpoint_mode vip; use mode: host with dnsrr`,
      );
    }
  }
  return { Mode: mode, ...(ports.length ? { Ports: ports } : {}) };
}

function swarmPort(ctx: ServiceContext, p: ComposePort, i: number): PortConfig {
  const field = `ports[${i}]`;
  const protocol = (p.protocol || "tcp").toLowerCase();
  if (!PROTOCOLS.has(protocol))
    throw new SwarmConvertError(ctx.name, `${field}.protocol`, `unknown protocol "${p.protocol}"`);
  const mode = p.mode || "ingress";
  if (mode !== "ingress" && mode !== "host") {
    throw new SwarmConvertError(ctx.name, `${field}.mode`, `must be ingress or host, not "${p.mode}"`);
  }
  const out: PortConfig = {
    Protocol: protocol as PortConfig["Protocol"],
    TargetPort: p.target,
    PublishMode: mode,
  };
  if (p.name) out.Name = p.name;
  if (p.published !== undefined && p.published !== "") {
    const [first, last] = p.published.split("-");
    const port = Number.parseInt(first!, 10);
    if (!Number.isInteger(port))
      throw new SwarmConvertError(ctx.name, `${field}.published`, `invalid port "${p.published}"`);
    if (last !== undefined && last !== first) {
      ctx.warn(`${field}.published`, `Swarm publishes one port per target, not a range; ${port} is used`);
    }
    out.PublishedPort = port;
  }
  if (p.host_ip) ctx.warn(`${field}.host_ip`, "Swarm publishes on every address of the node; ignored");
  if (p.app_protocol) ctx.warn(`${field}.app_protocol`, "Swarm has no application protocol hint; ignored");
  return out;
}

/** Deterministic order (docker/cli sorts too): published port, target port, protocol, mode. */
function comparePorts(a: PortConfig, b: PortConfig): number {
  return (
    (a.PublishedPort ?? 0) - (b.PublishedPort ?? 0) ||
    a.TargetPort - b.TargetPort ||
    (a.Protocol ?? "").localeCompare(b.Protocol ?? "") ||
    (a.PublishMode ?? "").localeCompare(b.PublishMode ?? "")
  );
}
