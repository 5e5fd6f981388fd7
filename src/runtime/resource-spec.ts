/** Engine create options for a project's networks and volumes, labelled the way Compose labels them. */
import type { NetworkConfig, Project } from "../compose/model.js";
import { apiAtLeast, type IpamSpec, type NetworkCreateSpec, type VolumeCreateSpec } from "./engine.js";
import { networkHash, volumeHash } from "./hash.js";
import { LABEL } from "./labels.js";

export function networkCreateSpec(
  project: Project,
  key: string,
  composeVersion: string,
  apiVersion: string,
): NetworkCreateSpec {
  const n = project.networks![key];
  const spec: NetworkCreateSpec = {
    Name: n.name,
    CheckDuplicate: true,
    Labels: {
      ...(n.labels ?? {}),
      [LABEL.project]: project.name,
      [LABEL.network]: key,
      [LABEL.version]: composeVersion,
      [LABEL.configHash]: networkHash(n),
    },
  };
  if (n.driver) spec.Driver = n.driver;
  if (n.driver_opts && Object.keys(n.driver_opts).length) spec.Options = n.driver_opts;
  if (n.internal) spec.Internal = true;
  if (n.attachable) spec.Attachable = true;
  if (n.enable_ipv6 !== undefined) spec.EnableIPv6 = n.enable_ipv6;
  if (n.enable_ipv4 !== undefined && apiAtLeast(apiVersion, "1.47")) spec.EnableIPv4 = n.enable_ipv4;
  const ipam = ipamSpec(n.ipam);
  if (ipam) spec.IPAM = ipam;
  return spec;
}

/** A network's `ipam:` as the Engine API takes it (networks and Swarm overlays alike); undefined when empty. */
export function ipamSpec(ipam: NetworkConfig["ipam"] = {}): IpamSpec | undefined {
  const hasOptions = ipam.options !== undefined && Object.keys(ipam.options).length > 0;
  if (!ipam.driver && !ipam.config?.length && !hasOptions) return undefined;
  return {
    ...(ipam.driver ? { Driver: ipam.driver } : {}),
    ...(ipam.config?.length
      ? {
          Config: ipam.config.map((p) => ({
            ...(p.subnet ? { Subnet: p.subnet } : {}),
            ...(p.ip_range ? { IPRange: p.ip_range } : {}),
            ...(p.gateway ? { Gateway: p.gateway } : {}),
            ...(p.aux_addresses ? { AuxiliaryAddresses: p.aux_addresses } : {}),
          })),
        }
      : {}),
    ...(hasOptions ? { Options: ipam.options } : {}),
  };
}

/** Warnings for network settings this engine cannot apply. */
export function networkWarnings(project: Project, key: string, apiVersion: string): string[] {
  const n = project.networks![key];
  if (n.enable_ipv4 !== undefined && !apiAtLeast(apiVersion, "1.47")) {
    return [`network "${key}": enable_ipv4 needs Engine API 1.47 (engine speaks ${apiVersion}); ignored`];
  }
  return [];
}

export function volumeCreateSpec(project: Project, key: string, composeVersion: string): VolumeCreateSpec {
  const v = project.volumes![key];
  return {
    Name: v.name,
    ...(v.driver ? { Driver: v.driver } : {}),
    ...(v.driver_opts && Object.keys(v.driver_opts).length ? { DriverOpts: v.driver_opts } : {}),
    Labels: {
      ...(v.labels ?? {}),
      [LABEL.project]: project.name,
      [LABEL.volume]: key,
      [LABEL.version]: composeVersion,
      [LABEL.configHash]: volumeHash(v),
    },
  };
}
