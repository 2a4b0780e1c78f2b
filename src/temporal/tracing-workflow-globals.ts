/*
 * What OpenTelemetry's browser build (the one the workflow bundler picks) reads from the global
 * object when it loads; the workflow sandbox has neither. Imported first by
 * tracing-workflow-interceptors.ts. `performance.now()` follows the workflow's own clock, which
 * is deterministic and stands still within a workflow task.
 */
if (typeof globalThis.performance === 'undefined') {
  Object.assign(globalThis, {
    performance: {
      timeOrigin: Date.now(),
      now(this: { timeOrigin: number }) {
        return Date.now() - this.timeOrigin;
      },
    },
    window: globalThis,
  });
}
