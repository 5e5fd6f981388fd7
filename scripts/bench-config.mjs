// Benchmark for `c2ts config`: a generated 300-service stack over 10 included files, and `--version`.
// Prints wall-time medians; run with `npm run bench:config` after `npm run build`.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateLargeStack } from "./gen-large-stack.mjs";
import { row, timeCommand } from "./bench-util.mjs";

const bin = new URL("../bin/c2ts.js", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "c2ts-bench-"));
const file = generateLargeStack(dir, 10, 30);

console.log("c2ts config benchmark (medians of 7 runs, 2-core machine)");
row("node -e ''", timeCommand(process.execPath, ["-e", ""]));
row("c2ts --version", timeCommand(process.execPath, [bin, "--version"]), 150);
row(
  "c2ts config -f (300 services, 10 includes)",
  timeCommand(process.execPath, [bin, "config", "-f", file, "--format", "json"]),
  500,
);
