#!/usr/bin/env bash
# The full test suite: sets up the machine (engine, images, modules), builds, type-checks, then runs
# the unit/golden tests in parallel and the end-to-end tests (real Docker engines) one file at a time.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run build
npx tsc --noEmit -p tsconfig.json
npx eslint .

results=$(mktemp -d)
status=0
npx vitest run --exclude 'test/e2e/**' --reporter=default --reporter=json --outputFile="$results/unit.json" || status=1
npx vitest run test/e2e --no-file-parallelism --reporter=default --reporter=json --outputFile="$results/e2e.json" || status=1
# One closing line over both runs, in the plain form CI reads.
node -e '
  let passed = 0, failed = 0, skipped = 0;
  for (const f of process.argv.slice(1)) {
    try {
      const r = JSON.parse(require("fs").readFileSync(f, "utf8"));
      passed += r.numPassedTests; failed += r.numFailedTests; skipped += r.numPendingTests + (r.numTodoTests || 0);
    } catch { failed += 1; }
  }
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
' "$results/unit.json" "$results/e2e.json"
exit $status
