import { defineConfig } from "vitest/config";

// Unit tests run everywhere; tests under test/e2e need a Docker engine (started by .ci/run)
// and run one file at a time because they share that engine.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
