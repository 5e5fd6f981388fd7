// Compiles src/ to dist/ (run by `npm run build` and by npm's `prepare` after `npm ci`), then
// bundles the CLI into dist/bin/ for bin/c2ts.js.
//
// Why a bundle: Node 20 resolves, reads and links each of the ~80 ESM files a deploy loads one by
// one; one file per lazily-loaded part (esbuild's code splitting keeps each dynamic import lazy)
// took a no-op deploy's CPU time from 0.66 s to 0.53 s (median of 7, 2 cores). dist/bin/ sits two
// levels below the package root like dist/<dir>/, so `new URL("../../package.json", import.meta.url)`
// and createRequire() resolve the same from either. Packages stay external (their own files).
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
rmSync(new URL("../dist", import.meta.url), { recursive: true, force: true });
execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"], {
  cwd: root,
  stdio: "inherit",
});
await build({
  absWorkingDir: root,
  entryPoints: ["dist/cli/main.js"],
  outdir: "dist/bin",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  packages: "external",
  logLevel: "warning",
});
