import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Integration tests start real builds; two at a time keeps a 2-core machine honest.
    maxWorkers: 2,
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: { name: 'unit+integration', include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'], sequence: { groupOrder: 0 } },
      },
      {
        // End-to-end tests share one build root (and its lock): one file at a time,
        // after everything else.
        extends: true,
        test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], fileParallelism: false, sequence: { groupOrder: 1 } },
      },
      // The whole world (every package, every target) takes hours cold: it runs only
      // from `npm run test:world`, never from plain `npm test`.
      ...(process.env['ROOTFS_ENGINE_WORLD'] === '1'
        ? [{ extends: true as const, test: { name: 'world', include: ['test/world/**/*.test.ts'], fileParallelism: false, sequence: { groupOrder: 2 } } }]
        : []),
    ],
  },
});
