import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app';
import { generateKey } from '../../src/api/auth';
import { casePolicySchema } from '../../src/schemas/case-policy-schema';
import { createLogger } from '../../src/logger';

/*
 * Answers the API gives before it asks Temporal anything, so no server is needed: a client that
 * never connects stands in (a request that reached Temporal would fail, not pass).
 */
const { entry, token } = generateKey('auditor-problems', ['auditor']);
let server: Server;
let base: string;
const logged: string[] = [];

beforeAll(async () => {
  const app = createApp({
    client: new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) }),
    keys: [entry],
    taskQueue: 'caseflow-unit',
    supportModel: 'partner-led',
    providerName: 'Test Provider AB',
    policy: casePolicySchema.parse({}),
    maxBodyBytes: 16_384,
    escalationTargets: { 'service-ops': { url: 'http://127.0.0.1:9/escalations', secret: 's'.repeat(32) } },
    log: createLogger('api', 'debug', (line) => logged.push(line)),
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('problem documents for what a client sends', () => {
  it('answers a path segment that is not valid percent-encoding with 400, never 500', async () => {
    const requests: [string, string, boolean][] = [
      ['GET', '/v1/cases/%E0%A4%A', true],
      ['GET', '/v1/cases/%E0%A4%A/timeline', true],
      ['POST', '/v1/elevations/%ZZ/approve', true],
      ['POST', '/v1/callbacks/service-ops/%E0%A4%A', false],
    ];
    for (const [method, path, authenticated] of requests) {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: {
          ...(authenticated ? { authorization: `Bearer ${token}` } : {}),
          ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
        },
        body: method === 'POST' ? '{}' : undefined,
      });
      expect(res.status, `${method} ${path}`).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await res.json()).toMatchObject({ status: 400, type: 'urn:caseflow:problem:bad-request' });
    }
    expect(logged.filter((l) => l.includes('unhandled error'))).toEqual([]);
  });

  it("answers a cursor that is not one of the API's with 400 before Temporal is asked", async () => {
    for (const path of ['/v1/cases?cursor=AAAA', '/v1/elevations?cursor=0', '/v1/escalations?cursor=AAAA']) {
      const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status, path).toBe(400);
      expect(await res.json()).toMatchObject({ errors: [expect.objectContaining({ path: 'query.cursor' })] });
    }
  });
});
