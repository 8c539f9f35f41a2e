import { defineConfig } from "vitest/config";

// Real PostgreSQL and pgBackRest run in the end-to-end tests: they are slow and share
// the machine's two cores, so files run one at a time and each test names its timeout.
// preflight.ts says at once when this machine cannot run them; cleanup.ts removes, after
// each file, whatever a failed test left.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/preflight.ts"],
    setupFiles: ["test/support/cleanup.ts"],
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 120_000,
    reporters: ["default", "json"],
    outputFile: { json: "test-results/vitest.json" },
  },
});
