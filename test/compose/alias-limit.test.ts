import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { importStack } from "../../src/codegen/index.js";
import { describe, expect, it } from "vitest";
import { UserError } from "../../src/compose/errors.js";
import { loadProject } from "../../src/compose/loader.js";
import { parseComposeYaml } from "../../src/compose/yaml.js";
import { tmpStack } from "../helpers/tmp-stack.js";

/** A "billion laughs": `levels` lists of nine aliases to the list before, under x- keys. */
function aliasBomb(levels: number): string {
  const names = "abcdefghijk".slice(0, levels).split("");
  const lines = [`x-a: &a [${Array(9).fill('"lol"').join(",")}]`];
  for (let i = 1; i < names.length; i++)
    lines.push(
      `x-${names[i]}: &${names[i]} [${Array(9)
        .fill(`*${names[i - 1]}`)
        .join(",")}]`,
    );
  return `${lines.join("\n")}\nservices:\n  web:\n    image: busybox\n`;
}

describe("alias expansion limit (go-yaml's excessive aliasing rule)", () => {
  it("refuses nested aliases under x- keys with the alias's file, line and column", () => {
    let error: unknown;
    try {
      parseComposeYaml(aliasBomb(7), "/p/compose.yml");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserError);
    // x-a..x-c expand to ~900 nodes; the first `*c` in x-d crosses go-yaml's threshold.
    expect((error as UserError).format()).toBe("/p/compose.yml:4:10: document contains excessive aliasing");
  });

  it("refuses a bomb hidden in a later document of the file", () => {
    expect(() => parseComposeYaml(`services: {}\n---\n${aliasBomb(9)}`, "/p/compose.yml")).toThrow(
      /excessive aliasing/,
    );
  });

  it("is refused by `c2ts import` too, which writes nothing", async () => {
    const dir = tmpStack({});
    writeFileSync(join(dir, "compose.yaml"), aliasBomb(7));
    await expect(
      importStack({ files: [join(dir, "compose.yaml")], outDir: join(dir, "gen"), environment: {} }),
    ).rejects.toThrow(/excessive aliasing/);
    expect(existsSync(join(dir, "gen"))).toBe(false);
  });

  it("keeps small alias trees that are mostly aliases", () => {
    const { documents } = parseComposeYaml(aliasBomb(3), "/p/compose.yml");
    expect((documents[0]!["x-c"] as unknown[][]).flat()).toHaveLength(81);
  });

  it("loads a stack with sentry self-hosted's heavy anchor and merge-key use", async () => {
    const file = join(import.meta.dirname, "../../fixtures/compose/heavy-anchors/compose.yaml");
    const { project } = await loadProject({ files: [file], environment: {} });
    expect(Object.keys(project.services)).toHaveLength(53);
    const web = project.services["sentry-web"]!;
    expect(web.restart).toBe("unless-stopped");
    expect(web.environment?.SNUBA).toBe("http://snuba-api:1218");
    expect(web.depends_on?.redis?.condition).toBe("service_healthy");
    expect(project.services["snuba-replacer"]!.environment?.SNUBA_SETTINGS).toBe("self_hosted");
  });
  // The awesome-compose corpus (test/compose/corpus.test.ts) loads through the same reader.
});
