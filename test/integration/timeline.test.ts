import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Timeline } from '../../src/audit/timeline';
import type { CaseView } from '../../src/domain/case';
import { signCallback } from '../../src/domain/callbacks';
import { type RunningApi, intake, postOk, startApi } from '../support/harness';

let api: RunningApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api?.close();
});

const post = (path: string, token: string, body: unknown) => postOk(api, path, token, body);
const get = async <T>(path: string, token = api.as.auditor!.token): Promise<T> =>
  (await (await api.request(path, { token })).json()) as T;

function signedCallback(escalationId: string, callback: Record<string, unknown>): Promise<Response> {
  const { secret } = (JSON.parse(inject('escalationTargets')) as Record<string, { secret: string }>)[
    'service-ops'
  ]!;
  const body = JSON.stringify(callback);
  return fetch(`${api.url}/v1/callbacks/service-ops/${escalationId}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'caseflow-signature': signCallback(secret, Math.floor(Date.now() / 1000), body, {
        target: 'service-ops',
        escalationId,
      }),
    },
    body,
  });
}

describe('the case timeline, from the workflow histories', () => {
  it('lists every step of a case through elevation and escalation, with actor and reason, in order', async () => {
    const { agent, escalation, admin } = {
      agent: api.as.agent!,
      escalation: api.as.escalation!,
      admin: api.as.admin!,
    };
    const c = (await post(
      '/v1/cases',
      agent.token,
      intake({
        title: 'Intune-policyn blockerar företagsportalen',
        description: 'Tjänstens compliance policy blockerar företagsportalen på min dator sedan i morse.',
      }),
    )) as unknown as CaseView;
    await expect
      .poll(async () => (await get<CaseView>(`/v1/cases/${c.id}`)).classification !== null, {
        timeout: 20_000,
      })
      .toBe(true);
    await post(`/v1/cases/${c.id}/assign`, agent.token, {
      tier: 'escalation-team',
      assignee: escalation.principal,
      reason: 'Needs admin rights',
    });
    await post(`/v1/cases/${c.id}/request-info`, escalation.token, { question: 'När började felet?' });
    await post(`/v1/cases/${c.id}/requester-reply`, agent.token, { message: 'I morse efter omstart' });

    const e = await post(`/v1/cases/${c.id}/elevations`, escalation.token, {
      ticketId: 'HD-9001',
      deviceSerial: c.device.serial,
      category: 'device',
      title: 'Check the company portal service',
      planOfAction: 'Run the built-in troubleshooter elevated and read the service logs.',
      actions: ['elevate-troubleshooter'],
    });
    await post(`/v1/elevations/${String(e.id)}/approve`, admin.token, { reason: 'Troubleshooter only' });
    await post(`/v1/elevations/${String(e.id)}/checkout`, escalation.token, {});
    await post(`/v1/elevations/${String(e.id)}/release`, escalation.token, { reason: 'Logs collected' });
    // The release answers at once; the device owner closes the lease in the vault right after.
    await expect
      .poll(
        async () =>
          (await get<{ accessClosedAt: string | null }>(`/v1/elevations/${String(e.id)}`)).accessClosedAt,
        {
          timeout: 20_000,
        },
      )
      .not.toBeNull();

    const x = await post(`/v1/cases/${c.id}/escalations`, escalation.token, {
      target: 'service-ops',
      requestType: 'incident',
      category: 'devices',
      subCategory: 'company portal',
      title: 'Service policy blocks the company portal',
      description: 'The compliance policy applied by the service blocks the company portal.',
      contact: escalation.principal,
      reason: 'A policy the service applies',
    });
    expect(x).toMatchObject({ status: 'filed', gate: 'escalation-team-sev-c' });
    await expect
      .poll(async () => (await get<{ delivery: unknown }>(`/v1/escalations/${String(x.id)}`)).delivery, {
        timeout: 20_000,
      })
      .not.toBeNull();
    expect(
      (
        await signedCallback(String(x.id), {
          callbackId: `ack-${randomUUID()}`,
          kind: 'acknowledged',
          message: 'Looking into it',
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await signedCallback(String(x.id), {
          callbackId: `res-${randomUUID()}`,
          kind: 'resolved',
          message: 'Policy exclusion deployed',
        })
      ).status,
    ).toBe(200);
    await expect
      .poll(async () => (await get<CaseView>(`/v1/cases/${c.id}`)).status, { timeout: 20_000 })
      .toBe('in-progress');

    await post(`/v1/cases/${c.id}/resolve`, escalation.token, {
      resolution: 'Service removed the blocking policy.',
    });
    await post(`/v1/cases/${c.id}/confirm`, agent.token, { accepted: true, comment: 'Fungerar nu' });
    await expect
      .poll(async () => (await get<CaseView>(`/v1/cases/${c.id}`)).status, { timeout: 20_000 })
      .toBe('closed');

    // The workflow ends just after the case closes (once its last notices are out).
    await expect
      .poll(
        async () =>
          (await get<Timeline>(`/v1/cases/${c.id}/timeline`)).entries?.some(
            (en) => en.type === 'finished' && en.workflowId === `case:${c.id}`,
          ),
        { timeout: 20_000 },
      )
      .toBe(true);
    const timeline = await get<Timeline>(`/v1/cases/${c.id}/timeline`);
    expect(
      timeline,
      JSON.stringify(timeline) + api.logs.filter((l) => l.includes('unhandled')).join('\n'),
    ).toHaveProperty('entries');
    expect(timeline.caseId).toBe(c.id);
    const steps = timeline.entries.map((entry) => [entry.type, entry.actor, entry.reason] as const);
    const expected: (readonly [string, string, string | null])[] = [
      ['intake', agent.principal, null],
      ['classified', 'caseflow', expect.stringMatching(/^rules /)],
      ['assigned', agent.principal, 'Needs admin rights'],
      ['info-requested', escalation.principal, null],
      ['requester-replied', agent.principal, null],
      [
        'elevation-requested',
        escalation.principal,
        'Run the built-in troubleshooter elevated and read the service logs.',
      ],
      ['elevation-approved', admin.principal, 'Troubleshooter only'],
      ['elevation-granted', 'caseflow', null],
      ['elevation-checked-out', escalation.principal, null],
      ['elevation-released', escalation.principal, 'Logs collected'],
      ['elevation-rotated', 'caseflow', null],
      ['escalation-requested', escalation.principal, 'A policy the service applies'],
      ['escalation-delivered', 'caseflow', null],
      ['escalation-acknowledged', 'service-ops', null],
      ['escalation-resolved', 'service-ops', null],
      ['resolved', escalation.principal, null],
      // Notices the case sent from the workflow task that raised them (local activities): the
      // timeline reads them from the markers.
      ['case-resolved', 'caseflow', null],
      ['confirmed', agent.principal, 'Fungerar nu'],
      ['case-closed', 'caseflow', null],
      ['finished', 'caseflow', null],
    ];
    // Every expected step appears, in this order (other entries, such as notifications, may sit between).
    let cursor = 0;
    for (const step of expected) {
      const found = steps.findIndex((s, i) => i >= cursor && s[0] === step[0]);
      expect(found, `${step[0]} after entry ${cursor}: ${JSON.stringify(steps)}`).toBeGreaterThanOrEqual(0);
      expect(steps[found]).toEqual(step);
      cursor = found + 1;
    }
    for (const entry of timeline.entries) {
      expect(entry.workflowId).toMatch(new RegExp(`^case:${c.id}`));
      expect(entry.eventId).toBeGreaterThan(0);
      expect(Number.isNaN(Date.parse(entry.at))).toBe(false);
    }
    expect(timeline.entries.map((en) => Date.parse(en.at))).toEqual(
      [...timeline.entries.map((en) => Date.parse(en.at))].sort((a, b) => a - b),
    );

    // Agents see only the timelines of cases they work on; another case answers as a missing one.
    const other = (await post('/v1/cases', api.as.escadmin!.token, intake())) as unknown as CaseView;
    expect((await api.request(`/v1/cases/${other.id}/timeline`, { token: agent.token })).status).toBe(404);
    expect((await api.request(`/v1/cases/${c.id}/timeline`, { token: agent.token })).status).toBe(200);
    expect((await api.request(`/v1/cases/${c.id}/timeline`, { token: api.as.ops!.token })).status).toBe(403);
  });
});
