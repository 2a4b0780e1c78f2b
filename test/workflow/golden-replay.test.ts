import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '../../src/temporal/proto';
import {
  bundleWorkflowCode,
  DefaultLogger,
  type ReplayResult,
  type ReplayWorkerOptions,
  Runtime,
  Worker,
} from '@temporalio/worker';
import { afterAll, describe, expect, it } from 'vitest';
import { TRACING_WORKFLOW_INTERCEPTORS } from '../../src/temporal/tracing';
import { WORKFLOWS_PATH } from '../../src/temporal/workflow-bundle';

/**
 * The determinism guard: every golden history (recorded from real runs by
 * scripts/record-golden-histories.ts) must replay against the current workflow code. A change that
 * fails here would fail the open cases that run into it after a deploy.
 */
const REPO = join(__dirname, '..', '..');
const HISTORIES_DIR = join(REPO, 'test', 'fixtures', 'histories');
const PROBE_HISTORY = 'case-resolved-confirmed-closed';

// As quiet as the other workflow tests (the bundler and replay workers log at INFO by default).
if (!Runtime._instance) Runtime.install({ logger: new DefaultLogger('WARN') });

/** As src/worker.ts registers them: the audit sink only matters to an auditor's replay. */
const sinks: ReplayWorkerOptions['sinks'] = {
  caseAudit: { state: { fn: () => undefined, callDuringReplay: false } },
};

/** Current recordings at the top, and earlier ones (cases opened under older code) in folders. */
const files = readdirSync(HISTORIES_DIR, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.json'))
  .sort();
const nameOf = (file: string) => file.replace(/\.json$/, '');

function loadHistory(file: string) {
  return {
    workflowId: nameOf(file),
    history: historyFromJSON(JSON.parse(readFileSync(join(HISTORIES_DIR, file), 'utf8'))),
  };
}

async function collect(results: AsyncIterable<ReplayResult>): Promise<ReplayResult[]> {
  const all: ReplayResult[] = [];
  for await (const result of results) all.push(result);
  return all;
}

describe('golden histories', () => {
  it('are there, covering every workflow path the recorder drives', () => {
    expect(files.length).toBeGreaterThanOrEqual(14);
    for (const name of [
      'case-triaged-open',
      PROBE_HISTORY,
      'case-continued-as-new',
      'escalation-declined',
      'escalation-withdrawn',
      'case-hands-over-escalation',
      'recorded-2026-11/case-continued-as-new',
      'recorded-2026-11/escalation-sev-b-approved-case',
      'recorded-2026-12-02/case-triaged-open',
      'recorded-2026-12-02/elevation-window-ended-rotated',
      'recorded-2026-12-02b/case-triaged-open',
      'recorded-2026-12-02b/case-closed-archived',
      'recorded-2026-12-02c/case-triaged-open',
      'recorded-2026-12-02c/escalation-sev-c-filed-resolved-case',
      'recorded-2026-12-03/case-closed-archived',
      'recorded-2026-12-03/case-hands-over-escalation',
    ]) {
      expect(files).toContain(`${name}.json`);
    }
  });

  it('all replay against the current workflow code', async () => {
    // One bundle for every history.
    const results = await collect(
      Worker.runReplayHistories({ workflowsPath: WORKFLOWS_PATH, sinks }, files.map(loadHistory)),
    );
    const failures = results
      .filter((r) => r.error !== undefined)
      .map((r) => `${r.workflowId}: ${r.error?.name ?? 'Error'}: ${r.error?.message ?? ''}`);
    expect(failures, `histories that no longer replay:\n${failures.join('\n')}`).toEqual([]);
    expect(results.map((r) => r.workflowId).sort()).toEqual(files.map(nameOf).sort());
  });

  it('all replay on a worker that traces, so tracing can be turned on with cases open', async () => {
    // The tracing interceptors bundled as a tracing worker bundles them; spans dropped.
    const traced: ReplayWorkerOptions = {
      workflowsPath: WORKFLOWS_PATH,
      interceptors: { workflowModules: [TRACING_WORKFLOW_INTERCEPTORS] },
      sinks: { ...sinks, exporter: { export: { fn: () => undefined } } },
    };
    const results = await collect(Worker.runReplayHistories(traced, files.map(loadHistory)));
    const failures = results
      .filter((r) => r.error !== undefined)
      .map((r) => `${r.workflowId}: ${r.error?.name ?? 'Error'}: ${r.error?.message ?? ''}`);
    expect(failures, `histories that do not replay with tracing on:\n${failures.join('\n')}`).toEqual([]);
    expect(results).toHaveLength(files.length);
  });
});

describe('the guard', () => {
  // Inside the repository, so the copy resolves @temporalio/workflow and zod from its node_modules.
  const copyDir = join(REPO, 'test', `.tmp-nondeterminism-${randomBytes(6).toString('hex')}`);
  afterAll(() => rmSync(copyDir, { recursive: true, force: true }));

  it('fails when a workflow change would break open cases', async () => {
    mkdirSync(copyDir);
    cpSync(join(REPO, 'src'), join(copyDir, 'src'), { recursive: true });
    const workflowFile = join(copyDir, 'src', 'workflows', 'supportCase.ts');
    const source = readFileSync(workflowFile, 'utf8');
    const classification = '  if (record.classification === null) {';
    expect(source).toContain(classification);
    // A timer before the case's first wait, where the histories have none: a classic
    // non-deterministic change.
    writeFileSync(
      workflowFile,
      `import { sleep } from '@temporalio/workflow';\n${source.replace(
        classification,
        `  await sleep('1 minute');\n${classification}`,
      )}`,
    );
    expect(existsSync(join(copyDir, 'src', 'workflows', 'index.ts'))).toBe(true);

    const workflowBundle = await bundleWorkflowCode({
      workflowsPath: join(copyDir, 'src', 'workflows'),
      logger: new DefaultLogger('WARN'),
    });
    const [result, ...rest] = await collect(
      Worker.runReplayHistories({ workflowBundle, sinks }, [loadHistory(`${PROBE_HISTORY}.json`)]),
    );
    expect(rest).toEqual([]);
    expect(result?.workflowId).toBe(PROBE_HISTORY);
    const error = result?.error;
    expect(error, 'the changed workflow replayed without error').toBeDefined();
    expect(
      error?.name === 'DeterminismViolationError' || /nondetermin/i.test(error?.message ?? ''),
      `${error?.name}: ${error?.message}`,
    ).toBe(true);
  });
});
