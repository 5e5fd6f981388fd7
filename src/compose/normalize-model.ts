/**
 * compose-go's `Normalize(dict, env)`: the implicit defaults `ToModel` adds to the merged model
 * when it is not turned into a project, which is what `config --no-interpolate` prints. The typed
 * project gets the same defaults from normalize.ts; this is the untyped form, applied in place:
 * - services without `networks` (and without `network_mode`) join `default`, declared only if used;
 * - `pull_policy: if_not_present` reads `missing`;
 * - `build` gets `context: .` and `dockerfile: Dockerfile`, and its bare args take the environment's
 *   value (unset ones are dropped);
 * - bare `environment` entries take the environment's value (unset ones stay null);
 * - links, `service:` namespaces and volumes_from add `depends_on` entries;
 * - networks, volumes, configs and secrets without `name` are named `<project>_<key>` (external: the key).
 */
import { goIsTrue } from "./go-format.js";
import { defineEntry, isMapping, ownEntry } from "./mapping.js";

type Dict = Record<string, unknown>;
type Lookup = (name: string) => string | undefined;

export function normalizeModel(model: Dict, environment: Readonly<Record<string, string | undefined>>): Dict {
  const lookup: Lookup = (name) => ownEntry(environment, name);
  normalizeNetworks(model);
  const services = model.services;
  if (isMapping(services)) {
    for (const service of Object.values(services)) if (isMapping(service)) normalizeService(service, lookup);
  }
  nameFromKey(model);
  return model;
}

function normalizeNetworks(model: Dict): void {
  const networks: Dict = isMapping(model.networks) ? model.networks : {};
  let usesDefault = false;
  const services = isMapping(model.services) ? Object.values(model.services) : [];
  for (const service of services) {
    if (!isMapping(service) || "network_mode" in service) continue;
    const attached = service.networks;
    if (!isMapping(attached) || Object.keys(attached).length === 0) {
      service.networks = { default: null };
      usesDefault = true;
    } else if (Object.hasOwn(attached, "default")) usesDefault = true;
  }
  if (usesDefault && !Object.hasOwn(networks, "default")) networks.default = null;
  if (Object.keys(networks).length > 0) model.networks = networks;
}

function normalizeService(service: Dict, lookup: Lookup): void {
  if (service.pull_policy === "if_not_present") service.pull_policy = "missing";
  const build = service.build;
  if (isMapping(build)) {
    build.context ??= ".";
    if (build.dockerfile == null && build.dockerfile_inline == null) build.dockerfile = "Dockerfile";
    if (build.args !== undefined) build.args = resolveBare(build.args, lookup, false);
  }
  if (service.environment !== undefined) service.environment = resolveBare(service.environment, lookup, true);

  const dependsOn: Dict = isMapping(service.depends_on) ? service.depends_on : {};
  const implied = (name: string, restart: boolean) => {
    if (!Object.hasOwn(dependsOn, name)) {
      defineEntry(dependsOn, name, { condition: "service_started", restart, required: true });
    }
  };
  for (const link of stringsOf(service.links)) {
    const parts = link.split(":");
    implied(parts.length === 2 ? parts[0]! : link, true);
  }
  for (const key of ["network_mode", "ipc", "pid", "uts", "cgroup"]) {
    const ref = service[key];
    if (typeof ref === "string" && ref.startsWith("service:")) implied(ref.slice("service:".length), true);
  }
  for (const from of stringsOf(service.volumes_from)) {
    if (!from.startsWith("container:")) implied(from.split(":")[0]!, false);
  }
  if (Object.keys(dependsOn).length > 0) service.depends_on = dependsOn;
}

/** A bare `KEY` (list) or `KEY: null` (mapping) takes the environment's value; unset ones stay only if `keepUnset`. */
function resolveBare(value: unknown, lookup: Lookup, keepUnset: boolean): unknown {
  if (Array.isArray(value)) {
    return value.flatMap((entry) => {
      if (typeof entry !== "string" || entry.includes("=")) return [entry];
      const found = lookup(entry);
      if (found !== undefined) return [`${entry}=${found}`];
      return keepUnset ? [entry] : [];
    });
  }
  if (!isMapping(value)) return value;
  const out: Dict = {};
  for (const [key, entry] of Object.entries(value)) {
    const found = entry == null ? lookup(key) : undefined;
    if (entry != null) defineEntry(out, key, entry);
    else if (found !== undefined) defineEntry(out, key, found);
    else if (keepUnset) defineEntry(out, key, null);
  }
  return out;
}

function nameFromKey(model: Dict): void {
  for (const kind of ["networks", "volumes", "configs", "secrets"]) {
    const resources = model[kind];
    if (!isMapping(resources)) continue;
    for (const [key, entry] of Object.entries(resources)) {
      const resource: Dict = isMapping(entry) ? entry : {};
      if (resource.name == null) resource.name = goIsTrue(resource.external) ? key : `${String(model.name)}_${key}`;
      defineEntry(resources, key, resource);
    }
  }
}

function stringsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}
