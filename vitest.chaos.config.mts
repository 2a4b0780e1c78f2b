import { defineConfig } from 'vitest/config';

/**
 * `npm run test:chaos`: the chaos command's short profile as a test (its own dev server, workers,
 * API and receivers, and the whole machine for its few minutes). Kept out of `npm test` until the
 * replay failure it found in `elevationLease` histories is explained and fixed (see README).
 */
export default defineConfig({
  test: {
    name: 'chaos',
    include: ['test/chaos/**/*.test.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 20 * 60_000,
  },
});
