import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          sequence: { groupOrder: 0 },
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'workflow',
          // Groups run one after another: each workflow file starts its own Java test server and
          // the integration group shares one dev server, which is plenty for two cores.
          sequence: { groupOrder: 1 },
          include: ['test/workflow/**/*.test.ts'],
          environment: 'node',
          // One file at a time: the time-skipping server skips ahead while a loaded machine is
          // still running an activity or workflow task, and long sleeps then time them out.
          fileParallelism: false,
          // The Java time-skipping server now and then refuses a workflow task's completion
          // ("invalid history builder state for action") and the test then waits out its timeout;
          // a failing test runs once more before it counts (a real failure fails both times).
          retry: 1,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'integration',
          sequence: { groupOrder: 2 },
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          // The portal in Debian's chromium (playwright-core), against its own dev server and worker
          // (service-ops without an endpoint, as on the embedded default); runs after integration.
          name: 'browser',
          sequence: { groupOrder: 3 },
          include: ['test/browser/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/browser/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          // The chaos command's short profile: its own dev server, workers, API and receivers, and
          // the whole machine for its few minutes, so it runs last and alone.
          name: 'chaos',
          sequence: { groupOrder: 4 },
          include: ['test/chaos/**/*.test.ts'],
          environment: 'node',
          fileParallelism: false,
          testTimeout: 20 * 60_000,
        },
      },
    ],
  },
});
