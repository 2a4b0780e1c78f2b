import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type CaseNotification,
  createNotificationActivities,
  parseWebhookUrls,
  WebhookDeliveryError,
} from '../../src/activities/notifications';
import {
  EVENT_HEADER,
  IDEMPOTENCY_HEADER,
  SIGNATURE_HEADER,
  verifySignature,
} from '../../src/domain/webhook-signature';

interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

type Answer = 'accept' | 'fail' | 'redirect' | 'hang';

/** A real HTTP receiver on a free loopback port that records what it gets and answers on command. */
interface Receiver {
  url(path: string): string;
  requests: RecordedRequest[];
  answer: Answer;
  close(): Promise<void>;
}

const openServers: Server[] = [];

async function startReceiver(): Promise<Receiver> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      if (receiver.answer === 'hang') return;
      if (receiver.answer === 'redirect') res.writeHead(307, { location: '/elsewhere' }).end();
      else res.writeHead(receiver.answer === 'fail' ? 500 : 204).end();
    });
  });
  openServers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const receiver: Receiver = {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    requests,
    answer: 'accept',
    close: () => closeServer(server),
  };
  return receiver;
}

async function closeServer(server: Server): Promise<void> {
  if (!server.listening) return;
  // Hanging requests and fetch's keep-alive sockets would otherwise hold close() open.
  server.closeAllConnections();
  await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
}

afterEach(async () => {
  await Promise.all(openServers.splice(0).map(closeServer));
});

const secret = 'notify-secret-for-tests-4f1c';
const nowMs = 1_767_225_600_250;
const nowSeconds = Math.floor(nowMs / 1000);

const event: CaseNotification = {
  id: 'c-42:breach:first-response:1767225600000',
  type: 'sla-breach',
  caseId: 'c-42',
  occurredAt: '2026-01-01T00:00:00.000Z',
  severity: 'A',
  summary: 'First response overdue for "Skrivaren på plan 3"',
  details: { clock: 'first-response', overdueMinutes: 5 },
};

function notifier(urls: string[], overrides: { secret?: string | undefined; timeoutMs?: number } = {}) {
  return createNotificationActivities({
    webhooks: urls.map((url) => ({ url })),
    secret: 'secret' in overrides ? overrides.secret : secret,
    now: () => nowMs,
    timeoutMs: overrides.timeoutMs ?? 2_000,
  });
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

describe('notify', () => {
  it('posts the event as signed JSON with idempotency and event headers', async () => {
    const receiver = await startReceiver();
    const url = receiver.url('/hooks/caseflow');

    const delivery = await notifier([url]).notify(event);

    expect(delivery).toEqual({ deliveredTo: ['receiver-1'], attempt: 1 });
    expect(receiver.requests).toHaveLength(1);
    const [request] = receiver.requests;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/hooks/caseflow');
    expect(JSON.parse(request?.body ?? '')).toEqual(event);
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers['user-agent']).toBe('caseflow-notifier');
    expect(request?.headers[IDEMPOTENCY_HEADER]).toBe(event.id);
    expect(request?.headers[EVENT_HEADER]).toBe('sla-breach');

    const signature = request?.headers[SIGNATURE_HEADER];
    expect(typeof signature).toBe('string');
    expect(verifySignature(secret, signature as string, request?.body ?? '', nowSeconds)).toEqual({
      ok: true,
      timestamp: nowSeconds,
    });
    expect(verifySignature('not-the-secret', signature as string, request?.body ?? '', nowSeconds).ok).toBe(
      false,
    );
  });

  it('delivers to every configured receiver with the same idempotency key', async () => {
    const first = await startReceiver();
    const second = await startReceiver();
    const urls = [first.url('/a'), second.url('/b')];

    const delivery = await notifier(urls).notify(event);

    expect(delivery.deliveredTo).toEqual(['receiver-1', 'receiver-2']);
    for (const receiver of [first, second]) {
      expect(receiver.requests).toHaveLength(1);
      expect(receiver.requests[0]?.headers[IDEMPOTENCY_HEADER]).toBe(event.id);
      expect(JSON.parse(receiver.requests[0]?.body ?? '')).toEqual(event);
    }
  });

  it('fails with a retryable error naming the receiver and status when one answers 500', async () => {
    const healthy = await startReceiver();
    const broken = await startReceiver();
    broken.answer = 'fail';
    const urls = [healthy.url('/ok'), broken.url('/hooks/broken?token=query-token-xyz')];

    const error = await rejectionOf(notifier(urls).notify(event));

    expect(error).toBeInstanceOf(WebhookDeliveryError);
    const message = (error as Error).message;
    expect(message).toContain(`${new URL(urls[1] ?? '').host}/hooks/broken`);
    expect(message).toContain('HTTP 500');
    expect(message).not.toContain(secret);
    expect(message).not.toContain('query-token-xyz');
    expect(message).not.toContain(event.summary);
    expect((error as ApplicationFailure).nonRetryable).toBe(false);
    // Every receiver is still tried; the healthy one dedupes the retry by idempotency key.
    expect(healthy.requests).toHaveLength(1);
    expect(broken.requests).toHaveLength(1);
  });

  it('treats a redirect as a failure instead of re-sending the signed body elsewhere', async () => {
    const receiver = await startReceiver();
    receiver.answer = 'redirect';

    await expect(notifier([receiver.url('/moved')]).notify(event)).rejects.toThrow(/\/moved \(HTTP 307\)/);
    expect(receiver.requests.map((r) => r.path)).toEqual(['/moved']);
  });

  it('gives up on a receiver that does not answer within the timeout', async () => {
    const receiver = await startReceiver();
    receiver.answer = 'hang';

    const error = await rejectionOf(notifier([receiver.url('/slow')], { timeoutMs: 200 }).notify(event));

    expect(error).toBeInstanceOf(WebhookDeliveryError);
    expect((error as Error).message).toMatch(/\/slow \(no answer within 200 ms\)/);
    expect(receiver.requests).toHaveLength(1);
  });

  it('reports a receiver that refuses connections as a network error', async () => {
    const gone = await startReceiver();
    const url = gone.url('/gone');
    await gone.close();

    await expect(notifier([url]).notify(event)).rejects.toThrow(/\/gone \(network error ECONNREFUSED\)/);
  });

  it('reports receivers by name, never by URL, since URLs often carry their secret', async () => {
    const receiver = await startReceiver();

    const delivery = await notifier([receiver.url('/hook/T0SECRET?token=abc#frag')]).notify(event);

    expect(delivery.deliveredTo).toEqual(['receiver-1']);
    expect(JSON.stringify(delivery)).not.toContain('SECRET');
    expect(receiver.requests[0]?.path).toBe('/hook/T0SECRET?token=abc');
  });

  it('does nothing, successfully, when no receivers are configured', async () => {
    const delivery = await notifier([], { secret: undefined }).notify(event);

    expect(delivery).toEqual({ deliveredTo: [], attempt: 1 });
  });

  it('fails without retries and sends nothing when receivers exist but the secret is missing', async () => {
    const receiver = await startReceiver();

    for (const missing of [undefined, '', '  ']) {
      const error = await rejectionOf(notifier([receiver.url('/x')], { secret: missing }).notify(event));
      expect(error).toBeInstanceOf(ApplicationFailure);
      expect((error as ApplicationFailure).nonRetryable).toBe(true);
      expect((error as ApplicationFailure).message).toMatch(/CASEFLOW_NOTIFY_SECRET is missing/);
    }
    expect(receiver.requests).toHaveLength(0);
  });

  it('fails without retries on a malformed notification, naming the fields', async () => {
    const receiver = await startReceiver();
    const bad = { ...event, id: 'has space\r\nx-injected: 1', occurredAt: 'yesterday' };

    const error = await rejectionOf(notifier([receiver.url('/x')]).notify(bad));

    expect(error).toBeInstanceOf(ApplicationFailure);
    expect((error as ApplicationFailure).nonRetryable).toBe(true);
    expect((error as Error).message).toMatch(/id, occurredAt/);
    expect(receiver.requests).toHaveLength(0);
  });

  it('reports the attempt number from the activity context', async () => {
    const receiver = await startReceiver();
    const activities = notifier([receiver.url('/x')]);

    const delivery = await runAsActivity(new MockActivityEnvironment({ attempt: 3 }), () =>
      activities.notify(event),
    );

    expect(delivery.attempt).toBe(3);
  });

  it('ends as cancelled, not as a retryable failure, when the activity is cancelled', async () => {
    const receiver = await startReceiver();
    receiver.answer = 'hang';
    const env = new MockActivityEnvironment();
    const activities = notifier([receiver.url('/slow')], { timeoutMs: 30_000 });

    const running = runAsActivity(env, () => activities.notify(event));
    await waitFor(() => receiver.requests.length === 1);
    env.cancel();

    expect(await rejectionOf(running)).toBeInstanceOf(CancelledFailure);
  });
});

/** Runs fn inside a real activity context; spelled out because `run` cannot infer the result type. */
function runAsActivity<T>(env: MockActivityEnvironment, fn: () => Promise<T>): Promise<T> {
  return env.run<[], T, () => Promise<T>>(fn);
}

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('notifyNow (the local activity)', () => {
  it('delivers as notify does and names the notice, without its details, for the timeline', async () => {
    const receiver = await startReceiver();
    const delivery = await notifier([receiver.url('/hooks')]).notifyNow({ ...event, audience: 'it-admins' });
    expect(delivery).toEqual({
      deliveredTo: ['receiver-1'],
      attempt: 1,
      notice: { id: event.id, type: 'sla-breach', summary: event.summary, audience: 'it-admins' },
    });
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0]?.headers[IDEMPOTENCY_HEADER]).toBe(event.id);
  });

  it('fails as notify does, so the workflow can hand the notice to the retrying activity', async () => {
    const receiver = await startReceiver();
    receiver.answer = 'fail';
    expect(await rejectionOf(notifier([receiver.url('/hooks')]).notifyNow(event))).toBeInstanceOf(
      WebhookDeliveryError,
    );
  });
});

describe('parseWebhookUrls', () => {
  it('parses a comma-separated list, skipping blanks', () => {
    expect(parseWebhookUrls(' https://hooks.example.org/caseflow , http://127.0.0.1:8080/in,,')).toEqual([
      { name: 'receiver-1', url: 'https://hooks.example.org/caseflow' },
      { name: 'receiver-2', url: 'http://127.0.0.1:8080/in' },
    ]);
  });

  it('takes a name for each receiver, which records show instead of the URL', () => {
    expect(parseWebhookUrls('teams=https://hooks.example.org/T0/B1/secret?a=b, https://x.example/y')).toEqual(
      [
        { name: 'teams', url: 'https://hooks.example.org/T0/B1/secret?a=b' },
        { name: 'receiver-2', url: 'https://x.example/y' },
      ],
    );
    expect(() => parseWebhookUrls('Bad Name=https://x.example/y')).toThrow(/entry 1 has a bad name/);
  });

  it('treats an unset or empty value as no receivers', () => {
    expect(parseWebhookUrls(undefined)).toEqual([]);
    expect(parseWebhookUrls('')).toEqual([]);
    expect(parseWebhookUrls(' , ')).toEqual([]);
  });

  it.each([
    ['not a URL', 'https://ok.example/a,hooks.example.org/no-scheme', /entry 2 is not a URL/],
    ['another scheme', 'ftp://files.example/drop', /entry 1 must be an http or https URL/],
    [
      'embedded credentials',
      'https://user:pw-secret@hooks.example/x',
      /entry 1 must not contain credentials/,
    ],
  ])('rejects %s, naming CASEFLOW_NOTIFY_URLS and not echoing the value', (_label, value, why) => {
    expect(() => parseWebhookUrls(value)).toThrow(/^CASEFLOW_NOTIFY_URLS: /);
    expect(() => parseWebhookUrls(value)).toThrow(why);
    let message = '';
    try {
      parseWebhookUrls(value);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).not.toContain(value.split(',').at(-1) ?? value);
  });
});
