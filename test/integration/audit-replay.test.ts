import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { repoRoot } from '../../scripts/tools';
import type { Timeline } from '../../src/audit/timeline';
import type { CaseView } from '../../src/domain/case';
import { cliHistoryJson, type RunningApi, intake, startApi } from '../support/harness';

const run = promisify(execFile);
let api: RunningApi;
let scratch: string;
let caseId: string;

beforeAll(async () => {
  // Classified by the workflow's activity: the as-of views below start before the result arrives.
  api = await startApi({ classifyIntake: null });
  // Inside the repository, so a copy of the workflow code resolves its packages from node_modules.
  scratch = mkdtempSync(join(repoRoot, 'test', '.tmp-audit-'));
  const created = await api.request('/v1/cases', { token: api.as.agent!.token, body: intake() });
  caseId = ((await created.json()) as CaseView).id;
  for (let i = 0; i < 100; i++) {
    const view = (await (
      await api.request(`/v1/cases/${caseId}`, { token: api.as.agent!.token })
    ).json()) as CaseView;
    if (view.status === 'triaged') break;
    await new Promise((r) => setTimeout(r, 200));
  }
  for (const [path, body] of [
    ['assign', { tier: 'tier-2', assignee: 'kim.t2', reason: 'Printer queue' }],
    ['request-info', { question: 'Vilken skrivare?' }],
    ['requester-reply', { message: 'Plan 3' }],
  ] as const) {
    expect(
      (await api.request(`/v1/cases/${caseId}/${path}`, { token: api.as.agent!.token, body })).status,
    ).toBe(200);
  }
});
afterAll(async () => {
  await api?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** The audit command, as an operator runs it, against the harness's Temporal. */
function audit(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = {
    ...process.env,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_NAMESPACE: inject('temporalNamespace'),
  };
  return run(process.execPath, ['--import', 'tsx', 'src/cli/audit.ts', ...args], {
    cwd: repoRoot,
    env,
    timeout: 120_000,
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code?: number; stdout?: string; stderr?: string }) => ({
      code: err.code ?? 1,
      stdout: err.stdout ?? '',
      stderr: err.stderr ?? '',
    }),
  );
}

async function exportWithCli(workflowId: string, file: string): Promise<void> {
  writeFileSync(file, await cliHistoryJson(workflowId));
}

describe('replay and the as-of view', () => {
  it('replays a live case cleanly, by id', async () => {
    const result = await audit(['replay', '--case', caseId]);
    expect(result.stdout).toContain(`case:${caseId}`);
    expect(result.stdout).toMatch(/replays cleanly/);
    expect(result.code).toBe(0);
  });

  it('accepts a history exported by the temporal CLI, and reports a divergence with its event id', async () => {
    const file = join(scratch, 'case.json');
    await exportWithCli(`case:${caseId}`, file);
    const clean = await audit(['replay', '--file', file]);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toMatch(/replays cleanly/);

    // A change that would break open cases: a timer before the classification activity.
    const copy = join(scratch, 'src');
    cpSync(join(repoRoot, 'src'), copy, { recursive: true });
    const workflowFile = join(copy, 'workflows', 'supportCase.ts');
    const source = readFileSync(workflowFile, 'utf8');
    const changed = source
      .replace(
        '  if (record.classification === null) {',
        "  await sleep('1 minute');\n  if (record.classification === null) {",
      )
      .replace('  proxySinks,', '  proxySinks,\n  sleep,');
    expect(changed).not.toBe(source);
    writeFileSync(workflowFile, changed);
    const broken = await audit(['replay', '--file', file, '--workflows', join(copy, 'workflows')]);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/diverges at event \d+/);
  });

  it('reconstructs the case as it was at an event of its history', async () => {
    const timeline = (await (
      await api.request(`/v1/cases/${caseId}/timeline`, { token: api.as.auditor!.token })
    ).json()) as Timeline;
    const classified = timeline.entries.find((e) => e.type === 'classified');
    const assigned = timeline.entries.find((e) => e.type === 'assigned');
    const asked = timeline.entries.find((e) => e.type === 'info-requested');
    expect(classified && assigned && asked).toBeTruthy();
    const at = async (n: number) =>
      api.request(`/v1/cases/${caseId}/state?asOfEvent=${n}`, { token: api.as.auditor!.token });

    // When the classification result arrives, the workflow has not yet applied it.
    const beforeTriage = (await (await at(classified!.eventId)).json()) as { state: CaseView };
    expect(beforeTriage.state).toMatchObject({ status: 'new', classification: null, assignee: null });
    const afterAssign = (await (await at(assigned!.eventId)).json()) as {
      state: CaseView;
      reflectsEvent: number;
    };
    expect(afterAssign.state).toMatchObject({ status: 'in-progress', assignee: 'kim.t2', tier: 'tier-2' });
    expect(afterAssign.reflectsEvent).toBeLessThanOrEqual(assigned!.eventId);
    const afterAsk = (await (await at(asked!.eventId)).json()) as { state: CaseView };
    expect(afterAsk.state).toMatchObject({ status: 'waiting-on-requester', sla: { paused: 'requester' } });

    expect((await at(1)).status).toBe(404);
    expect(
      (await api.request(`/v1/cases/${caseId}/state?asOfEvent=2`, { token: api.as.agent!.token })).status,
    ).toBe(403);

    const cli = await audit(['state', '--case', caseId, '--as-of-event', String(assigned!.eventId)]);
    expect(cli.code).toBe(0);
    expect((JSON.parse(cli.stdout) as { state: CaseView }).state.assignee).toBe('kim.t2');
  });
});
