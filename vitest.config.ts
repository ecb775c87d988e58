import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Integration tests start real builds; two at a time keeps a 2-core machine honest.
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
