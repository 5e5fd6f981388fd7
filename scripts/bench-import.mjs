// Benchmark for `c2ts import` and `c2ts config --stack`: a generated 300-service stack over 10
// included files, imported to TypeScript, then loaded back. Prints wall-time medians (whole
// processes, as a user runs them); run with `npm run bench:import` after `npm run build`.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateLargeStack } from "./gen-large-stack.mjs";
import { row, timeCommand } from "./bench-util.mjs";

const bin = new URL("../bin/c2ts.js", import.meta.url).pathname;
if (!existsSync(new URL("../dist/codegen/index.js", import.meta.url))) {
  console.error("dist/ is missing: run `npm run build` first");
  process.exit(1);
}
const dir = mkdtempSync(join(tmpdir(), "c2ts-bench-import-"));
const file = generateLargeStack(dir, 10, 30);
const outDir = join(dir, "generated");
const stack = join(outDir, "services.ts");
const env = { ...process.env, NO_COLOR: "1" };

// The loaded TypeScript stack must print exactly what the YAML does, or the timing means nothing.
const run = (args) => spawnSync(process.execPath, [bin, ...args], { env, encoding: "utf8", maxBuffer: 64 << 20 });
const imported = run(["import", "-f", file, "-o", outDir]);
if (imported.status !== 0) throw new Error(`c2ts import failed: ${imported.stderr}`);
const fromYaml = run(["config", "-f", file, "--format", "json"]);
const fromTs = run(["config", "--stack", stack, "--format", "json"]);
if (fromYaml.status !== 0 || fromTs.status !== 0 || fromYaml.stdout !== fromTs.stdout) {
  throw new Error(`config --stack differs from config -f:\n${fromTs.stderr || fromYaml.stderr}`);
}

console.log("c2ts import benchmark (medians of 7 runs, whole processes)");
row("node -e ''", timeCommand(process.execPath, ["-e", ""], { env }));
row(
  "c2ts import (300 services, 10 includes)",
  timeCommand(process.execPath, [bin, "import", "-f", file, "-o", outDir, "--force"], { env }),
  2000,
);
row(
  "c2ts config --stack services.ts",
  timeCommand(process.execPath, [bin, "config", "--stack", stack, "--format", "json"], { env }),
  600,
);
row(
  "c2ts config -f compose.yaml (for comparison)",
  timeCommand(process.execPath, [bin, "config", "-f", file, "--format", "json"], { env }),
);
