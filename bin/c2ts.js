#!/usr/bin/env -S node --
// The `--` ends Node's own options: Node 20 otherwise scans the script's arguments too and takes
// `c2ts --env-file FILE` for itself (loading FILE, or exiting 9 when it is missing).
//
// Thin launcher: answers --version without loading anything heavy, then hands over to the CLI.

// A reader that goes away (`c2ts config | head -1`) ends c2ts quietly, as a Go program (docker
// compose) ends on SIGPIPE: no stack trace, no message the reader's own exit already explains. The
// output is incomplete, so the status is 1, never a success (for `plan`, 0 means "no changes").
process.stdout.on("error", (e) => {
  if (e.code !== "EPIPE") {
    try {
      process.stderr.write(`error: cannot write to standard output: ${e.message}\n`);
    } catch {
      // stderr is gone too: the exit code is all that is left.
    }
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
  // Taken before any stack module runs: a stack may replace process.exit or leave timers behind.
  const exit = process.exit;
  const { main } = await import("../dist/bin/main.js");
  const code = await main(args);
  // The command is done: end now, with its status, even if a stack's timers or sockets would keep
  // the event loop alive. First let the output be handed over (a closed pipe reports EPIPE to the
  // handler above, which exits 1) and pending promise rejections be reported.
  await Promise.all([process.stdout, process.stderr].map((s) => new Promise((done) => s.write("", () => done()))));
  await new Promise((done) => globalThis.setImmediate(done));
  exit.call(process, code);
}
