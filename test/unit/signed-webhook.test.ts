import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createEscalationDeliveryActivities,
  type EscalationDelivery,
  parseTargetEndpoints,
} from '../../src/activities/escalation-delivery';
import { createNotificationActivities, parseWebhookUrls } from '../../src/activities/notifications';
import {
  createSignedWebhookClient,
  MAX_WEBHOOK_ANSWER_BYTES,
  WEBHOOK_UNAVAILABLE,
  webhookUrlProblem,
} from '../../src/activities/signed-webhook';
import { SIGNATURE_HEADER, verifySignature } from '../../src/domain/webhook-signature';
import { createWebhookDeviceAdapter } from '../../src/vault/device-adapters';

/**
 * The rules every signed webhook poster shares (notifications, escalation hand-offs, device
 * password changes): https except loopback, a bounded read of the answer, a timeout that also
 * covers a stalled answer, and one failure vocabulary.
 */

const SECRET = 'signed-webhook-test-secret-0123';
const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );
});

/** A receiver whose answer is written by `answer`; the request body is read first. */
async function receiver(
  answer: (res: ServerResponse) => void,
): Promise<{ url: (path: string) => string; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      hits.push(body);
      answer(res);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: (path) => `http://127.0.0.1:${port}${path}`, hits };
}

/** Streams JSON-looking bytes for as long as the client keeps reading; ends only when it gives up. */
function endlessAnswer(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.write('{"reference":"ticket-1","padding":"');
  const chunk = 'x'.repeat(64 * 1024);
  const pump = () => {
    while (!res.destroyed && res.write(chunk));
    if (!res.destroyed) res.once('drain', pump);
  };
  pump();
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

const escalation: EscalationDelivery = {
  escalationId: 'esc:c-7:1',
  target: 'vendor',
  payload: { caseId: 'c-7', title: 'Docking station' },
};

const notification = {
  id: 'n-1',
  type: 'sla-at-risk' as const,
  caseId: 'c-7',
  occurredAt: '2026-11-02T10:00:00Z',
  severity: 'C' as const,
  summary: 'Case opened',
};

const change = {
  deviceSerial: 'PF3XK9Z',
  account: 'jit-admin',
  password: 'Pa55-word-never-logged',
  reason: 'grant' as const,
  changeId: 'elev-1',
};

describe('signed webhook URL rules', () => {
  it('accepts https anywhere and plain http to loopback only', () => {
    expect(webhookUrlProblem('https://hooks.example.org/in')).toBeUndefined();
    for (const loopback of ['http://127.0.0.1:8080/in', 'http://localhost/in', 'http://[::1]:9/in']) {
      expect(webhookUrlProblem(loopback)).toBeUndefined();
    }
    expect(webhookUrlProblem('http://hooks.example.org/in')).toMatch(/https/);
    expect(webhookUrlProblem('ftp://hooks.example.org/in')).toMatch(/http or https/);
    expect(webhookUrlProblem('https://u:p@hooks.example.org/in')).toMatch(/credentials/);
    expect(webhookUrlProblem('hooks.example.org/in')).toBe('is not a URL');
  });

  it('applies to notification receivers and escalation targets as it does to the device adapter', () => {
    expect(() => parseWebhookUrls('http://hooks.example.org/in?token=t0k3n')).toThrow(
      /^CASEFLOW_NOTIFY_URLS: entry 1 must use https/,
    );
    expect(() =>
      parseTargetEndpoints(JSON.stringify({ vendor: { url: 'http://vendor.example/esc', secret: SECRET } })),
    ).toThrow(/target vendor must have an https url/);
    expect(() => createWebhookDeviceAdapter({ url: 'http://mdm.example.org/jit', secret: SECRET })).toThrow(
      /https/,
    );
  });

  it('refuses to post to a non-loopback http URL handed to the client, without retries', async () => {
    const client = createSignedWebhookClient({
      userAgent: 'test',
      fetchImpl: () => Promise.reject(new Error('sent')),
    });
    const failure = await failureOf(
      client.post({
        url: 'http://hooks.example.org/in',
        secret: SECRET,
        event: 'e',
        idempotencyKey: 'k',
        body: '{}',
      }),
    );
    expect(failure.nonRetryable).toBe(true);
  });
});

describe('signed webhook answers', () => {
  it('reads at most the byte cap of an answer, so an endless answer neither hangs nor fills memory', async () => {
    const party = await receiver(endlessAnswer);
    const activities = createEscalationDeliveryActivities({
      endpoints: { vendor: { url: party.url('/esc'), secret: SECRET } },
      timeoutMs: 5_000,
    });

    const started = Date.now();
    const receipt = await activities.deliverEscalation(escalation);

    expect(receipt).toMatchObject({ status: 200, externalReference: null });
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(party.hits).toHaveLength(1);
  });

  it('does not buffer an answer whose declared length is over the cap', async () => {
    const big = JSON.stringify({ reference: 'intune-1', padding: 'x'.repeat(MAX_WEBHOOK_ANSWER_BYTES) });
    const automation = await receiver((res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(big) });
      res.end(big);
    });
    const adapter = createWebhookDeviceAdapter({ url: automation.url('/jit'), secret: SECRET });

    await expect(adapter.setPassword(change)).resolves.toEqual({ reference: 'http:200' });
  });

  it('gives up on an answer that stalls after its headers, within the timeout', async () => {
    const party = await receiver((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"reference":');
    });
    const activities = createEscalationDeliveryActivities({
      endpoints: { vendor: { url: party.url('/esc'), secret: SECRET } },
      timeoutMs: 300,
    });

    const started = Date.now();
    await expect(activities.deliverEscalation(escalation)).resolves.toMatchObject({
      externalReference: null,
    });
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('signs every poster the same way', async () => {
    const signatures: (string | undefined)[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        const header = req.headers[SIGNATURE_HEADER];
        signatures.push(
          verifySignature(SECRET, typeof header === 'string' ? header : undefined, body, Date.now() / 1000).ok
            ? 'ok'
            : 'bad',
        );
        res.writeHead(204).end();
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/in`;

    await createNotificationActivities({ webhooks: [{ url }], secret: SECRET }).notify(notification);
    await createEscalationDeliveryActivities({
      endpoints: { vendor: { url, secret: SECRET } },
    }).deliverEscalation(escalation);
    await createWebhookDeviceAdapter({ url, secret: SECRET }).setPassword(change);

    expect(signatures).toEqual(['ok', 'ok', 'ok']);
  });
});

describe('signed webhook failures', () => {
  it('are retryable ApplicationFailures of one type from all three posters when the receiver answers 503', async () => {
    const down = await receiver((res) => res.writeHead(503).end('down for maintenance'));
    const url = down.url('/in');

    const failures = [
      await failureOf(
        createNotificationActivities({ webhooks: [{ url }], secret: SECRET }).notify(notification),
      ),
      await failureOf(
        createEscalationDeliveryActivities({
          endpoints: { vendor: { url, secret: SECRET } },
        }).deliverEscalation(escalation),
      ),
      await failureOf(createWebhookDeviceAdapter({ url, secret: SECRET }).setPassword(change)),
    ];

    for (const failure of failures) {
      expect(failure.type).toBe(WEBHOOK_UNAVAILABLE);
      expect(failure.nonRetryable).toBe(false);
      expect(failure.message).toContain('HTTP 503');
      expect(failure.message).not.toContain('maintenance');
    }
  });

  it('are retryable of the same type when nothing listens, and never quote the body', async () => {
    const gone = await receiver((res) => res.end());
    const url = gone.url('/in');
    await new Promise<void>((resolve) => servers.pop()?.close(() => resolve()));

    const failure = await failureOf(createWebhookDeviceAdapter({ url, secret: SECRET }).setPassword(change));

    expect(failure.type).toBe(WEBHOOK_UNAVAILABLE);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.message).toMatch(/network error/);
    expect(failure.message).not.toContain(change.password);
  });
});
