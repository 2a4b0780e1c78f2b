import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApi, intake, postOk, startApi } from '../support/harness';

/* What the fuzzer found answering 500, answered as documented: unknown ids 404, bad cursors 400. */

let api: RunningApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api?.close();
});

async function problemOf(res: Response): Promise<Record<string, unknown>> {
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = (await res.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ status: res.status, title: expect.any(String), type: expect.any(String) });
  return body;
}

async function expectProblem(path: string, who: string, status: number): Promise<Record<string, unknown>> {
  const res = await api.request(path, { token: api.as[who]!.token });
  expect(res.status, `${who} GET ${path}`).toBe(status);
  return problemOf(res);
}

describe('unknown ids', () => {
  it('answer 404 problem documents on every per-case read, for every role that may read it', async () => {
    const id = randomUUID();
    for (const who of ['agent', 'escalation', 'admin', 'auditor']) {
      for (const path of [`/v1/cases/${id}`, `/v1/cases/${id}/log`, `/v1/cases/${id}/timeline`]) {
        await expectProblem(path, who, 404);
      }
      await expectProblem(`/v1/cases/${id}/audit-bundle`, who, 404);
    }
    for (const who of ['admin', 'auditor'])
      await expectProblem(`/v1/cases/${id}/state?asOfEvent=3`, who, 404);
    await expectProblem(`/v1/elevations/${id}.1`, 'auditor', 404);
    await expectProblem(`/v1/escalations/${id}.x1`, 'auditor', 404);
    await expectProblem(`/v1/incidents/inc-${id}`, 'auditor', 404);
    const answer = await api.request(`/v1/escalations/${id}.x1/answer`, {
      token: api.as.agent!.token,
      body: { message: 'The printer is on floor 3.' },
    });
    expect(answer.status).toBe(404);
    await problemOf(answer);
  });
});

describe('cursors', () => {
  it('page a list with the same filters, and answer 400 for a malformed, foreign or other-filter cursor', async () => {
    const serial = `SN${randomUUID().slice(0, 8).toUpperCase()}`;
    for (let i = 0; i < 2; i++) {
      await postOk(api, '/v1/cases', api.as.agent!.token, intake({ device: { serial, group: 'broad' } }));
    }
    const token = api.as.auditor!.token;
    const list = async (path: string) => {
      const res = await api.request(path, { token });
      return { status: res.status, body: (await res.json()) as { items?: unknown[]; nextCursor?: string } };
    };
    // Visibility catches up with the two cases shortly after they start.
    await expect
      .poll(async () => (await list(`/v1/cases?device=${serial}&limit=5`)).body.items?.length, {
        timeout: 20_000,
      })
      .toBe(2);
    const first = await list(`/v1/cases?device=${serial}&limit=1`);
    expect(first.body.items).toHaveLength(1);
    const cursor = first.body.nextCursor;
    expect(cursor).toEqual(expect.any(String));
    const second = await list(`/v1/cases?device=${serial}&limit=1&cursor=${cursor}`);
    expect(second.status).toBe(200);
    expect(second.body.items).toHaveLength(1);
    expect(second.body.items).not.toEqual(first.body.items);

    const refused = [
      `/v1/cases?cursor=AAAA`,
      `/v1/cases?cursor=0`,
      `/v1/cases?device=${serial}&severity=A&limit=1&cursor=${cursor}`,
      `/v1/cases?limit=1&cursor=${cursor}`,
      `/v1/elevations?cursor=AAAA`,
      `/v1/elevations?cursor=${cursor}`,
      `/v1/escalations?cursor=AAAA`,
      `/v1/escalations?cursor=${cursor}`,
      `/v1/incidents?cursor=A9G00reDzW&status=resolved`,
      `/v1/incidents?cursor=${cursor}`,
    ];
    for (const path of refused) {
      const started = Date.now();
      const res = await api.request(path, { token });
      expect(res.status, path).toBe(400);
      const problem = await problemOf(res);
      expect(problem.errors).toEqual([expect.objectContaining({ path: 'query.cursor' })]);
      // Refused before Temporal is asked, not after its retries.
      expect(Date.now() - started).toBeLessThan(5_000);
    }
  });
});
