/**
 * `services.<name>.extends`, resolved the way compose-go v2 does (`loader/extends.go`):
 * the referenced service (after its own `extends`, recursively) is the base, the extending service is
 * merged over it with the ordinary merge rules, and `extends` is dropped from the result.
 *
 * Every attribute is inherited, `depends_on`, `volumes_from`, `links` and `service:` references
 * included (older compose-go dropped depends_on/volumes_from; v2 no longer does). Resources those
 * attributes name (networks, volumes, secrets, other services) are not imported: the extending
 * document has to declare them.
 */

import { isAbsolute, dirname, resolve } from "node:path";

import { UserError } from "./errors.js";
import { isMapping } from "./mapping.js";
import { mergeService, stripResetMarkers } from "./merge.js";
import { Override, isOverride, isReset } from "./yaml-tags.js";

type Service = Record<string, unknown>;
type Services = Record<string, Service>;

export interface ExtendsContext {
  /**
   * Load another compose file's services as canonical raw dicts, with relative paths already resolved
   * against that file's directory (so they stay right once merged into a service of another file).
   * `file` is `extends.file` as written; it is relative to `fromFile`'s directory unless absolute.
   * The returned services may still hold their own `extends`: they are resolved here, against that
   * file. Called at most once per file within one `resolveExtends` call.
   */
  loadFile(file: string, fromFile: string): Services;
}

/**
 * Resolves `extends` for every service of one compose file. Inputs are not mutated.
 *
 * The extending service's `!reset` / `!override` markers are applied to the inherited definition and
 * kept in the result: compose-go also applies them to the same service in earlier `-f` files when the
 * document is merged (`mergeComposeFiles` consumes them).
 */
export function resolveExtends(services: Services, file: string, ctx: ExtendsContext): Services {
  const resolver = new ExtendsResolver(file, services, ctx);
  const out: Record<string, Service | null> = {};
  for (const name of Object.keys(services)) {
    const resolved = resolver.resolve(name, file, services, []);
    Object.defineProperty(out, name, { value: resolved, enumerable: true, writable: true, configurable: true });
  }
  return out as Services;
}

/** A service being resolved, to report `extends` cycles. */
interface ChainLink {
  file: string;
  service: string;
}

class ExtendsResolver {
  /** Resolved services by file, then name: a base shared by several services is merged once. */
  private readonly resolved = new Map<string, Map<string, Service>>();
  private readonly files = new Map<string, Services>();

  constructor(
    mainFile: string,
    mainServices: Services,
    private readonly ctx: ExtendsContext,
  ) {
    this.files.set(mainFile, mainServices);
  }

  /** `null` for a service declared without a body (`web:`), which compose-go lets through untouched. */
  resolve(name: string, file: string, services: Services, chain: ChainLink[]): Service | null {
    const service: unknown = services[name];
    if (service === null || service === undefined) return null;
    if (!isMapping(service)) {
      throw new UserError(`services.${name} must be a mapping`, { location: { file }, path: `services.${name}` });
    }
    const ref = extendsReference(service.extends, name, file);
    if (!ref) return copy(service) as Service;

    const done = this.resolved.get(file)?.get(name);
    if (done) return done;

    const link = { file, service: name };
    if (chain.some((l) => l.file === file && l.service === name)) throw circularReference([...chain, link]);

    let baseFile = file;
    let baseServices = services;
    if (ref.file !== undefined) {
      baseFile = this.fileId(ref.file, file);
      baseServices = this.load(ref.file, file, baseFile);
      if (!Object.hasOwn(baseServices, ref.service)) {
        throw new UserError(
          `cannot extend service "${name}" in ${file}: service "${ref.service}" not found in ${ref.file}`,
          { location: { file }, path: `services.${name}.extends` },
        );
      }
    } else if (!Object.hasOwn(services, ref.service)) {
      throw new UserError(`cannot extend service "${name}" in ${file}: service "${ref.service}" not found`, {
        location: { file },
        path: `services.${name}.extends`,
      });
    }

    const base = this.resolve(ref.service, baseFile, baseServices, [...chain, link]);
    // The base's own markers belong to its own file's merge, not to the services extending it.
    const merged = base
      ? mergeService(stripResetMarkers(base) as Service, service, { keepMarkers: true })
      : (copy(service) as Service);
    delete merged.extends;

    let perFile = this.resolved.get(file);
    if (!perFile) this.resolved.set(file, (perFile = new Map()));
    perFile.set(name, merged);
    return merged;
  }

  private load(file: string, fromFile: string, id: string): Services {
    let services = this.files.get(id);
    if (!services) {
      services = this.ctx.loadFile(file, fromFile);
      this.files.set(id, services);
    }
    return services;
  }

  /** How a referenced file is identified (cache, cycle detection, error messages of nested extends). */
  private fileId(file: string, fromFile: string): string {
    const remote = (f: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(f) || f.startsWith("git@");
    if (isAbsolute(file) || remote(file) || remote(fromFile)) return file;
    return resolve(dirname(fromFile), file);
  }
}

interface ExtendsReference {
  service: string;
  file?: string;
}

/** `extends: name` or `extends: {service, file}`; undefined when the service extends nothing. */
function extendsReference(value: unknown, name: string, file: string): ExtendsReference | undefined {
  if (value === undefined || value === null || isReset(value)) return undefined;
  const ext = isOverride(value) ? value.value : value;
  if (typeof ext === "string") return { service: ext };
  if (isMapping(ext)) {
    if (typeof ext.service !== "string") {
      throw new UserError(`extends.${name}.service is required`, {
        location: { file },
        path: `services.${name}.extends`,
      });
    }
    const from = ext.file;
    if (from === undefined || from === null) return { service: ext.service };
    if (typeof from !== "string") {
      throw new UserError(`services.${name}.extends.file must be a string`, {
        location: { file },
        path: `services.${name}.extends.file`,
      });
    }
    return { service: ext.service, file: from };
  }
  throw new UserError(`services.${name}.extends must be a string or a mapping`, {
    location: { file },
    path: `services.${name}.extends`,
  });
}

/** A deep copy that keeps `RESET` / `Override` markers. */
function copy(value: unknown): unknown {
  if (isOverride(value)) return new Override(copy(value.value));
  if (Array.isArray(value)) return value.map(copy);
  if (isMapping(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      Object.defineProperty(out, key, { value: copy(child), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}

/** compose-go's message: the whole chain, from the first service to the one seen again. */
function circularReference(chain: ChainLink[]): UserError {
  const [first, ...rest] = chain;
  const lines = ["Circular reference:", `  ${first!.service} in ${first!.file}`];
  for (const link of rest) lines.push(`  extends ${link.service} in ${link.file}`);
  return new UserError(lines.join("\n"), {
    location: { file: first!.file },
    path: `services.${first!.service}.extends`,
  });
}
