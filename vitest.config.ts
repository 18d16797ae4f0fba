import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/setup/global-database.ts"],
    setupFiles: ["test/setup/file-database.ts", "test/setup/log-lines.ts"],
    // Two cores: two files at a time, each with its own cloned database.
    fileParallelism: true,
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 90_000,
    teardownTimeout: 30_000,
    env: { NODE_ENV: "test" },
    reporters: ["default"],
  },
});
