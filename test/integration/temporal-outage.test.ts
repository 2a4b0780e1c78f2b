import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app';
import { generateKey } from '../../src/api/auth';
import { createLimitedServer } from '../../src/api/http-server';
import { createLogger } from '../../src/logger';
import { connectClient, localTarget } from '../../src/temporal/connection';
import { startTestDevServer, type RunningDevServer } from '../support/dev-server';
import { intake, TEST_POLICY } from '../support/harness';

/**
 * Temporal going away under a running API: its own dev server (so stopping it harms no other
 * test), no worker on the API's task queue, and the API wired exactly as src/server.ts wires it.
 */
const DEADLINE_MS = 3_000;
let devServer: RunningDevServer | undefined;
let client: Client;
let url: string;
let token: string;
let close: () => Promise<void>;

beforeAll(async () => {
  devServer = await startTestDevServer();
  client = await connectClient(localTarget(devServer.address), { maxCallAttempts: 3 });
  const { entry, token: agentToken } = generateKey(`agent-${randomUUID().slice(0, 8)}`, ['agent']);
  token = agentToken;
  const app = createApp({
    client,
    keys: [entry],
    // Nobody polls this queue: the case starts and then waits for a worker that never comes.
    taskQueue: `caseflow-no-worker-${randomUUID()}`,
    supportModel: 'partner-led',
    providerName: 'Test Provider AB',
    policy: TEST_POLICY,
    maxBodyBytes: 16_384,
    temporalDeadlineMs: DEADLINE_MS,
    log: createLogger('api', 'silent'),
  });
  const server = createLimitedServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await client.connection.close();
  };
}, 120_000);
afterAll(async () => {
  await close?.();
  await devServer?.stop();
});

async function timed(path: string, init: { method?: string; body?: unknown; key?: string } = {}) {
  const started = Date.now();
  const res = await fetch(`${url}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: {
      authorization: `Bearer ${token}`,
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(init.key ? { 'idempotency-key': init.key } : {}),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  return { res, json, ms: Date.now() - started };
}

describe('a Temporal outage', () => {
  let caseId: string;

  it('intake with no worker running answers 201 with the case as it opens, classified, and a retry that cannot read it answers 202', async () => {
    const key = `outage-${randomUUID()}`;
    const body = intake();
    // The answer needs only the start: no worker is involved, so there is nothing to wait for.
    const first = await timed('/v1/cases', { body, key });
    expect(first.res.status).toBe(201);
    expect(first.ms).toBeLessThan(DEADLINE_MS);
    caseId = first.json.id as string;
    // The API classified the intake: the case opens classified, with no worker involved.
    expect(first.json).toMatchObject({ status: 'triaged', classification: { category: 'infrastructure' } });
    expect(first.res.headers.get('location')).toBe(`/v1/cases/${caseId}`);
    const description = await client.workflow.getHandle(`case:${caseId}`).describe();
    expect(description.status.name).toBe('RUNNING');

    // The repeat must read the case (its fingerprint), which needs a worker: 202, never an error.
    const retry = await timed('/v1/cases', { body, key });
    expect(retry.res.status).toBe(202);
    expect(retry.ms).toBeLessThan(DEADLINE_MS + 3_000);
    expect(retry.json).toEqual({ id: caseId, status: 'opening' });
    expect(retry.res.headers.get('location')).toBe(`/v1/cases/${caseId}`);
    expect(retry.res.headers.get('retry-after')).toMatch(/^\d+$/);
  }, 30_000);

  it('an update to a case no worker serves answers 503 with Retry-After at the deadline, not a hang', async () => {
    const { res, json, ms } = await timed(`/v1/cases/${caseId}/notes`, {
      body: { text: 'Ringde användaren' },
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(json.status).toBe(503);
    expect(ms).toBeLessThan(DEADLINE_MS + 3_000);
  }, 30_000);

  it('a read of a case no worker serves answers 503 with Retry-After, not a 500', async () => {
    const { res, json, ms } = await timed(`/v1/cases/${caseId}`, {});
    expect({ status: res.status, detail: json.detail }).toMatchObject({ status: 503 });
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(ms).toBeLessThan(DEADLINE_MS + 3_000);
  }, 30_000);

  it('with the server stopped, reads, lists, updates and intake answer 503 with Retry-After within seconds', async () => {
    await devServer?.stop();
    devServer = undefined;
    const calls: [string, Parameters<typeof timed>[1]][] = [
      [`/v1/cases/${caseId}`, {}],
      [`/v1/cases/${randomUUID()}/log`, {}],
      ['/v1/cases?limit=5', {}],
      [`/v1/cases/${caseId}/notes`, { body: { text: 'Ringde igen' } }],
      ['/v1/cases', { body: intake(), key: `outage-${randomUUID()}` }],
      ['/v1/cases', { body: intake() }],
    ];
    for (const [path, init] of calls) {
      const { res, json, ms } = await timed(path, init);
      expect(res.status, path).toBe(503);
      expect(res.headers.get('retry-after'), path).toMatch(/^\d+$/);
      expect(json.type, path).toBe('urn:caseflow:problem:unavailable');
      expect(ms, path).toBeLessThan(DEADLINE_MS + 1_000);
    }
  }, 60_000);
});
