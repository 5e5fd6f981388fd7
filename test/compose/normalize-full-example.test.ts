/**
 * compose-go's full example (loader/full-example.yml → full-struct_test.go's expected JSON), run
 * through our stages: canonical form, relative paths, normalization. expected.json is that oracle
 * with what `docker compose config` adds on top of the raw struct (resource names, the implicit
 * default network) and what current compose-go prints (octal modes as strings, long-syntax devices,
 * env_file folded into environment and dropped).
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- these tests read into untyped model JSON */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { canonicalizeFile } from "../../src/compose/canonical.js";
import { resolveRelativePaths } from "../../src/compose/paths.js";
import type { Project } from "../../src/compose/model.js";
import { formatComposeJson, toComposeJson } from "../../src/compose/compose-json.js";
import { normalizeProject, referencedServiceFiles } from "../../src/compose/normalize.js";
import { readServiceFiles } from "../../src/compose/service-files.js";

const dir = resolve(__dirname, "../../fixtures/compose/full-example");
const homeDir = "/home/tester";

function load() {
  // YAML 1.1 reads `0440` as octal, like compose's yaml.v3
  const doc = parse(readFileSync(join(dir, "compose.yml"), "utf8"), { version: "1.1" });
  const canonical = canonicalizeFile(doc);
  const resolved = resolveRelativePaths(canonical, dir, { homeDir });
  return normalizeProject(resolved, {
    projectName: "full_example_project_name",
    workingDir: dir,
    environment: { QUX: "qux_from_environment" },
    files: readServiceFiles(referencedServiceFiles(resolved)),
  });
}

/** The model through normalization again: nothing left to change. */
function normalizeAgain(project: Project): Project {
  return normalizeProject(project as unknown as Record<string, unknown>, {
    projectName: "full_example_project_name",
    workingDir: dir,
    environment: {},
  });
}

function expectedJson(): string {
  return readFileSync(join(dir, "expected.json"), "utf8")
    .replaceAll("<WORKING_DIR>", dir)
    .replaceAll("<HOME_DIR>", homeDir)
    .trimEnd();
}

describe("full example", () => {
  it("prints what docker compose config --format json prints, key order included", () => {
    const project = toComposeJson(load());
    expect(JSON.stringify(project, null, 2)).toBe(expectedJson());
  });

  it("prints Go's escapes like compose-go's own expected JSON", () => {
    const text = formatComposeJson(load());
    expect(text).toContain(String.raw`"dockerfile_inline": "FROM alpine\nRUN echo \"hello\" \u003e /world.txt\n"`);
    expect(JSON.parse(text)).toEqual(JSON.parse(expectedJson()));
  });

  it("keeps x- extensions below the top level in the model", () => {
    const project = load() as any;
    const foo = project.services.foo;
    expect(Object.keys(foo).slice(-3)).toEqual(["working_dir", "x-bar", "x-foo"]);
    expect(project.networks["other-external-network"]["x-foo"]).toBe("bar");
    expect(project.configs.config4["x-bar"]).toBe("baz");
    expect(project["x-nested"]).toEqual({ bar: "baz", foo: "bar" });
  });

  it("is stable when encoded or normalized again", () => {
    const once = load();
    const json = toComposeJson(once);
    expect(toComposeJson(json as unknown as Project)).toEqual(json);
    expect(normalizeAgain(once)).toEqual(once);
  });
});
