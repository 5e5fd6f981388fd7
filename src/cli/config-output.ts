/**
 * What `c2ts config` prints, flag by flag, as `docker compose config` (cmd/compose/config.go):
 * the canonical model by default, or one of the listings (--services, --volumes, --networks,
 * --profiles, --images, --variables, --environment, --hash). The text is computed first, then
 * written once (stdout or `-o FILE`), so a failure never leaves half an output behind.
 */
import { renameSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { LoadOptions } from "../compose/loader.js";
import type { Project } from "../compose/model.js";
import { stringValue, type ParsedArgs } from "./args.js";
import { UsageError } from "./errors.js";
import { loadOptionsFromArgs } from "./project-options.js";

type Format = "yaml" | "json";

/** The text `config` prints for `args` (empty with --quiet); `base` presets load options (tests). */
export async function configOutput(args: ParsedArgs, base: Partial<LoadOptions> = {}): Promise<string> {
  const v = args.values;
  const formatFlag = stringValue(v.format);
  if (formatFlag !== undefined && formatFlag !== "yaml" && formatFlag !== "json") {
    throw new UsageError(`config: unsupported format "${formatFlag}" (use yaml or json)`);
  }
  const format: Format = formatFlag ?? "yaml";
  const flags: Partial<LoadOptions> = {
    ...base,
    interpolate: !v["no-interpolate"],
    resolvePaths: !v["no-path-resolution"],
    consistency: !v["no-consistency"],
    normalize: !v["no-normalize"],
    resolveEnvFiles: !v["no-env-resolution"],
  };
  const positionals = args.positionals;
  const load = async (extra: Partial<LoadOptions> = {}) => {
    const { loadProject } = await import("../compose/loader.js");
    return loadProject(await loadOptionsFromArgs(args, { preferStack: false }, { ...flags, ...extra }));
  };
  const loadModel = async (extra: Partial<LoadOptions> = {}) => {
    const { loadMergedModel } = await import("../compose/loader.js");
    return loadMergedModel(await loadOptionsFromArgs(args, { preferStack: false }, { ...flags, ...extra }));
  };
  const lines = (items: Iterable<string>) => [...items].map((l) => `${l}\n`).join("");

  if (v.services) {
    if (v["no-interpolate"]) return lines(Object.keys(servicesOf((await loadModel()).model)).sort());
    const { project } = await load();
    return lines(servicesInDependencyOrder(project));
  }
  if (v.volumes) return lines(Object.keys((await prunedProject(load)).volumes ?? {}).sort());
  if (v.networks) return lines(Object.keys((await prunedProject(load)).networks ?? {}).sort());
  const hash = stringValue(v.hash);
  if (hash !== undefined && hash !== "") {
    const { project } = await load();
    const { composeServiceHash } = await import("../runtime/service-hash.js");
    const names = hash === "*" ? Object.keys(project.services) : hash.split(",");
    const { UserError } = await import("../compose/errors.js");
    return lines(
      [...names].sort().map((name) => {
        if (!(name in project.services)) throw new UserError(`no such service: ${name}`);
        return `${name} ${composeServiceHash(project, name)}`;
      }),
    );
  }
  if (v.profiles) {
    const { project } = await load({ allProfiles: true, services: positionals });
    const profiles = new Set(Object.values(project.services).flatMap((s) => s.profiles ?? []));
    return lines([...profiles].sort());
  }
  if (v.images) {
    const { project } = await load({ services: positionals });
    return lines(
      Object.keys(project.services)
        .sort()
        .map((name) => project.services[name]!.image ?? `${project.name}-${name}`),
    );
  }
  if (v.variables) {
    const { extractVariables, formatVariablesTable } = await import("../compose/variables.js");
    const variables = extractVariables((await loadModel({ interpolate: false })).model);
    if (formatFlag === undefined) return formatVariablesTable(variables);
    const byName = Object.fromEntries(
      variables.map((x) => [
        x.name,
        { Name: x.name, DefaultValue: x.defaultValue, PresenceValue: x.alternateValue, Required: x.required },
      ]),
    );
    if (format === "json") return JSON.stringify(byName) + "\n";
    const lower = Object.fromEntries(
      Object.entries(byName).map(([k, x]) => [
        k,
        { name: x.Name, defaultvalue: x.DefaultValue, presencevalue: x.PresenceValue, required: x.Required },
      ]),
    );
    return Object.keys(lower).length === 0 ? "{}\n" : (await import("yaml")).stringify(lower, { lineWidth: 0 });
  }
  if (v.environment) {
    const { environment } = await load({ services: positionals });
    return lines(
      Object.keys(environment)
        .sort()
        .map((k) => `${k}=${environment[k]}`),
    );
  }

  if (v["no-interpolate"]) {
    const { model, projectName, environment } = await loadModel();
    // compose-go's ToModel prints the raw dict (normalized unless --no-normalize): keys sorted, `$` as written.
    const named = { ...model, name: projectName };
    if (v["no-normalize"]) return formatModel(named, format);
    const { normalizeModel } = await import("../compose/normalize-model.js");
    return formatModel(normalizeModel(named, environment), format);
  }
  const { project } = await load({ services: positionals });
  if (v.quiet) return "";
  const { formatComposeJson, toComposeJson } = await import("../compose/compose-json.js");
  const { pruneUnusedResources } = await import("../compose/prune.js");
  // Like `docker compose config`, resources no enabled service uses are not printed.
  const pruned = pruneUnusedResources(project);
  if (format === "json") return formatComposeJson(pruned) + "\n";
  const { stringify } = await import("yaml");
  // compose doubles every `$` of its output so that it reads back as the same model.
  return stringify(toComposeJson(pruned), { aliasDuplicateObjects: false, lineWidth: 0 }).replaceAll("$", "$$$$");
}

/** Writes the output: `-o FILE` atomically (only when there is something to write), else stdout. */
export async function writeConfigOutput(text: string, args: ParsedArgs): Promise<void> {
  if (args.values.quiet) return;
  const file = stringValue(args.values.output);
  if (file !== undefined) {
    if (text === "") return;
    const target = resolve(file);
    const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
    writeFileSync(tmp, text, { mode: 0o666 });
    renameSync(tmp, target);
    return;
  }
  await writeStdout(text);
}

/** Resolves once `text` is handed to stdout; a closed pipe is bin/c2ts.js's concern (exit 1, quietly). */
function writeStdout(text: string): Promise<void> {
  return new Promise((done) => process.stdout.write(text, () => done()));
}

async function prunedProject(load: () => Promise<{ project: Project }>): Promise<Project> {
  const { pruneUnusedResources } = await import("../compose/prune.js");
  return pruneUnusedResources((await load()).project);
}

function servicesOf(model: Record<string, unknown>): Record<string, unknown> {
  const services = model.services;
  return services && typeof services === "object" ? (services as Record<string, unknown>) : {};
}

/**
 * compose-go's ForEachService over every service: names sorted, each service after the
 * services it depends on (depth first, dependencies sorted too).
 */
export function servicesInDependencyOrder(project: Project): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name) || !(name in project.services)) return;
    seen.add(name);
    for (const dep of Object.keys(project.services[name]!.depends_on ?? {}).sort()) visit(dep);
    out.push(name);
  };
  for (const name of Object.keys(project.services).sort()) visit(name);
  return out;
}

/** A raw model as Go prints a map: keys sorted at every level (yaml.v3, json.MarshalIndent). */
async function formatModel(model: Record<string, unknown>, format: Format): Promise<string> {
  const sorted = sortKeys(model);
  if (format === "json") {
    const { goJsonEscape } = await import("../compose/go-format.js");
    return goJsonEscape(JSON.stringify(sorted, null, 2)) + "\n";
  }
  const { stringify } = await import("yaml");
  return stringify(sorted, { aliasDuplicateObjects: false, lineWidth: 0 });
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}
