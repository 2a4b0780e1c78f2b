import { randomBytes } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNotificationReceiver, startPartyReceiver } from '../../scripts/chaos/receivers';
import { DEFAULT_CASE_POLICY } from '../../src/domain/case-policy';
import { supportCase } from '../../src/workflows';
import * as xm from '../../src/workflows/escalation.messages';
import * as m from '../../src/workflows/supportCase.messages';
import { caseInput, escalationRequest } from '../support/case-fixtures';
import { startTimeSkipping, testWorker } from '../support/time-skipping';

/*
 * A receiver down for ten minutes, made real but fast: the Java time-skipping test server runs
 * the clock, caseflow's own delivery activities (not stand-ins) post over real HTTP to receivers
 * on loopback that refuse every connection, and ten simulated minutes pass while Temporal's retry
 * policy keeps trying. Then the receivers come back.
 */

let env: TestWorkflowEnvironment;
type Party = Awaited<ReturnType<typeof startPartyReceiver>>;
type Hooks = Awaited<ReturnType<typeof startNotificationReceiver>>;
let party: Party;
let hooks: Hooks;
const partySecret = randomBytes(24).toString('hex');
const notifySecret = randomBytes(24).toString('hex');

beforeAll(async () => {
  env = await startTimeSkipping();
  party = await startPartyReceiver('service-ops', partySecret);
  hooks = await startNotificationReceiver(notifySecret);
});

afterAll(async () => {
  await party?.close();
  await hooks?.close();
  await env?.teardown();
});

const CONTACTS = { devices: 'it-devices@example.org', other: 'it@example.org' };
const attemptOf = (text: string) => Number(/on attempt (\d+), after/.exec(text)?.[1] ?? 1);

describe('a receiver down for 10 minutes (time-skipping test server, real HTTP receivers refusing for 10 simulated minutes)', () => {
  it('delivers the escalation exactly once after recovery, delivers the notifications, and the records show the retries', async () => {
    const { worker, taskQueue } = await testWorker(
      env,
      {},
      {
        escalationTargets: { 'service-ops': { url: `${party.url}/escalations`, secret: partySecret } },
        notifications: {
          webhooks: [{ url: `${hooks.url}/hooks`, name: 'subscribers' }],
          secret: notifySecret,
        },
      },
    );
    await party.setMode('down');
    await hooks.setMode('down');

    await worker.runUntil(async () => {
      const policy = { escalation: { ...DEFAULT_CASE_POLICY.escalation, adminContacts: CONTACTS } };
      // A case escalated to service operations, and one resolved and closed, both while they are down.
      const escalatedInput = caseInput(
        {
          title: 'Intune-policyn blockerar VPN',
          description: 'Compliance policy från tjänsten tar bort VPN-profilen.',
          severity: 'C',
        },
        policy,
      );
      const closedInput = caseInput({ severity: 'C' }, policy);
      const escalated = await env.client.workflow.start(supportCase, {
        workflowId: m.caseWorkflowId(escalatedInput.id),
        taskQueue,
        args: [escalatedInput],
      });
      const closed = await env.client.workflow.start(supportCase, {
        workflowId: m.caseWorkflowId(closedInput.id),
        taskQueue,
        args: [closedInput],
      });
      await expect
        .poll(async () => (await escalated.query(m.getCase)).classification, { timeout: 20_000 })
        .not.toBeNull();
      const { escalationId, workflowId } = await escalated.executeUpdate(m.fileEscalation, {
        args: [{ actor: 'esc-1', actorIsAdmin: false, request: escalationRequest() }],
      });
      const escalation = env.client.workflow.getHandle(workflowId);
      await closed.executeUpdate(m.resolve, {
        args: [{ actor: 'agent-1', resolution: 'Replaced the toner cartridge.', withdrawEscalation: false }],
      });
      await closed.signal(m.requesterConfirmed, { actor: 'agent-1', accepted: true, comment: null });

      // Ten simulated minutes of refused connections, with the retry policy trying all along.
      const downFrom = await env.currentTimeMs();
      await env.sleep('10 minutes');
      expect((await env.currentTimeMs()) - downFrom).toBeGreaterThanOrEqual(10 * 60_000);
      expect((await escalation.query(xm.getEscalation)).delivery).toBeNull();
      expect(party.received).toHaveLength(0);
      expect(hooks.received).toHaveLength(0);
      const sentWhileDown = (await closed.query(m.getCase)).log.filter(
        (e) => e.type === 'notification-delivered',
      );
      expect(sentWhileDown).toEqual([]);

      await party.setMode('up');
      await hooks.setMode('up');
      // Backoff reaches a minute for escalations and ten for notifications: let the next tries come.
      await env.sleep('15 minutes');

      // Exactly once at the party: one ticket, under the escalation's own idempotency key.
      const view = await escalation.query(xm.getEscalation);
      expect(view.delivery).not.toBeNull();
      expect([...party.tickets.keys()]).toEqual([escalationId]);
      expect(view.delivery?.externalReference).toBe(party.tickets.get(escalationId));
      const accepted = party.received.filter((r) => r.status === 201);
      expect(accepted.length).toBeGreaterThanOrEqual(1);
      expect(accepted.every((r) => r.headers['idempotency-key'] === escalationId && r.signatureValid)).toBe(
        true,
      );
      // The record shows the retries the outage cost.
      const deliveredEntry = view.log.find((e) => e.type === 'delivered');
      expect(deliveredEntry?.text).toMatch(/on attempt \d+, after \d+ failed attempts?\./);
      expect(attemptOf(deliveredEntry?.text ?? '')).toBeGreaterThan(1);
      await expect.poll(async () => (await escalated.query(m.getCase)).status).toBe('waiting-on-escalation');

      // The closed case's notifications arrived, each under its own key, and its record shows retries.
      const record = await closed.query(m.getCase);
      expect(record.status).toBe('closed');
      const notified = record.log.filter((e) => e.type === 'notification-delivered');
      const ids = notified.map((e) => /\((\S+)\) delivered/.exec(e.text)?.[1]);
      expect(ids.length).toBeGreaterThanOrEqual(2);
      const keys = new Set(
        hooks.received.filter((r) => r.status === 204).map((r) => r.headers['idempotency-key']),
      );
      for (const id of ids) expect(keys.has(id), `notification ${id} arrived`).toBe(true);
      expect(
        notified.every((e) => attemptOf(e.text) > 1),
        JSON.stringify(notified),
      ).toBe(true);
      expect(hooks.received.every((r) => r.signatureValid)).toBe(true);
    });
  }, 240_000);
});
