import type { Payload } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caseWorkflowId } from '../../src/workflows/supportCase.messages';
import { escalationRequest } from '../support/case-fixtures';
import { type RunningApi, intake, startApi } from '../support/harness';

let api: RunningApi;

beforeAll(async () => {
  // Classified by the workflow's activity, whose summary the Web UI shows.
  api = await startApi({ classifyIntake: null });
});
afterAll(async () => {
  await api?.close();
});

/** What the Web UI asks a running workflow for its "Current details". */
const METADATA_QUERY = '__temporal_workflow_metadata';

const text = (payload: Payload | null | undefined): string | undefined =>
  payload?.data ? (JSON.parse(Buffer.from(payload.data).toString('utf8')) as string) : undefined;

describe('what the Temporal Web UI shows of a case', () => {
  it('has a static summary and details, keeps current details, and names its activities and timers', async () => {
    const body = intake({ title: 'VPN-klienten tappar anslutningen', severity: 'B' });
    const res = await api.request('/v1/cases', { token: api.as.agent!.token, body });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    const handle = api.client.workflow.getHandle(caseWorkflowId(id));

    const description = await handle.describe();
    expect(await description.staticSummary()).toBe(
      'Case: VPN-klienten tappar anslutningen · Sev B · unclassified',
    );
    expect(await description.staticDetails()).toContain(`**Case** ${id}`);

    const assigned = await api.request(`/v1/cases/${id}/assign`, {
      token: api.as.agent!.token,
      body: { tier: 'tier-2', assignee: api.as.agent!.principal, reason: 'network specialist' },
    });
    expect(assigned.status).toBe(200);
    const details = await handle.query<{ currentDetails?: string }>(METADATA_QUERY);
    expect(details.currentDetails).toContain(`**Assignee** ${api.as.agent!.principal}`);
    expect(details.currentDetails).toMatch(/\*\*Status\*\* [a-z-]+ · Sev B · [a-z-]+ · tier-2/);
    expect(details.currentDetails).toMatch(/\*\*SLA\*\* first response due \S+ \(\d+ h( \d+ min)? left at /);
    expect(details.currentDetails).toContain('**Open children** none');

    // Nothing the case page keeps from the Web UI's readers: description, requester name and contact.
    const shown = `${await description.staticSummary()}\n${await description.staticDetails()}\n${details.currentDetails}`;
    const requester = body.requester as { name: string; contact: string };
    for (const secret of [body.description as string, requester.name, requester.contact]) {
      expect(shown).not.toContain(secret);
    }

    const history = await handle.fetchHistory();
    const activitySummaries = (history.events ?? [])
      .filter((e) => e.activityTaskScheduledEventAttributes)
      .map((e) => text(e.userMetadata?.summary));
    expect(activitySummaries).toContain('classify');
    const timerSummaries = (history.events ?? [])
      .filter((e) => e.timerStartedEventAttributes)
      .map((e) => text(e.userMetadata?.summary));
    expect(timerSummaries).toContain('first response at risk');
  });

  it("summarises an escalation by target, severity and case, and lists it among the case's open children", async () => {
    const opened = await api.request('/v1/cases', {
      token: api.as.escalation!.token,
      body: intake({ title: 'Intune-policyn blockerar VPN-profilen' }),
      // Classified by the workflow here: wait for it, so the category below is the case's own.
      headers: { prefer: 'wait=10' },
    });
    const { id, classification } = (await opened.json()) as {
      id: string;
      classification: { category: string } | null;
    };
    expect(classification).not.toBeNull();
    // The policy and the VPN profile pull the classifier two ways: an agent settles it, unless the
    // classifier already chose the service.
    if (classification!.category !== 'managed-desktop-service') {
      const triaged = await api.request(`/v1/cases/${id}/category`, {
        token: api.as.escalation!.token,
        body: { category: 'managed-desktop-service', subCategory: 'policy', reason: 'A service policy' },
      });
      expect(triaged.status).toBe(200);
    }
    const filed = await api.request(`/v1/cases/${id}/escalations`, {
      token: api.as.escalation!.token,
      body: escalationRequest(),
    });
    expect(filed.status).toBe(201);

    const child = api.client.workflow.getHandle(`case:${id}:escalation:1`);
    expect(await (await child.describe()).staticSummary()).toBe(
      `Escalation: to service-ops · Sev C · case ${id}`,
    );
    await expect
      .poll(async () => (await child.query<{ currentDetails?: string }>(METADATA_QUERY)).currentDetails, {
        timeout: 20_000,
        interval: 250,
      })
      .toMatch(/^\*\*Status\*\* [a-z-]+ · service-ops/);
    const caseDetails = await api.client.workflow
      .getHandle(caseWorkflowId(id))
      .query<{ currentDetails?: string }>(METADATA_QUERY);
    expect(caseDetails.currentDetails).toContain(`**Open children** case:${id}:escalation:1`);
  });
});
