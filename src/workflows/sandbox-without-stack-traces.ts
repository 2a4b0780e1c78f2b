/*
 * Loaded into a live worker's workflow sandbox before the SDK freezes its globals
 * (LIVE_WORKER_BUNDLER_OPTIONS in src/temporal/workflow-bundle.ts): errors created in workflow code
 * then carry their message and no stack frames.
 *
 * Why: the SDK captures and source-maps a stack trace for every promise workflow code creates, for
 * its stack-trace query, and reads the depth from the sandbox's own `Error.stackTraceLimit`. That
 * bookkeeping was over a third of the worker's workflow-thread CPU while 1,000 SLA timers fired
 * (a CPU profile of the bench), and a fired SLA target waits for that thread. Replaying the golden
 * case histories took 46-52 ms of CPU a history without it, 63-77 ms with it
 * (scripts/diagnostics/replay-cost.ts). What is given up: the Web UI's "Stack Trace" tab of a
 * running case shows no frames, and a workflow task that fails shows its error's message without
 * them. Replaying the case's history (npm run audit -- replay, the golden tests) uses the ordinary
 * bundle and shows them.
 */
try {
  Error.stackTraceLimit = 0;
} catch {
  // A sandbox frozen before this ran (an SDK that preloads later) keeps its stack traces: slower,
  // never a worker that cannot start.
}

export {};
