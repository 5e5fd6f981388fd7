/**
 * Service volumes and tmpfs → Swarm mounts (docker/cli convert/volume.go): named volumes get
 * the stack's name and namespace label, and carry the top-level volume's driver and options,
 * because in Swarm each node creates the volume itself when a task first mounts it.
 */
import type { ServiceVolumeConfig } from "../../compose/model.js";
import { parseByteSize } from "../../compose/units.js";
import { requireApi, type ServiceContext } from "./context.js";
import { SwarmConvertError } from "./errors.js";
import { resourceName, scope, withStackLabel } from "./names.js";
import type { Mount } from "./types.js";

export function swarmMounts(ctx: ServiceContext): Mount[] {
  const out: Mount[] = [];
  for (const v of ctx.service.volumes ?? []) {
    const m = toMount(ctx, v);
    if (m) out.push(m);
  }
  for (const entry of ctx.service.tmpfs ?? []) out.push(tmpfsEntry(ctx, entry));
  return out;
}

/** The engine name of a named volume as a Swarm mount source. */
export function volumeSource(ctx: ServiceContext, key: string): string {
  const def = ctx.project.volumes?.[key];
  if (!def) throw new SwarmConvertError(ctx.name, `volumes.${key}`, "undefined volume");
  return def.external ? def.name || key : resourceName(ctx.project, ctx.namespace, key, def.name);
}

function toMount(ctx: ServiceContext, v: ServiceVolumeConfig): Mount | undefined {
  const field = `volumes[${v.target}]`;
  const m: Mount = { Type: v.type, Target: v.target };
  if (v.read_only) m.ReadOnly = true;
  if (v.consistency) m.Consistency = v.consistency;
  switch (v.type) {
    case "volume":
      return volumeMount(ctx, v, m, field);
    case "bind":
    case "npipe":
      if (!v.source) throw new SwarmConvertError(ctx.name, field, `a ${v.type} mount needs a source`);
      m.Source = v.source;
      bindOptions(ctx, v, m, field);
      return m;
    case "tmpfs":
      if (v.tmpfs?.size !== undefined || v.tmpfs?.mode !== undefined) {
        m.TmpfsOptions = {
          ...(v.tmpfs.size !== undefined ? { SizeBytes: v.tmpfs.size } : {}),
          ...(v.tmpfs.mode !== undefined ? { Mode: v.tmpfs.mode } : {}),
        };
      }
      return m;
    case "cluster":
      if (!v.source) throw new SwarmConvertError(ctx.name, field, "a cluster mount needs a source");
      if (!requireApi(ctx, field, "1.42")) return undefined;
      // A `group:` source names a volume group, which is not namespaced (docker/cli).
      m.Source = v.source.startsWith("group:") ? v.source : clusterSource(ctx, v.source);
      m.ClusterOptions = {};
      return m;
    default:
      ctx.warn(field, `Swarm services cannot mount a volume of type ${v.type}; not mounted`);
      return undefined;
  }
}

function clusterSource(ctx: ServiceContext, key: string): string {
  const def = ctx.project.volumes?.[key];
  return def ? volumeSource(ctx, key) : scope(ctx.namespace, key);
}

function volumeMount(ctx: ServiceContext, v: ServiceVolumeConfig, m: Mount, field: string): Mount {
  const opts: NonNullable<Mount["VolumeOptions"]> = {};
  if (v.volume?.nocopy) opts.NoCopy = true;
  if (v.volume?.subpath && requireApi(ctx, `${field}.volume.subpath`, "1.45")) opts.Subpath = v.volume.subpath;
  if (!v.source) {
    // Anonymous: a fresh volume per task, nothing to name or label.
    if (v.volume?.labels) opts.Labels = v.volume.labels;
    if (Object.keys(opts).length) m.VolumeOptions = opts;
    return m;
  }
  m.Source = volumeSource(ctx, v.source);
  const def = ctx.project.volumes![v.source]!;
  if (!def.external) {
    opts.Labels = withStackLabel(ctx.namespace, { ...(def.labels ?? {}), ...(v.volume?.labels ?? {}) });
    const driverOpts = def.driver_opts && Object.keys(def.driver_opts).length ? def.driver_opts : undefined;
    if (def.driver || driverOpts) {
      opts.DriverConfig = {
        ...(def.driver ? { Name: def.driver } : {}),
        ...(driverOpts ? { Options: driverOpts } : {}),
      };
    }
  } else if (v.volume?.labels) {
    opts.Labels = v.volume.labels;
  }
  m.VolumeOptions = opts;
  return m;
}

function bindOptions(ctx: ServiceContext, v: ServiceVolumeConfig, m: Mount, field: string): void {
  const b = v.bind;
  if (!b) return;
  const opts: NonNullable<Mount["BindOptions"]> = {};
  if (b.propagation) opts.Propagation = b.propagation;
  if (b.recursive === "disabled") opts.NonRecursive = true;
  else if (b.recursive === "writable" && requireApi(ctx, `${field}.bind.recursive`, "1.44"))
    opts.ReadOnlyNonRecursive = true;
  else if (b.recursive === "readonly" && requireApi(ctx, `${field}.bind.recursive`, "1.44"))
    opts.ReadOnlyForceRecursive = true;
  if (Object.keys(opts).length) m.BindOptions = opts;
  if (b.create_host_path && v.type === "bind") {
    ctx.warn(
      `${field}.bind.create_host_path`,
      `Swarm does not create a missing host path: ${v.source} must exist on every node the service can run on`,
    );
  }
  if (b.selinux) ctx.warn(`${field}.bind.selinux`, "Swarm mounts cannot relabel for SELinux; ignored");
}

/** Service-level `tmpfs: /path[:size=64m,mode=1777]` → a tmpfs mount. */
function tmpfsEntry(ctx: ServiceContext, entry: string): Mount {
  const i = entry.indexOf(":");
  const target = i >= 0 ? entry.slice(0, i) : entry;
  const m: Mount = { Type: "tmpfs", Target: target };
  const opts: NonNullable<Mount["TmpfsOptions"]> = {};
  for (const opt of i >= 0 ? entry.slice(i + 1).split(",") : []) {
    if (!opt) continue;
    const [key, value = ""] = opt.split("=", 2);
    if (key === "size") opts.SizeBytes = parseByteSize(value);
    else if (key === "mode") opts.Mode = Number.parseInt(value, 8);
    else if (key === "ro") m.ReadOnly = true;
    else ctx.warn(`tmpfs[${target}]`, `option "${opt}" cannot be set on a Swarm tmpfs mount; ignored`);
  }
  if (Object.keys(opts).length) m.TmpfsOptions = opts;
  return m;
}
