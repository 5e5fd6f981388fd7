/**
 * Makes the relative paths of a canonical compose model absolute, attribute by attribute, the way
 * compose-go's `paths.ResolveRelativePaths` does (and, first, its one path-related default: a
 * `build` without `context` builds the base directory).
 *
 * Only the attributes that name host files are touched: build contexts (unless remote or
 * `service:`), env_file / label_file, extends.file, develop.watch paths, bind-mount sources,
 * secret/config files, include entries, and the device of a `local` volume bound with `o: bind`.
 * `~` expands to the home directory. Windows absolute paths are left alone where compose-go
 * does (bind sources, secret/config files, bound volume devices).
 */
import { homedir } from "node:os";
import { UserError } from "./errors.js";
import { defineEntry, isMapping } from "./mapping.js";
import { Override, isOverride, isReset } from "./yaml-tags.js";
import { goClean } from "./go-format.js";

type Mapping = Record<string, unknown>;

export interface ResolvePathsOptions {
  /** Where `~` points; defaults to the current user's home directory. */
  homeDir?: string;
}

export function resolveRelativePaths(
  dict: Record<string, unknown>,
  baseDir: string,
  opts: ResolvePathsOptions = {},
): Record<string, unknown> {
  const r = new Resolver(baseDir, opts.homeDir ?? homedir());
  const out: Mapping = { ...dict };
  if ("services" in out) {
    out.services = marked(out.services, (services) =>
      eachValue(services, (name, service) => marked(service, (s) => r.service(s, `services.${name}`))),
    );
  }
  for (const kind of ["secrets", "configs"] as const) {
    if (kind in out) {
      out[kind] = marked(out[kind], (items) =>
        eachValue(items, (_name, item) =>
          marked(item, (i) =>
            isMapping(i) && typeof i.file === "string" ? { ...i, file: r.maybeUnixPath(i.file) } : i,
          ),
        ),
      );
    }
  }
  if ("volumes" in out) {
    out.volumes = marked(out.volumes, (volumes) =>
      eachValue(volumes, (_name, v) => marked(v, (vol) => r.volumeDevice(vol))),
    );
  }
  if ("include" in out) {
    out.include = marked(out.include, (list) =>
      Array.isArray(list) ? list.map((e) => marked(e, (i) => r.include(i))) : list,
    );
  }
  return out;
}

const REMOTE_CONTEXT_PREFIXES = ["https://", "http://", "git://", "ssh://", "github.com/", "git@"];

class Resolver {
  constructor(
    private readonly baseDir: string,
    private readonly homeDir: string,
  ) {}

  service(service: unknown, path: string): unknown {
    if (!isMapping(service)) return service;
    const out: Mapping = { ...service };
    if ("build" in out) out.build = marked(out.build, (b) => this.build(b));
    if ("env_file" in out) {
      out.env_file = marked(out.env_file, (list) =>
        eachItem(list, (e) => (isMapping(e) && typeof e.path === "string" ? { ...e, path: this.absPath(e.path) } : e)),
      );
    }
    if ("label_file" in out) {
      out.label_file = marked(out.label_file, (list) =>
        typeof list === "string"
          ? this.absPath(list)
          : eachItem(list, (e) => (typeof e === "string" ? this.absPath(e) : e)),
      );
    }
    if ("extends" in out) {
      out.extends = marked(out.extends, (ext) =>
        isMapping(ext) && typeof ext.file === "string" && !isRemoteResource(ext.file)
          ? { ...ext, file: this.absPath(ext.file) }
          : ext,
      );
    }
    if ("develop" in out) out.develop = marked(out.develop, (d) => this.develop(d));
    if ("volumes" in out) {
      out.volumes = marked(out.volumes, (list) =>
        Array.isArray(list) ? list.map((v, i) => marked(v, (m) => this.volumeMount(m, `${path}.volumes[${i}]`))) : list,
      );
    }
    return out;
  }

  private build(build: unknown): unknown {
    if (!isMapping(build)) return build;
    const out: Mapping = { ...build };
    // compose-go sets this default before resolving paths, against the same base directory
    if (!("context" in out) || out.context === null) out.context = ".";
    out.context = marked(out.context, (c) => (typeof c === "string" ? this.contextPath(c) : c));
    if ("additional_contexts" in out) {
      out.additional_contexts = marked(out.additional_contexts, (ctxs) =>
        eachValue(ctxs, (_k, c) => (typeof c === "string" ? this.contextPath(c) : c)),
      );
    }
    return out;
  }

  private develop(develop: unknown): unknown {
    if (!isMapping(develop) || !Array.isArray(develop.watch)) return develop;
    return {
      ...develop,
      watch: develop.watch.map((w) =>
        isMapping(w) && typeof w.path === "string" ? { ...w, path: this.absPath(w.path) } : w,
      ),
    };
  }

  private volumeMount(mount: unknown, path: string): unknown {
    if (!isMapping(mount) || mount.type !== "bind") return mount;
    if (typeof mount.source !== "string") {
      throw new UserError(`${path}: invalid mount config for type "bind": field Source must not be empty`, { path });
    }
    return { ...mount, source: this.maybeUnixPath(mount.source) };
  }

  volumeDevice(volume: unknown): unknown {
    if (!isMapping(volume) || volume.driver !== "local" || !isMapping(volume.driver_opts)) return volume;
    const opts = volume.driver_opts;
    if (opts.o !== "bind" || typeof opts.device !== "string") return volume;
    return { ...volume, driver_opts: { ...opts, device: this.maybeUnixPath(opts.device) } };
  }

  include(entry: unknown): unknown {
    if (!isMapping(entry)) return entry;
    const out: Mapping = { ...entry };
    const abs = (v: unknown): unknown =>
      typeof v === "string"
        ? this.absPath(v)
        : Array.isArray(v)
          ? v.map((e) => (typeof e === "string" ? this.absPath(e) : e))
          : v;
    for (const key of ["path", "project_directory", "env_file"]) if (key in out) out[key] = abs(out[key]);
    return out;
  }

  private contextPath(context: string): string {
    if (context.includes("://") || context.startsWith("service:")) return context;
    if (REMOTE_CONTEXT_PREFIXES.some((p) => context.startsWith(p))) return context;
    return this.absPath(context);
  }

  /** filepath.Join(base, p) unless already absolute; `~` expanded; an empty path stays empty. */
  absPath(p: string): string {
    const expanded = this.expandUser(p);
    if (expanded.startsWith("/")) return expanded;
    if (expanded === "") return expanded;
    return goClean(`${this.baseDir}/${expanded}`);
  }

  /** Like absPath, but a Windows absolute path (for a Windows daemon) is left as it is. */
  maybeUnixPath(p: string): string {
    const expanded = this.expandUser(p);
    if (expanded.startsWith("/") || isWindowsAbs(expanded)) return expanded;
    return goClean(`${this.baseDir}/${expanded}`);
  }

  private expandUser(p: string): string {
    return p.startsWith("~") ? goClean(`${this.homeDir}/${p.slice(1)}`) : p;
  }
}

/** `C:\x`, `C:/x` or a UNC path `\\host\share\x`. */
export function isWindowsAbs(p: string): boolean {
  return /^[A-Za-z]:[\\/]/.test(p) || /^[\\/]{2}[^\\/]+[\\/][^\\/]+/.test(p);
}

function isRemoteResource(p: string): boolean {
  return p.includes("://") || p.startsWith("git@");
}

function marked(value: unknown, fn: (v: unknown) => unknown): unknown {
  if (isReset(value)) return value;
  if (isOverride(value)) return new Override(fn(value.value));
  return fn(value);
}

function eachValue(value: unknown, fn: (key: string, v: unknown) => unknown): unknown {
  if (!isMapping(value)) return value;
  const out: Mapping = {};
  for (const [k, v] of Object.entries(value)) defineEntry(out, k, fn(k, v));
  return out;
}

function eachItem(value: unknown, fn: (v: unknown) => unknown): unknown {
  return Array.isArray(value) ? value.map((e) => marked(e, fn)) : value;
}
