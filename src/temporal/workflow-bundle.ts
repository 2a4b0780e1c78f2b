import { join } from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';

/*
 * Where the workflow code is and what it needs wherever it runs or replays (worker, replay
 * command, as-of view, tests). A leaf module: nothing here imports an entry file.
 */

export const WORKFLOWS_PATH = join(__dirname, '..', 'workflows');

/** State reports matter only when an auditor replays a history (src/audit/as-of.ts). */
export const LIVE_SINKS = { caseAudit: { state: { fn: () => undefined, callDuringReplay: false } } };

export async function bundleWorkflows(): Promise<{ code: string }> {
  return bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') });
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
