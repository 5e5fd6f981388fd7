import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadProject } from "../../src/compose/loader.js";
import { formatComposeJson } from "../../src/compose/compose-json.js";

// Real public stacks (docker/awesome-compose, CC0) beside the project when available.
const CORPUS = join(import.meta.dirname, "../../../shared/corpus/awesome-compose");

export function corpusStacks(): { name: string; file: string }[] {
  if (!existsSync(CORPUS)) return [];
  return readdirSync(CORPUS, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => {
      const file = ["compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"]
        .map((f) => join(CORPUS, d.name, f))
        .find((f) => existsSync(f));
      return file ? [{ name: d.name, file }] : [];
    });
}

const stacks = corpusStacks();

describe.skipIf(stacks.length === 0)("awesome-compose corpus", () => {
  it.each(stacks)("$name loads", async ({ file }) => {
    const { project } = await loadProject({ files: [file], environment: {}, allProfiles: true });
    expect(Object.keys(project.services).length).toBeGreaterThan(0);
    expect(() => JSON.parse(formatComposeJson(project))).not.toThrow();
  });
});
