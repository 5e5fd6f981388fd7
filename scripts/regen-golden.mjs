#!/usr/bin/env node
// Regenerates the golden trees fixtures/<stack>/expected/ from the fixtures' compose files.
// Usage: node scripts/regen-golden.mjs   (then review the diff: it is the change in generated code)
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const vitest = fileURLToPath(new URL("../node_modules/vitest/vitest.mjs", import.meta.url));
const result = spawnSync(process.execPath, [vitest, "run", "test/codegen/golden.test.ts"], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, C2TS_UPDATE_GOLDEN: "1" },
});
process.exit(result.status ?? 1);
