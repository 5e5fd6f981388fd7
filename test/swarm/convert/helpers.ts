/** Loads a Compose YAML through the real loader (so tests see the canonical model) and converts it. */
import { join } from "node:path";
import type { Project } from "../../../src/compose/model.js";
import { loadProject } from "../../../src/compose/loader.js";
import { convertStack } from "../../../src/swarm/convert/index.js";
import type { SwarmConvertInput, SwarmStackSpec } from "../../../src/swarm/convert/types.js";
import { tmpStack } from "../../helpers/tmp-stack.js";

export async function load(yaml: string, files: Record<string, string> = {}): Promise<Project> {
  const dir = tmpStack({ "compose.yaml": yaml, ...files }, "proj");
  const { project } = await loadProject({ files: [join(dir, "compose.yaml")], environment: {}, cwd: dir });
  return project;
}

export async function convert(
  yaml: string,
  extra: Partial<SwarmConvertInput> = {},
  files: Record<string, string> = {},
): Promise<SwarmStackSpec> {
  const project = await load(yaml, files);
  return convertStack({ projectName: project.name, project, ...extra });
}

/** Warnings of one service (or top-level object) as `field: reason` lines. */
export function warningsOf(stack: SwarmStackSpec, service: string): string[] {
  return stack.warnings.filter((w) => w.service === service).map((w) => `${w.field}: ${w.reason}`);
}

export const NS = "com.docker.stack.namespace";
