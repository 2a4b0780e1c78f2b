import { join } from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';

/*
 * Where the workflow code is and what it needs wherever it runs or replays (worker, replay
 * command, as-of view, tests). A leaf module: nothing here imports an entry file.
 */

export const WORKFLOWS_PATH = join(__dirname, '..', 'workflows');

/**
 * The domain modules workflow code imports, loaded once per worker thread and shared by every
 * workflow it runs instead of once per workflow (with what they import: the rest of the domain).
 * Sharing is safe because the domain is pure: no module-level state but caches of facts (the
 * calendar's time-zone offsets), no Temporal API, nothing read at load time; the SDK freezes their
 * exports, so a workflow cannot change what another sees. It saves every new or replayed case
 * the loading of these modules and every cached one its own copy of them.
 */
export const SHARED_DOMAIN_MODULES = [
  'case-lifecycle',
  'case-policy',
  'device-account',
  'elevation',
  'escalation',
  'notifications',
  'web-ui-texts',
].map((name) => join(__dirname, '..', 'domain', name));

/** Bundler options of every caseflow replayer, and of workers that keep stack traces. */
export const WORKFLOW_BUNDLER_OPTIONS = { preloadModules: SHARED_DOMAIN_MODULES };

/**
 * A live worker's: the same, with a sandbox that keeps no stack traces (the module says what
 * that saves and what it gives up). Preloaded, so it runs before the SDK freezes the sandbox.
 */
export const LIVE_WORKER_BUNDLER_OPTIONS = {
  preloadModules: [join(WORKFLOWS_PATH, 'sandbox-without-stack-traces'), ...SHARED_DOMAIN_MODULES],
};

/**
 * Workflow interceptors every caseflow worker and replayer runs: the guard that refuses workflow
 * code a stale clock (src/workflows/stale-clock-guard.ts says when and why).
 */
export const WORKFLOW_INTERCEPTOR_MODULES = [join(WORKFLOWS_PATH, 'stale-clock-guard')];

/** What a worker that runs cases needs to bundle caseflow's workflows itself, from source. */
export const WORKFLOW_SOURCE = {
  workflowsPath: WORKFLOWS_PATH,
  bundlerOptions: LIVE_WORKER_BUNDLER_OPTIONS,
  interceptors: { workflowModules: WORKFLOW_INTERCEPTOR_MODULES },
};

/** State reports matter only when an auditor replays a history (src/audit/as-of.ts). */
export const LIVE_SINKS = { caseAudit: { state: { fn: () => undefined, callDuringReplay: false } } };

/**
 * `workflowInterceptorModules`: a tracing worker's (TRACING_WORKFLOW_INTERCEPTORS); without them
 * the bundle holds the workflows and the SDK's own modules only. `live`: for a worker that runs
 * cases (LIVE_WORKER_BUNDLER_OPTIONS); replayers keep stack traces.
 */
export async function bundleWorkflows(
  options: { workflowInterceptorModules?: string[]; live?: boolean } = {},
): Promise<{ code: string }> {
  return bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    logger: new DefaultLogger('WARN'),
    ...(options.live === true ? LIVE_WORKER_BUNDLER_OPTIONS : WORKFLOW_BUNDLER_OPTIONS),
    workflowInterceptorModules: [
      ...WORKFLOW_INTERCEPTOR_MODULES,
      ...(options.workflowInterceptorModules ?? []),
    ],
  });
}

let shared: Promise<{ code: string }> | null = null;

/**
 * The workflows bundled once per process, for replays and as-of views: bundling takes seconds and
 * much memory, too much to do on every request. A failed bundling is tried again next time.
 */
export function sharedWorkflowBundle(): Promise<{ code: string }> {
  shared ??= bundleWorkflows().catch((err: unknown) => {
    shared = null;
    throw err;
  });
  return shared;
}
