import { defineConfig } from "vitest/config";

/** Runs the kernel micro-benchmarks: `npx vitest run --config bench/vitest.config.ts`. */
export default defineConfig({
  test: {
    include: ["bench/**/*.bench.test.ts"],
    testTimeout: 600_000,
    pool: "forks",
  },
});
