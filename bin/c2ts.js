#!/usr/bin/env node
// Thin launcher: answers --version without loading anything heavy, then hands over to the CLI.
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === "--version" || args[0] === "-v")) {
  const { readFileSync } = await import("node:fs");
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  process.stdout.write(`c2ts ${pkg.version}\n`);
} else {
  const { main } = await import("../dist/cli/main.js");
  process.exitCode = await main(args);
}
