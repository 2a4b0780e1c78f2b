import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readBundleDir, verifyBundle } from '../../src/audit/bundle';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CaseView } from '../../src/domain/case';
import { type RunningApi, intake, startApi } from '../support/harness';
import type { ReceivedHook } from '../support/webhook-receiver';

let api: RunningApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api?.close();
});

async function post(path: string, token: string, body: unknown): Promise<{ status: number; body: CaseView }> {
  const res = await api.request(path, { token, body });
  return { status: res.status, body: (await res.json()) as CaseView };
}

async function getCase(id: string): Promise<CaseView> {
  return (await (await api.request(`/v1/cases/${id}`, { token: api.as.agent!.token })).json()) as CaseView;
}

async function list(
  query: string,
): Promise<{ items: { id: string; status: string }[]; nextCursor: string | null }> {
  const res = await api.request(`/v1/cases?${query}`, { token: api.as.auditor!.token });
  expect(res.status).toBe(200);
  return (await res.json()) as { items: { id: string; status: string }[]; nextCursor: string | null };
}

async function hooksFor(caseId: string): Promise<ReceivedHook[]> {
  const all = (await (await fetch(`${inject('webhookReceiverUrl')}/received`)).json()) as ReceivedHook[];
  return all.filter((h) => (JSON.parse(h.body) as { caseId: string }).caseId === caseId);
}

describe('a case from intake to closure over HTTP, against the real dev server', () => {
  it('is triaged, assigned, asked, answered, re-graded, resolved, confirmed and closed', async () => {
    const agent = api.as.agent!.token;
    const requesterId = `u-${randomUUID().slice(0, 8)}`;
    const opened = await post(
      '/v1/cases',
      agent,
      intake({
        severity: 'B',
        requester: { id: requesterId, name: 'Anna Berg', contact: 'anna@example.org' },
      }),
    );
    expect(opened.status).toBe(201);
    const { id } = opened.body;
    await expect.poll(async () => (await getCase(id)).status, { timeout: 20_000 }).toBe('triaged');

    const assigned = await post(`/v1/cases/${id}/assign`, agent, {
      tier: 'tier-2',
      assignee: 'kim.tier2',
      reason: 'Printer queue',
    });
    expect(assigned.status).toBe(200);
    expect(assigned.body).toMatchObject({ status: 'in-progress', tier: 'tier-2', assignee: 'kim.tier2' });
    // A command answers with the case without its log (results are stored in the history); the
    // case and its log pages carry it.
    expect(assigned.body).not.toHaveProperty('log');
    const logPage = await api.request(`/v1/cases/${id}/log`, { token: agent });
    expect(logPage.status).toBe(200);
    const entries = ((await logPage.json()) as { entries: { type: string }[] }).entries;
    expect(entries.at(-1)).toMatchObject({
      type: 'assigned',
      actor: api.as.agent!.principal,
      reason: 'Printer queue',
    });

    const asked = await post(`/v1/cases/${id}/request-info`, agent, {
      question: 'Vilken skrivare gäller det?',
    });
    expect(asked.body).toMatchObject({ status: 'waiting-on-requester', sla: { paused: 'requester' } });
    const replied = await post(`/v1/cases/${id}/requester-reply`, agent, { message: 'Plan 3, HP-skrivaren' });
    expect(replied.body).toMatchObject({ status: 'in-progress', sla: { paused: null } });
    expect(replied.body.sla.pausedSeconds.requester).toBeGreaterThanOrEqual(0);

    const regraded = await post(`/v1/cases/${id}/severity`, agent, {
      severity: 'A',
      reason: 'The whole floor cannot print',
    });
    expect(regraded.body).toMatchObject({ severity: 'A', sla: { clock: '24x7' } });

    // Commands the state does not allow are refused with the reason, as problem documents.
    const same = await api.request(`/v1/cases/${id}/severity`, {
      token: agent,
      body: { severity: 'A', reason: 'again' },
    });
    expect(same.status).toBe(409);
    expect(same.headers.get('content-type')).toMatch(/problem\+json/);
    expect(((await same.json()) as { detail: string }).detail).toMatch(/already Sev A/);
    expect((await post(`/v1/cases/${id}/confirm`, agent, { accepted: true })).status).toBe(409);
    expect((await post(`/v1/cases/${id}/reopen`, agent, { reason: 'not resolved yet' })).status).toBe(409);

    const resolved = await post(`/v1/cases/${id}/resolve`, agent, {
      resolution: 'Rensade utskriftskön och startade om spoolern.',
    });
    expect(resolved.body).toMatchObject({ status: 'resolved', resolution: { by: api.as.agent!.principal } });

    // The resolution notice reaches the subscriber, signed.
    await expect
      .poll(async () => (await hooksFor(id)).map((h) => h.headers['caseflow-event']), { timeout: 20_000 })
      .toContain('case-resolved');
    const hook = (await hooksFor(id)).find((h) => h.headers['caseflow-event'] === 'case-resolved');
    expect(hook?.signatureValid).toBe(true);
    expect(hook?.headers['idempotency-key']).toBe(
      `${id}:resolved:${Date.parse(resolved.body.resolution?.at ?? '')}`,
    );

    const confirmed = await post(`/v1/cases/${id}/confirm`, agent, {
      accepted: true,
      comment: 'Tack, det fungerar!',
    });
    expect(confirmed.status).toBe(200);
    await expect.poll(async () => (await getCase(id)).status, { timeout: 20_000 }).toBe('closed');
    const closed = await getCase(id);
    expect(closed.log.map((e) => e.type)).toEqual(
      expect.arrayContaining([
        'opened',
        'classified',
        'assigned',
        'info-requested',
        'requester-replied',
        'severity-changed',
        'resolved',
        'confirmed',
        'closed',
      ]),
    );

    // Once closed, the case's audit bundle is archived, and it verifies.
    const bundleDir = join(inject('archiveDir'), `case-${id}`);
    await expect.poll(() => existsSync(join(bundleDir, 'manifest.json')), { timeout: 30_000 }).toBe(true);
    const verdict = verifyBundle(await readBundleDir(bundleDir));
    expect(verdict.problems).toEqual([]);
    expect(verdict.ok).toBe(true);

    // A closed case takes no more commands.
    const late = await api.request(`/v1/cases/${id}/assign`, {
      token: agent,
      body: { tier: 'tier-1', assignee: 'kim', reason: 'late' },
    });
    expect(late.status).toBe(409);

    // And it is found through the list endpoint's visibility filters.
    await expect
      .poll(async () => (await list(`status=closed&requester=${requesterId}`)).items.map((c) => c.id), {
        timeout: 20_000,
      })
      .toEqual([id]);
    expect(
      (await list(`severity=A&requester=${requesterId}&tier=tier-2&assignee=kim.tier2&breached=false`)).items,
    ).toHaveLength(1);
    expect((await list(`severity=C&requester=${requesterId}`)).items).toHaveLength(0);
  });

  it('pages through the list with a cursor', async () => {
    const requesterId = `u-${randomUUID().slice(0, 8)}`;
    for (let i = 0; i < 3; i++) {
      const r = await post(
        '/v1/cases',
        api.as.agent!.token,
        intake({ requester: { id: requesterId, name: 'Per', contact: 'per@example.org' } }),
      );
      expect(r.status).toBe(201);
    }
    await expect
      .poll(async () => (await list(`requester=${requesterId}&limit=100`)).items.length, { timeout: 20_000 })
      .toBe(3);
    const seen = new Set<string>();
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await list(`requester=${requesterId}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      page.items.forEach((c) => seen.add(c.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 5);
    expect(seen.size).toBe(3);
    expect(pages).toBeGreaterThanOrEqual(2);
  });

  it('refuses bad filters, and actions by roles without the right', async () => {
    const bad = await api.request(`/v1/cases?requester=${encodeURIComponent("x' OR 1=1")}`, {
      token: api.as.agent!.token,
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: { path: string }[] }).errors[0]?.path).toBe('query.requester');
    expect((await api.request('/v1/cases?status=lost', { token: api.as.agent!.token })).status).toBe(400);

    const c = await post('/v1/cases', api.as.agent!.token, intake());
    for (const [path, body] of [
      ['assign', { tier: 'tier-1', assignee: 'x', reason: 'because' }],
      ['resolve', { resolution: 'done' }],
      ['requester-reply', { message: 'hi' }],
    ] as const) {
      expect(
        (
          await api.request(`/v1/cases/${c.body.id}/${path}`, {
            token: api.as.auditor!.token,
            body,
          })
        ).status,
      ).toBe(403);
    }
    const missing = await api.request(`/v1/cases/${c.body.id}/assign`, {
      token: api.as.agent!.token,
      body: { tier: 'tier-9' },
    });
    expect(missing.status).toBe(400);
    const unknown = await api.request(`/v1/cases/${randomUUID()}/resolve`, {
      token: api.as.agent!.token,
      body: { resolution: 'x' },
    });
    expect(unknown.status).toBe(404);
  });
});
