/**
 * The task's ContainerSpec (without mounts, secrets and configs, see mounts.ts and
 * file-objects.ts): what docker/cli's convert.Service puts there, plus the fields it leaves
 * out although Swarm takes them (dns_opt, group_add). Entrypoint is Swarm's `Command`, command
 * its `Args`, as in docker/cli.
 */
import { serviceImage, toEnvList, toHealthConfig } from "../../runtime/container-spec.js";
import { durationNanos, requireApi, type ServiceContext } from "./context.js";
import { withStackLabel } from "./names.js";
import type { ContainerSpec } from "./types.js";

/** The image a service runs: the caller's override (a content-hash build tag), else `image:`. */
export function swarmImage(ctx: ServiceContext): string {
  const override = ctx.input.images?.[ctx.name];
  if (override) return override;
  if (ctx.service.build && !ctx.service.image) {
    ctx.warn("build", "Swarm cannot build; no built image was given, so the default image name is used");
  }
  return ctx.service.image ?? serviceImage(ctx.project, ctx.name);
}

export function containerSpec(ctx: ServiceContext, image: string): ContainerSpec {
  const s = ctx.service;
  const spec: ContainerSpec = { Image: image, Labels: withStackLabel(ctx.namespace, s.labels) };
  if (s.entrypoint?.length) spec.Command = s.entrypoint;
  if (s.command?.length) spec.Args = s.command;
  const env = toEnvList(s.environment);
  if (env.length) spec.Env = env;
  if (s.hostname) spec.Hostname = s.hostname;
  if (s.working_dir) spec.Dir = s.working_dir;
  if (s.user) spec.User = s.user;
  if (s.group_add?.length) spec.Groups = s.group_add;
  if (s.tty) spec.TTY = true;
  if (s.stdin_open) spec.OpenStdin = true;
  if (s.read_only) spec.ReadOnly = true;
  if (s.stop_signal) spec.StopSignal = s.stop_signal;
  if (s.stop_grace_period) spec.StopGracePeriod = durationNanos(s.stop_grace_period);
  if (s.init !== undefined) spec.Init = s.init;
  if (s.isolation) spec.Isolation = s.isolation;

  const health = toHealthConfig(s, ctx.apiVersion, ctx.warn);
  if (health) spec.Healthcheck = health;

  const hosts = swarmHosts(s.extra_hosts);
  if (hosts.length) spec.Hosts = hosts;
  if (s.dns?.length || s.dns_search?.length || s.dns_opt?.length) {
    spec.DNSConfig = {
      ...(s.dns?.length ? { Nameservers: s.dns } : {}),
      ...(s.dns_search?.length ? { Search: s.dns_search } : {}),
      ...(s.dns_opt?.length ? { Options: s.dns_opt } : {}),
    };
  }

  if (s.sysctls && Object.keys(s.sysctls).length && requireApi(ctx, "sysctls", "1.40")) spec.Sysctls = s.sysctls;
  const caps = effectiveCapabilities(s.cap_add ?? [], s.cap_drop ?? []);
  if ((caps.add.length || caps.drop.length) && requireApi(ctx, s.cap_add?.length ? "cap_add" : "cap_drop", "1.41")) {
    if (caps.add.length) spec.CapabilityAdd = caps.add;
    if (caps.drop.length) spec.CapabilityDrop = caps.drop;
  }
  const ulimits = swarmUlimits(s.ulimits);
  if (ulimits.length && requireApi(ctx, "ulimits", "1.41")) spec.Ulimits = ulimits;
  if (s.oom_score_adj !== undefined && requireApi(ctx, "oom_score_adj", "1.46")) spec.OomScoreAdj = s.oom_score_adj;
  return spec;
}

/** extra_hosts → SwarmKit's `IP hostname` lines (docker/cli convertExtraHosts), in file order. */
export function swarmHosts(extraHosts: Record<string, string[]> | undefined): string[] {
  const out: string[] = [];
  for (const [host, ips] of Object.entries(extraHosts ?? {})) for (const ip of ips) out.push(`${ip} ${host}`);
  return out;
}

/** Ulimits sorted by name; `single` sets both soft and hard (docker/cli convertUlimits). */
export function swarmUlimits(
  ulimits: Record<string, { single?: number; soft?: number; hard?: number }> | undefined,
): Array<{ Name: string; Soft: number; Hard: number }> {
  return Object.entries(ulimits ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, u]) =>
      u.single ? { Name: name, Soft: u.single, Hard: u.single } : { Name: name, Soft: u.soft ?? 0, Hard: u.hard ?? 0 },
    );
}

/** `net_admin` → `CAP_NET_ADMIN`; `ALL` and `RESET` stay. */
function normalizeCapability(cap: string): string {
  const upper = cap.trim().toUpperCase();
  return upper === "ALL" || upper === "RESET" || upper.startsWith("CAP_") ? upper : `CAP_${upper}`;
}

/**
 * The capability lists the engine should get, as the docker CLI computes them
 * (opts.EffectiveCapAddCapDrop): names normalized, deduplicated and sorted; `ALL` in a list
 * replaces the rest of that list; what is both added and dropped is only added; `RESET` dropped.
 */
export function effectiveCapabilities(add: string[], drop: string[]): { add: string[]; drop: string[] } {
  let adds = new Set(add.map(normalizeCapability));
  let drops = new Set(drop.map(normalizeCapability));
  if (adds.has("ALL")) adds = new Set(["ALL"]);
  if (drops.has("ALL")) drops = new Set(["ALL"]);
  return {
    add: [...adds].filter((c) => c !== "RESET").sort(),
    drop: [...drops].filter((c) => c !== "RESET" && !adds.has(c)).sort(),
  };
}
