/**
 * Networks: the service's attachments (docker/cli convertServiceNetworks: sorted by target, the
 * service key added as an alias on user-defined networks) and the create requests for the
 * networks the services use (convert.Networks). In Swarm mode a network without a driver is
 * an `overlay`; overlays c2ts creates get an MTU that fits inside WireGuard (1280 − 50 bytes of
 * VXLAN = 1230) unless the file sets one, since Tailscale carries the VXLAN traffic.
 */
import type { NetworkConfig, Project } from "../../compose/model.js";
import { ipamSpec } from "../../runtime/resource-spec.js";
import type { ServiceContext } from "./context.js";
import { resourceName, withStackLabel } from "./names.js";
import type { NetworkAttachmentConfig, NetworkCreateRequest, SwarmWarning } from "./types.js";

export const DEFAULT_OVERLAY_MTU = 1230;
export const MTU_OPTION = "com.docker.network.driver.mtu";
const DEFAULT_NETWORK = "default";
/** Networks every node has; they take no aliases (container.NetworkMode.IsUserDefined). */
const PREDEFINED = new Set(["host", "bridge", "none", "default"]);

const ENDPOINT_FIELDS_SWARM_LACKS = [
  ["ipv4_address", "Swarm assigns task addresses itself"],
  ["ipv6_address", "Swarm assigns task addresses itself"],
  ["link_local_ips", "Swarm assigns task addresses itself"],
  ["mac_address", "Swarm assigns task MAC addresses itself"],
  ["priority", "Swarm attaches networks in name order"],
  ["gw_priority", "Swarm chooses the default gateway itself"],
  ["interface_name", "Swarm names task interfaces itself"],
] as const;

/** Compose network keys a service attaches to (none when network_mode is set). */
export function serviceNetworkKeys(ctx: ServiceContext): string[] {
  if (ctx.service.network_mode) return [];
  const keys = Object.keys(ctx.service.networks ?? {});
  return keys.length ? keys : [DEFAULT_NETWORK];
}

/** The engine name of a network: external ones keep their name, the rest are `<namespace>_<key>`. */
export function networkName(project: Project, namespace: string, key: string): string {
  const def = project.networks?.[key];
  if (def?.external) return def.name || key;
  return resourceName(project, namespace, key, def?.name);
}

export function serviceNetworks(ctx: ServiceContext): NetworkAttachmentConfig[] {
  const mode = ctx.service.network_mode;
  if (mode === "host" || mode === "none") return [{ Target: mode }];
  if (mode) {
    ctx.warn("network_mode", `"${mode}": Swarm tasks cannot share another container's network; not attached`);
    return [];
  }
  const out: NetworkAttachmentConfig[] = [];
  for (const key of serviceNetworkKeys(ctx)) {
    const cfg = ctx.service.networks?.[key] ?? undefined;
    const target = networkName(ctx.project, ctx.namespace, key);
    const aliases = [...(cfg?.aliases ?? [])];
    if (!PREDEFINED.has(target)) aliases.push(ctx.name);
    const att: NetworkAttachmentConfig = { Target: target };
    if (aliases.length) att.Aliases = aliases;
    if (cfg?.driver_opts && Object.keys(cfg.driver_opts).length) att.DriverOpts = cfg.driver_opts;
    for (const [field, why] of ENDPOINT_FIELDS_SWARM_LACKS) {
      const value = cfg?.[field];
      if (value !== undefined && !(Array.isArray(value) && value.length === 0)) {
        ctx.warn(`networks.${key}.${field}`, `${why}; ignored`);
      }
    }
    out.push(att);
  }
  return out.sort((a, b) => (a.Target < b.Target ? -1 : a.Target > b.Target ? 1 : 0));
}

/** Create requests for the non-external networks in `keys`; external ones are returned by name. */
export function networkSpecs(
  project: Project,
  namespace: string,
  keys: Iterable<string>,
  overlayMtu: number,
  warnings: SwarmWarning[],
): { networks: Record<string, NetworkCreateRequest>; external: Record<string, string> } {
  const networks: Record<string, NetworkCreateRequest> = {};
  const external: Record<string, string> = {};
  for (const key of [...new Set(keys)].sort()) {
    const def: Partial<NetworkConfig> = project.networks?.[key] ?? {};
    if (def.external) {
      external[key] = def.name || key;
      continue;
    }
    const warn = (field: string, reason: string) => warnings.push({ service: `networks.${key}`, field, reason });
    networks[key] = networkSpec(networkName(project, namespace, key), namespace, def, overlayMtu, warn);
  }
  return { networks, external };
}

function networkSpec(
  name: string,
  namespace: string,
  def: Partial<NetworkConfig>,
  overlayMtu: number,
  warn: (field: string, reason: string) => void,
): NetworkCreateRequest {
  const driver = def.driver || "overlay";
  const spec: NetworkCreateRequest = { Name: name, Driver: driver, Labels: withStackLabel(namespace, def.labels) };
  const options: Record<string, string> = { ...(def.driver_opts ?? {}) };
  if (driver === "overlay" && options[MTU_OPTION] === undefined) options[MTU_OPTION] = String(overlayMtu);
  if (Object.keys(options).length) spec.Options = options;
  if (driver === "bridge" || driver === "host") {
    warn("driver", `a ${driver} network is local to one node; Swarm services need an overlay network`);
  }
  if (def.internal) spec.Internal = true;
  if (def.attachable) spec.Attachable = true;
  if (def.enable_ipv6) spec.EnableIPv6 = true;
  if (def.enable_ipv4 === false) warn("enable_ipv4", "Swarm overlay networks always have IPv4; ignored");
  const ipam = ipamSpec(def.ipam);
  if (ipam) spec.IPAM = ipam;
  return spec;
}
