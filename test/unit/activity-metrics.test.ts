import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MetricMeter } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CaseNotification, createNotificationActivities } from '../../src/activities/notifications';

/** A meter that records every counter increment with its tags. */
function recordingMeter() {
  const added: { name: string; value: number; tags: Record<string, unknown> }[] = [];
  const meter = {
    createCounter: (name: string) => {
      const counter = {
        add: (value: number, tags: Record<string, unknown> = {}) => added.push({ name, value, tags }),
        withTags: () => counter,
      };
      return counter;
    },
    withTags: () => meter,
  };
  return { added, meter: meter as unknown as MetricMeter };
}

let server: Server;
let url: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    res.statusCode = req.url === '/down' ? 503 : 204;
    req.resume().on('end', () => res.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const breach: CaseNotification = {
  id: 'c-7:firstResponse@1:breach',
  type: 'sla-breach',
  caseId: 'c-7',
  occurredAt: '2026-01-01T00:00:00.000Z',
  severity: 'B',
  summary: 'SLA breached',
  details: {},
};

describe("caseflow's counters kept by the notify activity", () => {
  it('counts an SLA event once, and every delivery attempt per receiver by outcome and name', async () => {
    const activities = createNotificationActivities({
      webhooks: [
        { url: `${url}/ok`, name: 'teams' },
        { url: `${url}/down`, name: 'ops' },
      ],
      secret: 'a-secret-of-sixteen-chars',
    });
    const first = recordingMeter();
    await expect(
      new MockActivityEnvironment({ attempt: 1 }, { metricMeter: first.meter }).run(() =>
        activities.notify(breach),
      ),
    ).rejects.toThrow();
    expect(first.added).toEqual(
      expect.arrayContaining([
        { name: 'caseflow_sla_events', value: 1, tags: expect.objectContaining({ event: 'sla-breach' }) },
        {
          name: 'caseflow_webhook_deliveries',
          value: 1,
          tags: expect.objectContaining({ kind: 'notification', receiver: 'teams', outcome: 'delivered' }),
        },
        {
          name: 'caseflow_webhook_deliveries',
          value: 1,
          tags: expect.objectContaining({ kind: 'notification', receiver: 'ops', outcome: 'failed' }),
        },
      ]),
    );
    expect(JSON.stringify(first.added)).not.toContain(url);

    // A retry delivers again but is the same SLA event.
    const retry = recordingMeter();
    await expect(
      new MockActivityEnvironment({ attempt: 2 }, { metricMeter: retry.meter }).run(() =>
        activities.notify(breach),
      ),
    ).rejects.toThrow();
    expect(retry.added.filter((a) => a.name === 'caseflow_sla_events')).toEqual([]);
    expect(retry.added.filter((a) => a.name === 'caseflow_webhook_deliveries')).toHaveLength(2);
  });
});
