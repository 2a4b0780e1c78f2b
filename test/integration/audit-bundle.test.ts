import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createArchiveActivities } from '../../src/activities/archive';
import { historyPath, readBundleDir, readManifest, verifyBundle } from '../../src/audit/bundle';
import { fromTar } from '../../src/audit/tar';
import type { Timeline } from '../../src/audit/timeline';
import type { CaseView } from '../../src/domain/case';
import { cliHistoryJson, type RunningApi, intake, postOk, startApi } from '../support/harness';

let api: RunningApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api?.close();
});

const post = (path: string, token: string, body: unknown) => postOk(api, path, token, body);
const get = async <T>(path: string): Promise<T> =>
  (await (await api.request(path, { token: api.as.auditor!.token })).json()) as T;

/** A short case worked by one agent alone: open, assign, resolve, confirm; settled once its workflow ends. */
async function closedCase(): Promise<string> {
  const agent = api.as.agent!;
  const { id } = (await post('/v1/cases', agent.token, intake())) as unknown as CaseView;
  await expect
    .poll(async () => (await get<CaseView>(`/v1/cases/${id}`)).classification !== null, { timeout: 20_000 })
    .toBe(true);
  await post(`/v1/cases/${id}/assign`, agent.token, {
    tier: 'tier-1',
    assignee: agent.principal,
    reason: 'Mine',
  });
  await post(`/v1/cases/${id}/resolve`, agent.token, { resolution: 'Restarted the print spooler.' });
  await post(`/v1/cases/${id}/confirm`, agent.token, { accepted: true, comment: 'Skriver igen' });
  // Compared with the CLI below, so the history must have stopped growing: wait for the workflow to end.
  await expect
    .poll(
      async () =>
        (await get<Timeline>(`/v1/cases/${id}/timeline`)).entries?.some(
          (e) => e.type === 'finished' && e.workflowId === `case:${id}`,
        ),
      { timeout: 20_000 },
    )
    .toBe(true);
  return id;
}

/** What `temporal workflow show --output json` prints for the case's latest run. */
async function cliHistory(workflowId: string): Promise<unknown> {
  return JSON.parse(await cliHistoryJson(workflowId));
}

describe('the audit bundle of a case', () => {
  it('is a tar of the raw histories and timeline that verifies, and names what was altered', async () => {
    const id = await closedCase();
    const res = await api.request(`/v1/cases/${id}/audit-bundle`, { token: api.as.auditor!.token });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/x-tar/);
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="case-${id}-audit.tar"`);
    const files = fromTar(Buffer.from(await res.arrayBuffer()));
    expect(verifyBundle(files)).toEqual({ ok: true, problems: [] });
    expect(readManifest(files).caseId).toBe(id);

    // The bundled history is what Temporal's own CLI prints for the run.
    const workflowId = `case:${id}`;
    const { runId } = await api.client.workflow.getHandle(workflowId).describe();
    const historyFile = historyPath(workflowId, runId);
    expect(historyFile).toBe(`histories/case_${id}__${runId}.json`);
    const bundled = files.get(historyFile);
    expect(bundled, [...files.keys()].join(', ')).toBeDefined();
    const printed = await cliHistory(workflowId);
    expect(printed).toMatchObject({ events: expect.arrayContaining([expect.anything()]) });
    expect(JSON.parse(bundled!.toString('utf8'))).toEqual(printed);
    // Where payloads are sealed (the cluster profile), the bundle keeps them opened: it reads and
    // verifies without the codec keys.
    expect(bundled!.toString('utf8')).not.toContain(Buffer.from('binary/encrypted').toString('base64'));

    // One flipped byte in the history and one rewritten timeline entry: both are named.
    const tampered = new Map(files);
    const history = Buffer.from(bundled!);
    const at = history.indexOf('"eventTime"');
    history[at + 1] = 'E'.charCodeAt(0);
    tampered.set(historyFile, history);
    const timeline = JSON.parse(files.get('timeline.json')!.toString('utf8')) as Timeline;
    const index = timeline.entries.findIndex((e) => e.type === 'resolved');
    const resolved = timeline.entries[index]!;
    resolved.text = 'Resolved: the requester fixed it themselves.';
    tampered.set('timeline.json', Buffer.from(`${JSON.stringify(timeline, null, 2)}\n`));
    const result = verifyBundle(tampered);
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([
      { kind: 'altered', path: historyFile, detail: expect.any(String) },
      { kind: 'altered', path: 'timeline.json', detail: expect.any(String) },
      {
        kind: 'timeline-entry',
        path: 'timeline.json',
        index,
        eventId: resolved.eventId,
        workflowId,
        detail: expect.any(String),
      },
    ]);
  });

  it('is archived by the archiveCase activity, replacing an earlier bundle of the case', async () => {
    const id = await closedCase();
    const archiveDir = mkdtempSync(join(tmpdir(), 'caseflow-archive-'));
    try {
      const activities = createArchiveActivities({ client: api.client, archiveDir });
      const first = await activities.archiveCase({ caseId: id, afterClose: true });
      const again = await activities.archiveCase({ caseId: id, afterClose: true });
      expect(again).toEqual({ path: join(archiveDir, `case-${id}`), chainHead: first.chainHead, files: 3 });
      expect(readdirSync(archiveDir)).toEqual([`case-${id}`]);
      const files = await readBundleDir(again.path);
      expect(verifyBundle(files, { chainHead: first.chainHead })).toEqual({ ok: true, problems: [] });
    } finally {
      rmSync(archiveDir, { recursive: true, force: true });
    }
  });

  it('goes to auditors, the escalation team and agents who worked the case, not to service operations', async () => {
    const id = await closedCase();
    const status = async (token: string) =>
      (await api.request(`/v1/cases/${id}/audit-bundle`, { token })).status;
    expect(await status(api.as.auditor!.token)).toBe(200);
    expect(await status(api.as.agent!.token)).toBe(200);
    expect(await status(api.as.escalation!.token)).toBe(200);
    expect(await status(api.as.ops!.token)).toBe(403);
  });
});
