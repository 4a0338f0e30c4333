import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // examples import the package by name, as a user would; tests run them against the source
  resolve: { alias: [{ find: /^nnwasm$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) }] },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // two cores: run files in parallel, but only two at a time
    maxWorkers: 2,
  },
});
