import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // two cores: run files in parallel, but only two at a time
    maxWorkers: 2,
  },
});
