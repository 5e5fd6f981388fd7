/**
 * The stack types are generated from schema/compose-spec.json and must stay in step with it,
 * carrying the schema's descriptions so editors document every field.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const types = readFileSync(join(REPO, "src/stack/types.generated.ts"), "utf8");
const schema = JSON.parse(readFileSync(join(REPO, "schema/compose-spec.json"), "utf8")) as {
  definitions: Record<string, { properties?: Record<string, { description?: string }> }>;
};

describe("types generated from the compose-spec schema", () => {
  it("are up to date with schema/compose-spec.json", () => {
    expect(() =>
      execFileSync(process.execPath, [join(REPO, "scripts/gen-types.mjs"), "--check"], { stdio: "pipe" }),
    ).not.toThrow();
  });

  it("keep compose key names and document every service field", () => {
    const service = types.slice(types.indexOf("export interface Service {"));
    for (const [name, prop] of Object.entries(schema.definitions.service!.properties!)) {
      expect(service, name).toMatch(new RegExp(`\\n  ${name}\\??:`));
      if (prop.description) expect(service, name).toContain(prop.description.split("\n")[0]);
    }
  });

  it("accept a lookup (a string) wherever Compose casts a scalar after interpolation", () => {
    expect(types).not.toMatch(/: number;|: boolean;/);
    expect(types).toContain(
      'condition: "service_started" | "service_healthy" | "service_completed_successfully" | (string & {});',
    );
  });
});
