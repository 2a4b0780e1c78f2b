import { randomBytes, randomUUID } from 'node:crypto';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { TargetEndpoints } from '../../src/activities/escalation-delivery';
import type { CaseView } from '../../src/domain/case';
import { casePolicySchema } from '../../src/schemas/case-policy-schema';
import type { EscalationView } from '../../src/domain/escalation';
import type { EscalationTarget } from '../../src/domain/routing';
import { createCaseflowWorker } from '../../src/worker';
import { workflowIdOfEscalation } from '../../src/workflows/escalation.messages';
import type { IncidentView } from '../../src/workflows/incident.messages';
import { intake, type RunningApi, startApi } from '../support/harness';
import { type PartyServer, startPartyServer } from '../support/party-server';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';

/*
 * Cases that cannot get stuck or lie, against the real dev server: nothing closes silently (an
 * open escalation refuses the resolution, or is withdrawn with its party told), what a party asks
 * for is visible and notified, a terminated child ends on the record, lists show one row per case
 * after continue-as-new, and a retried incident files one escalation.
 */

const taskQueue = `caseflow-it-durable-${randomUUID()}`;
let connection: NativeConnection;
let worker: Worker;
let running: Promise<void>;
let api: RunningApi;
let hooks: WebhookReceiver;
const parties = {} as Record<EscalationTarget, PartyServer>;
const POLL = { timeout: 30_000, interval: 250 };

beforeAll(async () => {
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // Another file in this process installed the runtime already; its logger stands.
  }
  const targets: TargetEndpoints = {};
  for (const target of ['service-ops', 'vendor', 'microsoft-channel'] as const) {
    const secret = randomBytes(24).toString('hex');
    parties[target] = await startPartyServer({ secret, name: target });
    targets[target] = { url: `${parties[target].url}/escalations`, secret };
  }
  const notifySecret = randomBytes(24).toString('hex');
  hooks = await startWebhookReceiver(notifySecret);
  connection = await NativeConnection.connect({ address: inject('temporalAddress') });
  worker = await createCaseflowWorker({
    connection,
    namespace: inject('temporalNamespace'),
    taskQueue,
    activityDeps: {
      escalationTargets: targets,
      notifications: { webhooks: [{ url: `${hooks.url}/hook` }], secret: notifySecret },
    },
  });
  running = worker.run();
  api = await startApi({
    taskQueue,
    escalationTargets: targets,
    policy: casePolicySchema.parse({
      continueAsNewAfterActions: 12,
      escalation: { adminContacts: { devices: 'it-devices@example.org', other: 'it@example.org' } },
    }),
  });
});

afterAll(async () => {
  await api?.close();
  if (worker) {
    worker.shutdown();
    await running;
  }
  await connection?.close();
  await Promise.all(Object.values(parties).map((p) => p.close()));
  await hooks?.close();
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
async function call(
  path: string,
  token: string,
  body?: unknown,
  headers?: Record<string, string>,
): Promise<{ status: number; json: Json }> {
  const res = await api.request(path, { token, body, headers, method: body === undefined ? 'GET' : 'POST' });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}
const token = (who: 'agent' | 'escalation' | 'admin' | 'auditor' | 'ops') => api.as[who]!.token;
const getCase = async (id: string) => (await call(`/v1/cases/${id}`, token('agent'))).json as CaseView;
const getEscalation = async (id: string) =>
  (await call(`/v1/escalations/${id}`, token('admin'))).json as EscalationView;

/** A Sev C case about a policy of the service, triaged to service operations (the agent's case). */
async function serviceOpsCase(): Promise<CaseView> {
  const created = await call(
    '/v1/cases',
    token('agent'),
    intake({
      title: 'Intune-policyn blockerar företagsportalen',
      description: 'Compliance policy från tjänsten markerar datorn som inte kompatibel varje natt.',
    }),
  );
  expect(created.status).toBe(201);
  const id = (created.json as CaseView).id;
  await expect.poll(async () => (await getCase(id)).classification, POLL).not.toBeNull();
  if ((await getCase(id)).route.target !== 'service-ops') {
    const triaged = await call(`/v1/cases/${id}/category`, token('escalation'), {
      category: 'managed-desktop-service',
      subCategory: 'policy',
      reason: 'A policy the service applies',
    });
    expect(triaged.status).toBe(200);
  }
  return getCase(id);
}

async function fileFiled(caseId: string): Promise<EscalationView> {
  const filed = await call(`/v1/cases/${caseId}/escalations`, token('escalation'), {
    requestType: 'incident',
    category: 'devices',
    subCategory: 'compliance',
    title: 'Service policy marks devices non-compliant',
    description: 'The compliance policy applied by the service marks healthy devices non-compliant.',
    contact: 'anna.berg@example.org',
  });
  expect(filed.status).toBe(201);
  const e = filed.json as EscalationView;
  await expect.poll(async () => (await getEscalation(e.id)).delivery, POLL).not.toBeNull();
  return e;
}

describe('nothing closes silently', () => {
  it('refuses to resolve with an open escalation; withdraws it on request and tells the party', async () => {
    const c = await serviceOpsCase();
    const e = await fileFiled(c.id);
    const refused = await call(`/v1/cases/${c.id}/resolve`, token('agent'), { resolution: 'Löst lokalt.' });
    expect(refused.status).toBe(409);
    expect(refused.json.detail).toContain(e.id);

    const resolved = await call(`/v1/cases/${c.id}/resolve`, token('agent'), {
      resolution: 'Löst lokalt.',
      withdrawEscalation: true,
    });
    expect(resolved.status).toBe(200);
    expect(resolved.json.status).toBe('resolved');
    expect(resolved.json).not.toHaveProperty('log');

    const party = parties['service-ops'];
    await expect
      .poll(
        () => party.received.filter((d) => d.headers['idempotency-key'] === `${e.id}:withdrawn`).length,
        POLL,
      )
      .toBe(1);
    const told = party.received.find((d) => d.headers['idempotency-key'] === `${e.id}:withdrawn`);
    expect(told).toMatchObject({ signatureValid: true });
    expect(told?.headers['caseflow-event']).toBe('escalation-withdrawn');
    await expect.poll(async () => (await getEscalation(e.id)).status, POLL).toBe('withdrawn');
    await expect
      .poll(async () => (await getCase(c.id)).escalations.find((x) => x.id === e.id)?.status, POLL)
      .toBe('withdrawn');
    // Its callbacks are refused from then on, and the record says why.
    const late = await party.sendCallback(api.url, 'service-ops', e.id, {
      callbackId: `cb-${randomUUID()}`,
      kind: 'update',
      message: 'Still looking',
    });
    expect(late.status).toBe(409);
  }, 90_000);

  it('shows a needs-info on the case with its deadline, and tells agents and IT admins', async () => {
    const c = await serviceOpsCase();
    const e = await fileFiled(c.id);
    const asked = await parties['service-ops'].sendCallback(api.url, 'service-ops', e.id, {
      callbackId: `cb-${randomUUID()}`,
      kind: 'needs-info',
      message: 'Which policy version do the devices report?',
    });
    expect(asked.status).toBe(200);
    await expect.poll(async () => (await getCase(c.id)).status, POLL).toBe('escalation-needs-info');
    const now = await getCase(c.id);
    expect(now.escalationNeedsInfo).toMatchObject({
      escalationId: e.id,
      message: 'Which policy version do the devices report?',
    });
    const ask = now.escalationNeedsInfo!;
    expect(Date.parse(ask.closesAt) - Date.parse(ask.askedAt)).toBe(48 * 3_600_000);
    await expect
      .poll(
        () =>
          hooks.received
            .filter((h) => h.headers['caseflow-event'] === 'escalation-needs-info')
            .map((h) => JSON.parse(h.body) as { caseId: string; audience: string })
            .filter((n) => n.caseId === c.id)
            .map((n) => n.audience)
            .sort(),
        POLL,
      )
      .toEqual(['case-team', 'it-admins']);
    const answered = await call(`/v1/escalations/${e.id}/answer`, token('agent'), { message: 'Version 4.2' });
    expect(answered.status).toBe(200);
    await expect.poll(async () => (await getCase(c.id)).status, POLL).toBe('waiting-on-escalation');
  }, 90_000);
});

describe('children end on the record, however they end', () => {
  it('maps a terminated escalation to terminated, and a new one can be filed', async () => {
    const c = await serviceOpsCase();
    const e = await fileFiled(c.id);
    await api.client.workflow.getHandle(workflowIdOfEscalation(e.id)!).terminate('operator');
    await expect
      .poll(async () => (await getCase(c.id)).escalations.find((x) => x.id === e.id)?.status, POLL)
      .toBe('terminated');
    expect((await getCase(c.id)).status).toBe('in-progress');
    const again = await fileFiled(c.id);
    expect(again.id).toBe(`${c.id}.x2`);
  }, 90_000);
});

describe('lists and retries', () => {
  it('lists the Sev A/B escalations waiting for an IT admin, and the open ones for service operations', async () => {
    const c = await serviceOpsCase();
    const held = await call(`/v1/cases/${c.id}/escalations`, token('escalation'), {
      requestType: 'incident',
      category: 'devices',
      subCategory: 'compliance',
      title: 'Service policy locks out a whole floor',
      description: 'The compliance policy applied by the service locks out every device on floor 3.',
      contact: 'anna.berg@example.org',
      severity: 'B',
    });
    expect(held.status).toBe(201);
    expect(held.json.status).toBe('awaiting-approval');
    const heldId = (held.json as EscalationView).id;
    await expect
      .poll(async () => {
        const list = await call('/v1/escalations?status=awaiting-approval&limit=50', token('admin'));
        return (list.json.items as EscalationView[]).map((e) => e.id);
      }, POLL)
      .toContain(heldId);
    const other = await serviceOpsCase();
    const filed = await fileFiled(other.id);
    await expect
      .poll(async () => {
        const list = await call('/v1/escalations?target=service-ops&status=filed&limit=50', token('ops'));
        return (list.json.items as EscalationView[]).map((e) => e.id);
      }, POLL)
      .toContain(filed.id);
    expect((await call('/v1/escalations?status=nonsense', token('admin'))).status).toBe(400);
  }, 90_000);

  it('lists a case that continued as new once, with its creation time', async () => {
    const c = await serviceOpsCase();
    for (let i = 0; i < 14; i++) {
      const note = await call(`/v1/cases/${c.id}/notes`, token('agent'), {
        text: `Anteckning ${i}`,
        visibleToRequester: false,
      });
      expect(note.status).toBe(200);
    }
    await expect
      .poll(async () => (await getCase(c.id)).log.some((l) => l.type === 'continued-as-new'), POLL)
      .toBe(true);
    const page = await call(`/v1/cases/${c.id}/log?limit=5`, token('agent'));
    expect(page.status).toBe(200);
    expect(page.json).toMatchObject({ earlierRuns: expect.any(Boolean) as boolean });
    expect(page.json.entries.length).toBeLessThanOrEqual(5);
    const rowsOf = async () => {
      const list = await call(`/v1/cases?device=${c.device.serial}&limit=100`, token('auditor'));
      return (list.json.items as { id: string; createdAt: string }[]).filter((x) => x.id === c.id);
    };
    // Visibility is eventually consistent: wait for the row, then check it is one with the case's
    // creation time (not its current run's start).
    await expect.poll(async () => (await rowsOf()).length, POLL).toBe(1);
    await new Promise((r) => setTimeout(r, 1_500));
    const rows = await rowsOf();
    expect(rows).toHaveLength(1);
    expect(Math.abs(Date.parse(rows[0]!.createdAt) - Date.parse(c.createdAt))).toBeLessThan(5_000);
  }, 90_000);

  it('files one escalation when an incident POST is retried with one Idempotency-Key', async () => {
    const c = await serviceOpsCase();
    const body = {
      title: 'VPN-profilen försvinner på flera datorer',
      description: 'Sedan natten saknar flera användare VPN-profilen efter policyuppdateringen.',
      severity: 'B',
      caseIds: [c.id],
    };
    const key = `inc-retry-${randomUUID()}`;
    const first = await call('/v1/incidents', token('admin'), body, { 'Idempotency-Key': key });
    const second = await call('/v1/incidents', token('admin'), body, { 'Idempotency-Key': key });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    const incident = first.json as IncidentView;
    expect((second.json as IncidentView).id).toBe(incident.id);
    const escalationId = `${incident.id}.x1`;
    await expect.poll(async () => (await getEscalation(escalationId)).delivery, POLL).not.toBeNull();
    const filed = parties['service-ops'].received.filter((d) =>
      String(d.headers['idempotency-key']).startsWith(incident.id),
    );
    expect(filed).toHaveLength(1);
    const other = await call(
      '/v1/incidents',
      token('admin'),
      { ...body, severity: 'A' },
      { 'Idempotency-Key': key },
    );
    expect(other.status).toBe(422);
  }, 90_000);
});
