import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caseIntakeSchema } from '../../src/domain/case';
import { supportCase } from '../../src/workflows';
import { caseWorkflowId, getCase } from '../../src/workflows/supportCase.messages';
import { startTimeSkipping, testWorker } from '../support/time-skipping';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startTimeSkipping();
});
afterAll(async () => {
  await env?.teardown();
});

const newCase = (title: string, description: string) => {
  const id = randomUUID();
  return {
    id,
    intake: caseIntakeSchema.parse({
      title,
      description,
      requester: { id: 'u-1', name: 'Erik Lund', contact: 'erik.lund@example.org' },
      device: { serial: 'PF3XK9Z', group: 'Test' },
      channel: 'email',
    }),
    createdBy: 'agent-1',
    supportModel: 'customer-led' as const,
    providerName: 'Service desk',
    requestFingerprint: 'f'.repeat(64),
  };
};

describe('supportCase workflow', () => {
  it('classifies the case in an activity and triages it when confident', async () => {
    const { worker, taskQueue } = await testWorker(env);
    const input = newCase('Kommer inte åt VPN hemifrån', 'VPN-klienten säger att anslutningen misslyckades.');
    const state = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start(supportCase, {
        workflowId: caseWorkflowId(input.id),
        taskQueue,
        args: [input],
      });
      let current = await handle.query(getCase);
      for (let i = 0; i < 50 && current.status === 'new'; i++) {
        await new Promise((r) => setTimeout(r, 100));
        current = await handle.query(getCase);
      }
      await handle.terminate('test finished');
      return current;
    });
    expect(state).toMatchObject({
      id: input.id,
      status: 'triaged',
      category: 'infrastructure',
      severity: 'C',
    });
    expect(state.classification).toMatchObject({
      category: 'infrastructure',
      subCategory: 'vpn',
      needsTriage: false,
    });
    expect(state.device).toEqual({ serial: 'PF3XK9Z', group: 'test', isTestGroup: true });
    expect(state.createdBy).toBe('agent-1');
  });

  it('leaves a case it cannot classify in triage for an agent', async () => {
    const { worker, taskQueue } = await testWorker(env);
    const input = newCase('Hjälp', 'Det funkar inte.');
    const state = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start(supportCase, {
        workflowId: caseWorkflowId(input.id),
        taskQueue,
        args: [input],
      });
      let current = await handle.query(getCase);
      for (let i = 0; i < 50 && current.classification === null; i++) {
        await new Promise((r) => setTimeout(r, 100));
        current = await handle.query(getCase);
      }
      await handle.terminate('test finished');
      return current;
    });
    expect(state.status).toBe('new');
    expect(state.category).toBe('unclassified');
    expect(state.classification?.needsTriage).toBe(true);
  });
});
