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
import { type RunningApi, intake, startApi } from '../support/harness';
import { type PartyServer, type ReceivedDelivery, startPartyServer } from '../support/party-server';

/*
 * Escalations over HTTP against the real dev server: the shared worker has no escalation targets,
 * so this file runs its own worker (on its own task queue) that delivers to three real HTTP
 * stand-ins for service operations, the vendor and the Microsoft channel.
 */

const taskQueue = `caseflow-it-escalations-${randomUUID()}`;
let connection: NativeConnection;
let worker: Worker;
let running: Promise<void>;
let api: RunningApi;
const parties = {} as Record<EscalationTarget, PartyServer>;

const POLL = { timeout: 30_000, interval: 250 };

beforeAll(async () => {
  try {
    // The failed deliveries during the vendor outage are expected; the tests assert on them.
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
  connection = await NativeConnection.connect({ address: inject('temporalAddress') });
  worker = await createCaseflowWorker({
    connection,
    namespace: inject('temporalNamespace'),
    taskQueue,
    activityDeps: { escalationTargets: targets, notifications: { webhooks: [], secret: undefined } },
  });
  running = worker.run();
  api = await startApi({
    taskQueue,
    escalationTargets: targets,
    // No admin contact for the security area, on purpose.
    policy: casePolicySchema.parse({
      escalation: {
        adminContacts: {
          devices: 'it-devices@example.org',
          'app-packaging': 'apps@example.org',
          other: 'it@example.org',
        },
      },
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
});

/** Response bodies are read loosely: each assertion says what it expects of them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

async function call(path: string, token: string, body?: unknown): Promise<{ status: number; json: Json }> {
  const res = await api.request(path, { token, body, method: body === undefined ? 'GET' : 'POST' });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

const token = (who: 'agent' | 'escalation' | 'admin' | 'auditor' | 'ops') => api.as[who]!.token;

async function getCase(id: string): Promise<CaseView> {
  // Read by who opened it: an agent who never touched a case is not shown it.
  const res = await call(`/v1/cases/${id}`, token('escalation'));
  expect(res.status).toBe(200);
  return res.json as CaseView;
}

async function getEscalation(id: string): Promise<EscalationView> {
  const res = await call(`/v1/escalations/${id}`, token('admin'));
  expect(res.status).toBe(200);
  return res.json as EscalationView;
}

/** Opens a case and waits until the classifier has run, whatever it concluded. */
async function openCase(overrides: Record<string, unknown> = {}): Promise<CaseView> {
  const created = await call('/v1/cases', token('escalation'), intake(overrides));
  expect(created.status).toBe(201);
  const id = (created.json as CaseView).id;
  await expect.poll(async () => (await getCase(id)).log.map((e) => e.type), POLL).toContain('classified');
  return getCase(id);
}

const serviceOpsCase = (overrides: Record<string, unknown> = {}) =>
  openCase({
    title: 'Intune-policyn blockerar företagsportalen',
    description: 'Compliance policy från tjänsten markerar datorn som inte kompatibel varje natt.',
    ...overrides,
  });

const hardwareCase = () =>
  openCase({
    title: 'Skärmen är sprucken efter ett fall',
    description: 'Laptopen tappades i golvet och skärmen är sprucken; den behöver en ny panel.',
  });

const escalationRequest = (overrides: Record<string, unknown> = {}) => ({
  requestType: 'incident',
  category: 'devices',
  subCategory: 'vpn profile',
  title: 'Service policy removes the VPN profile',
  description: 'The compliance policy applied by the service removes the VPN profile every night.',
  contact: 'anna.berg@example.org',
  ...overrides,
});

/** Every attempt that reached the party for this escalation (the idempotency key is its id). */
const deliveriesOf = (party: PartyServer, escalationId: string): ReceivedDelivery[] =>
  party.received.filter((d) => d.headers['idempotency-key'] === escalationId);

/** Waits until the escalation was delivered (the party answered) and returns it. */
async function delivered(escalationId: string): Promise<EscalationView> {
  await expect.poll(async () => (await getEscalation(escalationId)).delivery, POLL).not.toBeNull();
  return getEscalation(escalationId);
}

const callbackId = () => `cb-${randomUUID()}`;

/** Polls until `read` gives `expected` or time runs out, and returns what it read last. */
async function eventually<T>(read: () => Promise<T>, expected: T, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value === expected || Date.now() >= until) return value;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('escalations over HTTP, delivered to real parties', () => {
  it('files a Sev C escalation by the escalation team at once, signed and delivered once', async () => {
    const opened = await openCase({
      title: 'Intune-policyn blockerar VPN-profilen',
      description: 'Compliance policy från tjänsten tar bort VPN-profilen varje natt.',
    });
    // VPN (infrastructure) and policy (the service) tie in the classifier: an agent triages it.
    let route = opened.route;
    if (route.target !== 'service-ops') {
      const triaged = await call(`/v1/cases/${opened.id}/category`, token('escalation'), {
        category: 'managed-desktop-service',
        subCategory: 'policy',
        reason: 'A policy the service applies removes the profile',
      });
      expect(triaged.status).toBe(200);
      route = (triaged.json as CaseView).route;
    }
    expect(route.target).toBe('service-ops');
    expect((await getCase(opened.id)).route.target).toBe('service-ops');

    const filed = await call(
      `/v1/cases/${opened.id}/escalations`,
      token('escalation'),
      escalationRequest({ reason: 'Only the service can change its policy' }),
    );
    expect(filed.status).toBe(201);
    const escalation = filed.json as EscalationView;
    expect(escalation).toMatchObject({
      id: `${opened.id}.x1`,
      caseId: opened.id,
      target: 'service-ops',
      severity: 'C',
      status: 'filed',
      gate: 'escalation-team-sev-c',
      filedBy: api.as.escalation!.principal,
      approvedBy: null,
      adminContact: 'it-devices@example.org',
    });

    const party = parties['service-ops'];
    const done = await delivered(escalation.id);
    const attempts = deliveriesOf(party, escalation.id);
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ signatureValid: true, status: 201 });
    expect(attempts[0]!.headers['caseflow-event']).toBe('escalation');
    expect(JSON.parse(attempts[0]!.body)).toMatchObject({
      escalationId: escalation.id,
      target: 'service-ops',
      owner: 'case',
      ownerId: opened.id,
      severity: 'C',
      gate: 'escalation-team-sev-c',
      filedBy: api.as.escalation!.principal,
    });
    expect(done.delivery?.externalReference).toBe(party.tickets.get(escalation.id));

    await expect.poll(async () => (await getCase(opened.id)).status, POLL).toBe('waiting-on-escalation');
    expect((await getCase(opened.id)).escalations).toEqual([
      expect.objectContaining({ id: escalation.id, target: 'service-ops', status: 'filed' }),
    ]);
  }, 120_000);

  it('holds Sev A and B for an IT admin, who files or declines them', async () => {
    const party = parties['service-ops'];
    const sevB = await serviceOpsCase({ severity: 'B' });
    expect(sevB.route.target).toBe('service-ops');
    const held = await call(`/v1/cases/${sevB.id}/escalations`, token('escalation'), escalationRequest());
    expect(held.status).toBe(201);
    const heldId = (held.json as EscalationView).id;
    expect(held.json).toMatchObject({
      severity: 'B',
      status: 'awaiting-approval',
      gate: 'it-admin-approval',
      filedAt: null,
      delivery: null,
    });

    // Neither an agent nor the escalation team may approve; nothing goes out meanwhile.
    const reason = { reason: 'The whole team is blocked' };
    expect((await call(`/v1/escalations/${heldId}/approve`, token('agent'), reason)).status).toBe(403);
    expect((await call(`/v1/escalations/${heldId}/approve`, token('escalation'), reason)).status).toBe(403);
    expect((await call(`/v1/escalations/${heldId}/decline`, token('escalation'), reason)).status).toBe(403);
    expect((await getEscalation(heldId)).status).toBe('awaiting-approval');
    expect(deliveriesOf(party, heldId)).toHaveLength(0);

    const approved = await call(`/v1/escalations/${heldId}/approve`, token('admin'), reason);
    expect(approved.status).toBe(200);
    expect(approved.json).toMatchObject({ status: 'filed', approvedBy: api.as.admin!.principal });
    expect(approved.json.filedAt).not.toBeNull();
    await delivered(heldId);
    expect(deliveriesOf(party, heldId)).toHaveLength(1);
    expect(JSON.parse(deliveriesOf(party, heldId)[0]!.body)).toMatchObject({
      severity: 'B',
      gate: 'it-admin-approval',
      filedBy: api.as.escalation!.principal,
      approvedBy: api.as.admin!.principal,
    });
    // Approving twice is refused by the workflow.
    expect((await call(`/v1/escalations/${heldId}/approve`, token('admin'), reason)).status).toBe(409);

    const sevA = await serviceOpsCase({ severity: 'A' });
    const heldA = await call(`/v1/cases/${sevA.id}/escalations`, token('escalation'), escalationRequest());
    expect(heldA.status).toBe(201);
    const heldAId = (heldA.json as EscalationView).id;
    expect(heldA.json).toMatchObject({
      severity: 'A',
      status: 'awaiting-approval',
      gate: 'it-admin-approval',
    });
    const declined = await call(`/v1/escalations/${heldAId}/decline`, token('admin'), {
      reason: 'Handled locally by the provider',
    });
    expect(declined.status).toBe(200);
    expect(declined.json).toMatchObject({ status: 'declined', approvedBy: null });
    // The escalation workflow has ended without delivering: the party never hears of it.
    const result = await api.client.workflow.getHandle(workflowIdOfEscalation(heldAId)!).result();
    expect(result).toEqual({ id: heldAId, status: 'declined' });
    expect(deliveriesOf(party, heldAId)).toHaveLength(0);
    expect(party.tickets.has(heldAId)).toBe(false);
    await expect
      .poll(async () => (await getCase(sevA.id)).escalations.map((e) => e.status), POLL)
      .toEqual(['declined']);
  }, 120_000);

  it('refuses a missing admin contact, a Test-group device and an auditor', async () => {
    const c = await serviceOpsCase();
    const security = await call(
      `/v1/cases/${c.id}/escalations`,
      token('escalation'),
      escalationRequest({ category: 'security', subCategory: 'defender' }),
    );
    expect(security.status).toBe(409);
    expect(security.json.detail).toContain('CASEFLOW_ADMIN_CONTACTS.security');

    const testDevice = await serviceOpsCase({
      device: { serial: `SN${randomUUID().slice(0, 8).toUpperCase()}`, group: 'test' },
    });
    expect(testDevice.device.isTestGroup).toBe(true);
    const refused = await call(
      `/v1/cases/${testDevice.id}/escalations`,
      token('escalation'),
      escalationRequest(),
    );
    expect(refused.status).toBe(409);
    expect(refused.json.detail).toContain('device.test-group');

    const auditor = await call(`/v1/cases/${c.id}/escalations`, token('auditor'), escalationRequest());
    expect(auditor.status).toBe(403);
    expect((await getCase(c.id)).escalations).toEqual([]);
    expect((await getCase(testDevice.id)).escalations).toEqual([]);
  }, 120_000);

  it('hands a hardware fault to the vendor once across an outage and takes its signed callbacks', async () => {
    const vendor = parties.vendor;
    const c = await hardwareCase();
    expect(c.route.target).toBe('vendor');

    await vendor.down();
    const filed = await call(
      `/v1/cases/${c.id}/escalations`,
      token('escalation'),
      escalationRequest({
        requestType: 'incident',
        subCategory: 'broken screen',
        title: 'Cracked laptop screen',
        description: 'The screen cracked after a fall; the panel needs replacing under warranty.',
      }),
    );
    expect(filed.status).toBe(201);
    const escalationId = (filed.json as EscalationView).id;
    // Hardware goes directly to the vendor: not the service's Sev C gate.
    expect(filed.json).toMatchObject({ target: 'vendor', status: 'filed', gate: 'vendor-direct' });

    // The hand-off is filed, and the case waits on the vendor, while delivery is still retrying.
    await expect
      .poll(async () => {
        const now = await getCase(c.id);
        return { status: now.status, paused: now.sla.paused };
      }, POLL)
      .toEqual({ status: 'waiting-on-vendor', paused: 'vendor' });
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    expect((await getEscalation(escalationId)).delivery).toBeNull();
    expect(deliveriesOf(vendor, escalationId)).toHaveLength(0);

    await vendor.up();
    const handedOff = await delivered(escalationId);
    const ticket = vendor.tickets.get(escalationId);
    expect(ticket).toBeDefined();
    expect(handedOff.delivery?.externalReference).toBe(ticket);
    expect(deliveriesOf(vendor, escalationId)).toHaveLength(1);
    expect(deliveriesOf(vendor, escalationId)[0]).toMatchObject({ signatureValid: true, status: 201 });
    // While the vendor works on it, the case shows the vendor's ticket (soft: the rest still runs).
    expect
      .soft(await eventually(async () => (await getCase(c.id)).escalations[0]?.externalReference, ticket))
      .toBe(ticket);

    const resolved = { callbackId: callbackId(), kind: 'resolved', message: 'Screen replaced' };
    const accepted = await vendor.sendCallback(api.url, 'vendor', escalationId, resolved);
    expect(accepted.status).toBe(200);
    expect(await accepted.json()).toEqual({ status: 'resolved' });
    expect(await getEscalation(escalationId)).toMatchObject({
      status: 'resolved',
      resolution: { message: 'Screen replaced' },
    });
    await expect.poll(async () => (await getCase(c.id)).status, POLL).toBe('in-progress');
    const back = await getCase(c.id);
    expect(back.sla.paused).toBeNull();
    expect(back.sla.pausedSeconds.vendor).toBeGreaterThan(0);
    expect(back.escalations).toEqual([
      expect.objectContaining({ id: escalationId, status: 'resolved', externalReference: ticket }),
    ]);

    // Forged, replayed, stale and misdirected callbacks are refused.
    const again = { callbackId: callbackId(), kind: 'update', message: 'Anything else?' };
    const forged = await vendor.sendCallback(api.url, 'vendor', escalationId, again, {
      forgeSignature: true,
    });
    expect(forged.status).toBe(401);
    expect((await vendor.sendCallback(api.url, 'vendor', escalationId, resolved)).status).toBe(409);
    const stale = await vendor.sendCallback(api.url, 'vendor', escalationId, again, {
      timestampSeconds: Math.floor(Date.now() / 1000) - 3600,
    });
    expect(stale.status).toBe(401);
    const unknown = await vendor.sendCallback(api.url, 'vendor', `${randomUUID()}.x1`, again);
    expect(unknown.status).toBe(404);
    expect((await getEscalation(escalationId)).log.filter((e) => e.type === 'resolved')).toHaveLength(1);

    // Another hand-off: acknowledged and updated by the vendor; service ops cannot speak for it.
    const other = await hardwareCase();
    const second = await call(
      `/v1/cases/${other.id}/escalations`,
      token('escalation'),
      escalationRequest({ subCategory: 'broken screen', title: 'Another cracked screen' }),
    );
    expect(second.status).toBe(201);
    const secondId = (second.json as EscalationView).id;
    await delivered(secondId);
    const ack = await vendor.sendCallback(api.url, 'vendor', secondId, {
      callbackId: callbackId(),
      kind: 'acknowledged',
      message: 'Ticket opened, courier booked',
    });
    expect(ack.status).toBe(200);
    expect(await ack.json()).toEqual({ status: 'acknowledged' });
    const update = await vendor.sendCallback(api.url, 'vendor', secondId, {
      callbackId: callbackId(),
      kind: 'update',
      message: 'Part ordered',
    });
    expect(update.status).toBe(200);
    expect(await update.json()).toEqual({ status: 'acknowledged' });
    // The first hand-off's signed "resolved", captured and replayed to this one, is refused.
    const replayed = await vendor.sendCallback(api.url, 'vendor', secondId, resolved, {
      signedFor: escalationId,
    });
    expect(replayed.status).toBe(401);
    const misdirected = await parties['service-ops'].sendCallback(api.url, 'service-ops', secondId, {
      callbackId: callbackId(),
      kind: 'resolved',
      message: 'Not ours to resolve',
    });
    expect(misdirected.status).toBe(409);
    const secondNow = await getEscalation(secondId);
    expect(secondNow.status).toBe('acknowledged');
    expect(secondNow.log.map((e) => e.type)).toEqual(expect.arrayContaining(['acknowledged', 'update']));
    expect(secondNow.log.map((e) => e.type)).not.toContain('resolved');
  }, 120_000);

  it('escalates a multi-user incident once for all its cases and tells each when it is resolved', async () => {
    const [a, b, c] = [await openCase(), await openCase(), await openCase()];
    const body = {
      title: 'VPN-profilen försvinner på flera datorer',
      description: 'Sedan natten saknar flera användare VPN-profilen efter policyuppdateringen.',
      severity: 'B',
      caseIds: [a.id, b.id],
    };
    expect((await call('/v1/incidents', token('agent'), body)).status).toBe(403);

    const opened = await call('/v1/incidents', token('admin'), body);
    expect(opened.status).toBe(201);
    const incident = opened.json as IncidentView;
    expect(incident.id).toMatch(/^inc-[0-9a-f-]{36}$/);
    const incidentPath = `/v1/incidents/${incident.id}`;
    const linked = await call(`${incidentPath}/cases`, token('admin'), { caseIds: [c.id] });
    expect(linked.status).toBe(200);
    expect((linked.json as IncidentView).caseIds).toEqual([a.id, b.id, c.id]);
    for (const each of [a, b, c]) {
      await expect.poll(async () => (await getCase(each.id)).incidentId, POLL).toBe(incident.id);
    }

    const escalationId = `${incident.id}.x1`;
    expect((await call(incidentPath, token('auditor'))).json).toMatchObject({ escalationId, status: 'open' });
    // The people who act on incidents find it in the list of open ones.
    const listed = async (who: 'admin' | 'ops', query = '') =>
      ((await call(`/v1/incidents?limit=50${query}`, token(who))).json as { items: { id: string }[] }).items;
    await expect
      .poll(async () => (await listed('ops')).find((i) => i.id === incident.id), POLL)
      .toMatchObject({ id: incident.id, status: 'open', escalationId, caseIds: [a.id, b.id, c.id] });
    expect((await listed('admin')).map((i) => i.id)).toContain(incident.id);
    expect((await call('/v1/incidents?status=lost', token('admin'))).status).toBe(400);
    const escalation = await delivered(escalationId);
    expect(escalation).toMatchObject({
      incidentId: incident.id,
      caseId: null,
      target: 'service-ops',
      severity: 'B',
      status: 'filed',
      gate: 'it-admin',
      filedBy: api.as.admin!.principal,
    });
    const service = parties['service-ops'];
    expect(deliveriesOf(service, escalationId)).toHaveLength(1);
    expect(JSON.parse(deliveriesOf(service, escalationId)[0]!.body)).toMatchObject({
      owner: 'incident',
      ownerId: incident.id,
      gate: 'it-admin',
    });

    const resolved = await service.sendCallback(api.url, 'service-ops', escalationId, {
      callbackId: callbackId(),
      kind: 'resolved',
      message: 'Policy assignment corrected',
    });
    expect(resolved.status).toBe(200);
    for (const each of [a, b, c]) {
      await expect
        .poll(async () => (await getCase(each.id)).log.map((e) => e.type), POLL)
        .toContain('incident-resolved');
    }
    const readIncident = async () => (await call(incidentPath, token('admin'))).json as IncidentView;
    await expect.poll(async () => (await readIncident()).status, POLL).toBe('resolved');
    expect((await readIncident()).resolution).toBe('Policy assignment corrected');
    await expect
      .poll(async () => (await listed('admin', '&status=resolved')).map((i) => i.id), POLL)
      .toContain(incident.id);
    expect((await listed('admin')).map((i) => i.id)).not.toContain(incident.id);
  }, 120_000);
});
