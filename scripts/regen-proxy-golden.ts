/**
 * Rewrites the proxy golden files (fixtures/proxy/<case>/) from test/proxy/golden-cases.ts.
 * Run: npx vite-node scripts/regen-proxy-golden.ts   — then review the diff before committing.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { generateProxyConfig } from "../src/proxy/generate.js";
import { GOLDEN_DIR, goldenCases } from "../test/proxy/golden-cases.js";

const root = fileURLToPath(GOLDEN_DIR);
const cases = goldenCases();
mkdirSync(root, { recursive: true });
for (const entry of readdirSync(root, { withFileTypes: true })) {
  if (entry.isDirectory() && !cases.some((c) => c.name === entry.name))
    rmSync(new URL(`${entry.name}/`, GOLDEN_DIR), { recursive: true });
}
for (const c of cases) {
  const dir = new URL(`${c.name}/`, GOLDEN_DIR);
  mkdirSync(dir, { recursive: true });
  const out = generateProxyConfig(c.project, c.cluster, c.node ? { node: c.node } : {});
  writeFileSync(new URL("failover-fallbacks.yaml", dir), out.traefikYaml);
  writeFileSync(new URL("haproxy.cfg", dir), out.haproxyCfg);
  writeFileSync(new URL("warnings.txt", dir), out.warnings.map((w) => `${w}\n`).join(""));
  console.log(`fixtures/proxy/${c.name}/ (${c.description})`);
}
