#!/usr/bin/env -S node --
// The `--` ends Node's own options: Node 20 otherwise scans the script's arguments too and takes
// `c2ts --env-file FILE` for itself (loading FILE, or exiting 9 when it is missing).
//
// Thin launcher: answers --version without loading anything heavy, then hands over to the CLI.

// A reader that goes away (`c2ts config | head -1`) must not end in an 'error' event stack trace.
// The output is incomplete, so this is not a success: one line, exit 1.
process.stdout.on("error", (e) => {
  const reason = e.code === "EPIPE" ? "standard output was closed before c2ts finished writing (EPIPE)" : `cannot write to standard output: ${e.message}`;
  try {
    process.stderr.write(`error: ${reason}\n`);
  } catch {
    // stderr is gone too: the exit code is all that is left.
  }
  process.exit(1);
});
process.stderr.on("error", () => process.exit(1));

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === "--version" || args[0] === "-v")) {
  const { readFileSync } = await import("node:fs");
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  process.stdout.write(`c2ts ${pkg.version}\n`);
} else {
  const { main } = await import("../dist/cli/main.js");
  process.exitCode = await main(args);
}
