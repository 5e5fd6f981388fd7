/**
 * docker compose's `WithoutUnnecessaryResources`, which `config` applies unless `--all`.
 */
import { defineEntry, isMapping } from "./mapping.js";
import type { Project } from "./model.js";

type Mapping = Record<string, unknown>;

/**
 * docker compose's `WithoutUnnecessaryResources` (applied by `config` unless `--all`, after profiles):
 * drops the networks, volumes, secrets, configs and models no remaining service refers to.
 */
export function pruneUnusedResources(project: Project): Project {
  const p = project as unknown as Mapping;
  const used: Record<string, Set<string>> = {
    networks: new Set(),
    volumes: new Set(),
    secrets: new Set(),
    configs: new Set(),
    models: new Set(),
  };
  for (const service of Object.values((p.services ?? {}) as Record<string, Mapping>)) {
    for (const n of Object.keys((service.networks ?? {}) as Mapping)) used.networks!.add(n);
    for (const v of (service.volumes ?? []) as Mapping[]) {
      if (v.type === "volume" && typeof v.source === "string" && v.source !== "") used.volumes!.add(v.source);
    }
    for (const s of (service.secrets ?? []) as Mapping[]) used.secrets!.add(String(s.source));
    const build = service.build as Mapping | undefined;
    for (const s of (build?.secrets ?? []) as Mapping[]) used.secrets!.add(String(s.source));
    for (const c of (service.configs ?? []) as Mapping[]) used.configs!.add(String(c.source));
    for (const m of Object.keys((service.models ?? {}) as Mapping)) used.models!.add(m);
  }
  const out: Mapping = {};
  for (const [key, value] of Object.entries(p)) {
    const keep = used[key];
    if (!keep || !isMapping(value)) {
      defineEntry(out, key, value);
      continue;
    }
    const filtered: Mapping = {};
    for (const [name, item] of Object.entries(value)) if (keep.has(name)) defineEntry(filtered, name, item);
    if (Object.keys(filtered).length > 0) defineEntry(out, key, filtered);
  }
  return out as unknown as Project;
}
