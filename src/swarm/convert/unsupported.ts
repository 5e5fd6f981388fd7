/**
 * Service fields a Swarm service cannot express. docker stack deploy drops most of them with
 * at most a vague "Ignoring unsupported options" line; c2ts names each one with the reason, so
 * `plan` can show it. Fields mapped elsewhere (network_mode host/none, tmpfs, sysctls,
 * ulimits, caps, dns_opt, group_add...) are not listed here.
 */
import type { ServiceConfig } from "../../compose/model.js";
import type { ServiceContext } from "./context.js";

type Field = keyof ServiceConfig;

const NAMESPACE = "Swarm tasks cannot share the host's or another container's namespaces";
const CGROUP_TUNING = "Swarm limits only CPUs, memory and PIDs (deploy.resources)";

export const UNSUPPORTED_FIELDS: ReadonlyArray<readonly [Field, string]> = [
  ["privileged", "Swarm services cannot run privileged containers"],
  ["devices", "Swarm cannot pass host devices to service tasks"],
  ["device_cgroup_rules", "Swarm cannot pass host devices to service tasks"],
  ["gpus", "Swarm has no GPU requests; reserve node generic_resources instead"],
  ["ipc", NAMESPACE],
  ["pid", NAMESPACE],
  ["uts", NAMESPACE],
  ["userns_mode", NAMESPACE],
  ["cgroup", NAMESPACE],
  ["cgroup_parent", "Swarm places tasks in its own cgroups"],
  ["security_opt", "Swarm services take no security options (seccomp, AppArmor, SELinux labels)"],
  ["shm_size", "Swarm cannot size /dev/shm; mount a tmpfs at /dev/shm instead"],
  ["storage_opt", "Swarm services take no storage driver options"],
  ["runtime", "Swarm services run with the node's default runtime"],
  ["domainname", "Swarm services take no domain name"],
  ["mac_address", "Swarm assigns task MAC addresses itself"],
  ["links", "Swarm services reach each other by service name on a shared network"],
  ["external_links", "Swarm services reach each other by service name on a shared network"],
  ["volumes_from", "Swarm tasks cannot mount another container's volumes"],
  ["container_name", "Swarm names each task itself (<service>.<slot>.<id>)"],
  ["cpu_count", CGROUP_TUNING],
  ["cpu_percent", CGROUP_TUNING],
  ["cpu_period", CGROUP_TUNING],
  ["cpu_quota", CGROUP_TUNING],
  ["cpu_rt_period", CGROUP_TUNING],
  ["cpu_rt_runtime", CGROUP_TUNING],
  ["cpu_shares", CGROUP_TUNING],
  ["cpuset", CGROUP_TUNING],
  ["mem_swappiness", CGROUP_TUNING],
  ["memswap_limit", CGROUP_TUNING],
  ["oom_kill_disable", CGROUP_TUNING],
  ["blkio_config", CGROUP_TUNING],
  ["annotations", "Swarm services take no OCI annotations"],
  ["credential_spec", "Windows credential specs are not mapped by c2ts"],
  ["post_start", "Swarm runs no lifecycle hooks"],
  ["pre_stop", "Swarm runs no lifecycle hooks"],
  ["pull_policy", "Swarm nodes pull images themselves when a task starts"],
];

function isSet(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === "" || value === 0) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === "object") return Object.keys(value).length > 0;
  return true;
}

export function warnUnsupported(ctx: ServiceContext): void {
  for (const [field, reason] of UNSUPPORTED_FIELDS) {
    if (isSet(ctx.service[field])) ctx.warn(field, `${reason}; ignored`);
  }
}
