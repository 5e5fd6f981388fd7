#!/usr/bin/env bash
# The full test suite: sets up the machine (engine, images, modules), builds, then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run build
npx tsc --noEmit -p tsconfig.json
npx vitest run
