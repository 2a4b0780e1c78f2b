import { defineConfig } from 'vitest/config';

/**
 * `npm run test:cluster`: the cluster profile (PostgreSQL, the Temporal services as separate
 * processes behind mTLS, two caseflow workers and two API processes) started once, then the
 * cluster's own checks and the integration files that run unchanged against it.
 */
export default defineConfig({
  test: {
    name: 'cluster',
    include: [
      'test/integration/case-lifecycle-api.test.ts',
      'test/integration/elevation-api.test.ts',
      'test/integration/auditor-read-only.test.ts',
      'test/integration/case-access.test.ts',
      'test/integration/timeline.test.ts',
      'test/integration/audit-bundle.test.ts',
      // Kills a worker mid-flight and starts a replacement: the order of files does not matter.
      'test/cluster/**/*.test.ts',
    ],
    sequence: { shuffle: false },
    fileParallelism: false,
    environment: 'node',
    globalSetup: ['test/cluster/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
});
