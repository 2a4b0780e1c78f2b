import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signCallback } from '../../src/domain/callbacks';
import { type RunningApi, intake, startApi } from '../support/harness';

/**
 * Inputs a hostile or broken client sends, against the real API: each is refused with a problem
 * document before it costs anything, and legitimate Swedish text still goes through.
 */
let api: RunningApi;
let limited: RunningApi;
beforeAll(async () => {
  api = await startApi();
  // Low limits, so the 429 is reached in a few requests.
  limited = await startApi({
    rateLimits: { principal: { burst: 3, perMinute: 6 }, callback: { burst: 2, perMinute: 6 } },
  });
});
afterAll(async () => {
  await api?.close();
  await limited?.close();
});

const agent = () => api.as.agent!.token;

async function problemOf(res: Response) {
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  return (await res.json()) as {
    status: number;
    detail?: string;
    errors?: { path: string; message: string }[];
  };
}

describe('inputs that hurt', () => {
  it('refuses a body over the limit with 413, on the API and on callbacks', async () => {
    const big = intake({ description: 'x'.repeat(20_000) });
    const res = await api.request('/v1/cases', { token: agent(), body: big });
    expect(res.status).toBe(413);
    expect((await problemOf(res)).status).toBe(413);

    const callback = await fetch(`${api.url}/v1/callbacks/vendor/${randomUUID()}.x1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'y'.repeat(20_000) }),
    });
    expect(callback.status).toBe(413);
    await problemOf(callback);
  });

  it('refuses deeply nested JSON with 400 naming the limit', async () => {
    const deep = '{"a":'.repeat(500) + '1' + '}'.repeat(500);
    const res = await api.request('/v1/cases', { token: agent(), body: deep });
    expect(res.status).toBe(400);
    expect((await problemOf(res)).errors?.[0]?.message).toMatch(/nested deeper than 20/);
  });

  it('refuses long path segments, long query strings and long request targets with 414', async () => {
    const segment = await api.request(`/v1/cases/${'a'.repeat(5_000)}`, { token: agent() });
    expect(segment.status).toBe(414);
    await problemOf(segment);
    const query = await api.request(`/v1/cases?status=${'open,'.repeat(1_000)}`, { token: agent() });
    expect(query.status).toBe(414);
    await problemOf(query);
    // Refused before authentication: the limit protects the unauthenticated surface too.
    const anonymous = await fetch(`${api.url}/v1/${'b/'.repeat(3_000)}`);
    expect(anonymous.status).toBe(414);
  });

  it('refuses NUL and control characters, bidi overrides and, in one-line fields, zero-width characters', async () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [intake({ description: 'Skrivaren\u0000 skriver inte' }), 'body.description', /NUL/],
      [intake({ description: 'Färgen \u001b[31mröd' }), 'body.description', /control character/],
      [intake({ title: 'Faktura\u202egpj.exe' }), 'body.title', /bidirectional/],
      [intake({ title: 'Skrivare\u200b på plan 3' }), 'body.title', /invisible/],
      [
        intake({ requester: { id: 'u-1', name: 'Anna\nBerg', contact: 'anna@example.org' } }),
        'body.requester.name',
        /line break/,
      ],
    ];
    for (const [body, path, message] of cases) {
      const res = await api.request('/v1/cases', { token: agent(), body });
      expect(res.status, path).toBe(400);
      const problem = await problemOf(res);
      expect(problem.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
      expect(problem.errors?.find((e) => e.path === path)?.message).toMatch(message);
    }
    const inQuery = await api.request('/v1/cases?assignee=a%00b', { token: agent() });
    expect(inQuery.status).toBe(400);
  });

  it('keeps legitimate Swedish text, composed or decomposed, with line breaks and emoji', async () => {
    const title = 'Åsa Öbergs skärm är svart på morgonen';
    const res = await api.request('/v1/cases', {
      token: agent(),
      body: intake({
        title: title.normalize('NFD'),
        description: 'Skärmen förblir svart.\nStarta om hjälper inte 😞 — händer varje måndag i Ängelholm.',
        requester: { id: 'u-åsa', name: 'Åsa Öberg', contact: 'asa.oberg@example.se' },
      }),
    });
    expect(res.status).toBe(201);
    const created = (await res.json()) as { title: string; description: string };
    expect(created.title).toBe(title.normalize('NFD'));
    expect(created.description).toContain('Ängelholm');
  });
});

describe('rate limits', () => {
  it('limits state-changing requests per principal with 429 and Retry-After; reads and other principals go on', async () => {
    const token = limited.as.agent!.token;
    const statuses: number[] = [];
    let refused: Response | undefined;
    for (let i = 0; i < 5; i++) {
      // An invalid body: the limit is counted before validation, and nothing is created.
      const res = await limited.request('/v1/cases', { token, body: { nothing: true } });
      statuses.push(res.status);
      if (res.status === 429) refused = res;
      else await res.body?.cancel();
    }
    expect(statuses.slice(0, 3)).toEqual([400, 400, 400]);
    expect(statuses.slice(3)).toEqual([429, 429]);
    expect(Number(refused?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await problemOf(refused as Response)).status).toBe(429);

    const read = await limited.request('/v1/cases?limit=1', { token });
    expect(read.status).toBe(200);
    const other = await limited.request('/v1/cases', { token: limited.as.escalation!.token, body: {} });
    expect(other.status).toBe(400);
  });

  it('limits unauthenticated callbacks per caller before checking signatures', async () => {
    const escalationId = `${randomUUID()}.x1`;
    const { secret } = (JSON.parse(inject('escalationTargets')) as Record<string, { secret: string }>)
      .vendor!;
    const body = JSON.stringify({ callbackId: `cb-${randomUUID()}`, kind: 'update', message: 'Hej' });
    const send = () =>
      fetch(`${limited.url}/v1/callbacks/vendor/${escalationId}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'caseflow-signature': signCallback(secret, Math.floor(Date.now() / 1000), body, {
            target: 'vendor',
            escalationId,
          }),
        },
        body,
      });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await send()).status);
    // Unknown escalation (404) until the caller's bucket is empty.
    expect(statuses).toEqual([404, 404, 429, 429]);
  });
});

describe('the OpenAPI document', () => {
  it('lists 413, 414, 429 and 503 where they are real', async () => {
    const doc = (await (await api.request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    const codes = (path: string, method: string) => Object.keys(doc.paths[path]?.[method]?.responses ?? {});
    expect(codes('/v1/cases', 'post')).toEqual(expect.arrayContaining(['202', '413', '414', '429', '503']));
    expect(codes('/v1/cases/{id}/notes', 'post')).toEqual(expect.arrayContaining(['413', '429', '503']));
    expect(codes('/v1/cases/{id}', 'get')).toEqual(expect.arrayContaining(['414', '503']));
    expect(codes('/v1/cases/{id}', 'get')).not.toContain('429');
    expect(codes('/v1/callbacks/{target}/{escalationId}', 'post')).toEqual(
      expect.arrayContaining(['413', '429', '503']),
    );
  });
});

describe('logs under a flood of unauthenticated requests', () => {
  it('keep to a budget of lines per minute', async () => {
    const before = limited.logs.length;
    await Promise.all(
      Array.from({ length: 200 }, () =>
        fetch(`${limited.url}/v1/cases/${randomUUID()}`, { headers: { authorization: 'Bearer nope' } }).then(
          (r) => r.body?.cancel(),
        ),
      ),
    );
    const lines = limited.logs.slice(before).filter((l) => l.includes('"status":401'));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.length).toBeLessThanOrEqual(60);
  });
});
