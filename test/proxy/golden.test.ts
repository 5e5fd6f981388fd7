/**
 * Generated proxy files compared byte for byte with fixtures/proxy/<case>/.
 * After an intended change: npx vite-node scripts/regen-proxy-golden.ts, then review the diff.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { generateProxyConfig } from "../../src/proxy/generate.js";
import { GOLDEN_DIR, goldenCases } from "./golden-cases.js";

const golden = (name: string, file: string) => readFileSync(new URL(`${name}/${file}`, GOLDEN_DIR), "utf8");

function findHaproxy(): string | undefined {
  for (const candidate of ["haproxy", "/usr/sbin/haproxy", "/usr/local/sbin/haproxy"]) {
    if (spawnSync(candidate, ["-v"], { stdio: "ignore" }).status === 0) return candidate;
  }
  return undefined;
}
const haproxy = findHaproxy();

describe.each(goldenCases())("golden $name", (c) => {
  const out = generateProxyConfig(c.project, c.cluster, c.node ? { node: c.node } : {});

  it("Traefik YAML matches byte for byte", () => {
    expect(out.traefikYaml).toBe(golden(c.name, "failover-fallbacks.yaml"));
  });

  it("haproxy.cfg matches byte for byte", () => {
    expect(out.haproxyCfg).toBe(golden(c.name, "haproxy.cfg"));
  });

  it("warnings match", () => {
    expect(out.warnings.map((w) => `${w}\n`).join("")).toBe(golden(c.name, "warnings.txt"));
  });

  it("is the same on a second run", () => {
    expect(
      generateProxyConfig(structuredClone(c.project), structuredClone(c.cluster), c.node ? { node: c.node } : {}),
    ).toEqual(out);
  });

  it.skipIf(!haproxy)(
    `haproxy -c accepts the golden haproxy.cfg${haproxy ? "" : " (skipped: haproxy not installed; apt-get install haproxy)"}`,
    () => {
      const file = fileURLToPath(new URL(`${c.name}/haproxy.cfg`, GOLDEN_DIR));
      const run = spawnSync(haproxy!, ["-c", "-f", file], { encoding: "utf8" });
      expect(run.stderr).not.toMatch(/\[(WARNING|ALERT)\]/);
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(/Configuration file is valid/);
    },
  );
});
