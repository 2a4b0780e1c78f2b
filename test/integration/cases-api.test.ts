import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import type { Payload } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type RunningApi, intake, startApi } from '../support/harness';

const run = promisify(execFile);
let api: RunningApi;

beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api?.close();
});

async function expectProblem(res: Response, status: number): Promise<Record<string, unknown>> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = (await res.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ status, title: expect.any(String), type: expect.any(String) });
  expect(JSON.stringify(body)).not.toMatch(/\bat .*\.ts:\d+/); // no stack traces
  return body;
}

describe('opening a case over HTTP against the real dev server', () => {
  it('creates the case, reads it back, and finds it through a visibility query with the temporal CLI', async () => {
    const body = intake();
    const res = await api.request('/v1/cases', { token: api.as.agent!.token, body });
    expect(res.status).toBe(201);
    const created = (await res.json()) as Record<string, unknown>;
    expect(created).toMatchObject({ id: expect.any(String), status: expect.any(String), severity: 'C' });
    expect(res.headers.get('location')).toBe(`/v1/cases/${created.id as string}`);
    expect(created.createdBy).toBe(api.as.agent!.principal);
    expect(created.supportModel).toBe('partner-led');
    // Answered once the start was accepted, classified already: the API classified the intake.
    expect(created).toMatchObject({ status: 'triaged', category: 'infrastructure', subCategory: 'printer' });
    expect(created.classification).toMatchObject({
      category: 'infrastructure',
      modelVersion: expect.any(String),
    });
    expect(res.headers.get('preference-applied')).toBeNull();

    // The case opened with it: no classification activity, and no upsert repeating what its start
    // indexed, before its first timer.
    const handle = api.client.workflow.getHandle(`case:${created.id as string}`);
    await expect
      .poll(
        async () => (await handle.fetchHistory()).events?.some((e) => e.timerStartedEventAttributes) ?? false,
        { timeout: 20_000, interval: 250 },
      )
      .toBe(true);
    const events = (await handle.fetchHistory()).events ?? [];
    const firstTimer = events.findIndex((e) => e.timerStartedEventAttributes);
    expect(
      events.some((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'classifyCase'),
    ).toBe(false);
    expect(events.slice(0, firstTimer).some((e) => e.upsertWorkflowSearchAttributesEventAttributes)).toBe(
      false,
    );
    // Its input says how its runs behave: deliveries do not wake its loop, notices go out from the
    // workflow task that raised them, participants are indexed.
    const { payloadConverter, payloadCodecs } = api.client.options.loadedDataConverter;
    let input = (events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? []) as Payload[];
    for (const codec of [...payloadCodecs].reverse()) input = await codec.decode(input);
    expect(payloadConverter.fromPayload(input[0]!)).toMatchObject({
      quietDeliveries: true,
      localNotifications: true,
      indexesParticipants: true,
      indexedAtStart: true,
    });
    const read = (await (
      await api.request(`/v1/cases/${created.id as string}`, { token: api.as.agent!.token })
    ).json()) as { classification: { rules: string[] } };
    expect(read).toMatchObject({
      id: created.id,
      severity: 'C',
      category: 'infrastructure',
      status: 'triaged',
    });
    expect(read.classification).toMatchObject({ category: 'infrastructure', subCategory: 'printer' });
    expect(read.classification.rules.length).toBeGreaterThan(0);

    const serial = (body.device as { serial: string }).serial;
    await expect
      .poll(
        async () => {
          const { stdout } = await run(inject('temporalCli'), [
            'workflow',
            'list',
            '--address',
            inject('temporalAddress'),
            '--namespace',
            inject('temporalNamespace'),
            '--query',
            `CaseStatus='triaged' AND DeviceSerial='${serial}'`,
            '--output',
            'json',
          ]);
          return (JSON.parse(stdout || '[]') as { execution: { workflowId: string } }[]).map(
            (w) => w.execution.workflowId,
          );
        },
        { timeout: 20_000, interval: 500 },
      )
      .toEqual([`case:${created.id as string}`]);
  });

  it('answers Prefer: wait=N at once when the intake was classified', async () => {
    const res = await api.request('/v1/cases', {
      token: api.as.agent!.token,
      body: intake(),
      headers: { prefer: 'wait=10' },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('preference-applied')).toBe('wait=10');
    const created = (await res.json()) as { id: string; status: string; classification: unknown };
    expect(res.headers.get('location')).toBe(`/v1/cases/${created.id}`);
    expect(created.status).toBe('triaged');
    expect(created.classification).toMatchObject({ category: 'infrastructure', subCategory: 'printer' });
  });

  it('answers 404 with a problem document for an unknown case', async () => {
    const res = await api.request(`/v1/cases/${randomUUID()}`, { token: api.as.agent!.token });
    await expectProblem(res, 404);
  });

  it('returns the same case for a repeated Idempotency-Key and refuses the key with another body', async () => {
    const key = `retry-${randomUUID()}`;
    const body = intake();
    const first = await api.request('/v1/cases', {
      token: api.as.agent!.token,
      body,
      headers: { 'idempotency-key': key },
    });
    const second = await api.request('/v1/cases', {
      token: api.as.agent!.token,
      body,
      headers: { 'idempotency-key': key },
    });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    const [a, b] = [(await first.json()) as { id: string }, (await second.json()) as { id: string }];
    expect(b.id).toBe(a.id);

    await expect
      .poll(async () => {
        const runs: string[] = [];
        for await (const wf of api.client.workflow.list({ query: `WorkflowId = 'case:${a.id}'` }))
          runs.push(wf.runId);
        return runs;
      })
      .toHaveLength(1);

    const other = await api.request('/v1/cases', {
      token: api.as.agent!.token,
      body: intake({ title: 'A different request' }),
      headers: { 'idempotency-key': key },
    });
    await expectProblem(other, 422);

    // The same key from another principal is another case.
    const theirs = await api.request('/v1/cases', {
      token: api.as.escalation!.token,
      body,
      headers: { 'idempotency-key': key },
    });
    expect(theirs.status).toBe(201);
    expect(((await theirs.json()) as { id: string }).id).not.toBe(a.id);
  });
});

describe('cases the API does not classify at intake', () => {
  const classifiedByWorkflow = async (other: RunningApi) => {
    const res = await other.request('/v1/cases', { token: other.as.agent!.token, body: intake() });
    expect(res.status).toBe(201);
    const created = (await res.json()) as { id: string };
    // The case as it opens: the workflow's classification activity has not run yet.
    expect(created).toMatchObject({ status: 'new', category: 'unclassified', classification: null });
    await expect
      .poll(
        async () =>
          (
            (await (
              await other.request(`/v1/cases/${created.id}`, { token: other.as.agent!.token })
            ).json()) as {
              status: string;
            }
          ).status,
        { timeout: 20_000, interval: 250 },
      )
      .toBe('triaged');
    const history = await other.client.workflow.getHandle(`case:${created.id}`).fetchHistory();
    expect(
      history.events?.some(
        (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'classifyCase',
      ),
    ).toBe(true);
  };

  it('leaves classification to the workflow when intake classification is off, and Prefer: wait=N waits for it', async () => {
    const off = await startApi({ classifyIntake: null });
    try {
      await classifiedByWorkflow(off);
      const res = await off.request('/v1/cases', {
        token: off.as.agent!.token,
        body: intake(),
        headers: { prefer: 'wait=10' },
      });
      expect(res.status).toBe(201);
      expect(res.headers.get('preference-applied')).toBe('wait=10');
      expect(await res.json()).toMatchObject({
        status: 'triaged',
        classification: { category: 'infrastructure', subCategory: 'printer' },
      });
    } finally {
      await off.close();
    }
  });

  it('opens the case unclassified when the intake classifier fails, and the workflow classifies it', async () => {
    const failing = await startApi({
      classifyIntake: () => {
        throw new Error('model artefact unreadable');
      },
    });
    try {
      await classifiedByWorkflow(failing);
    } finally {
      await failing.close();
    }
  });
});

describe('authentication, authorisation and bad input', () => {
  it('answers 401 without credentials, and with an unknown or malformed token', async () => {
    const none = await api.request('/v1/cases', { body: intake() });
    await expectProblem(none, 401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    await expectProblem(
      await api.request('/v1/cases', { token: 'cf_not-a-real-key-000000000000', body: intake() }),
      401,
    );
    await expectProblem(
      await api.request(`/v1/cases/${randomUUID()}`, { headers: { authorization: `Basic ${btoa('a:b')}` } }),
      401,
    );
  });

  it('answers 403 when the role lacks the right', async () => {
    const body = await expectProblem(
      await api.request('/v1/cases', { token: api.as.auditor!.token, body: intake() }),
      403,
    );
    expect(body.detail).toMatch(/agent/);
    await expectProblem(await api.request('/v1/cases', { token: api.as.admin!.token, body: intake() }), 403);
    await expectProblem(await api.request(`/v1/cases/${randomUUID()}`, { token: api.as.ops!.token }), 403);
  });

  it('answers 400 with field-level issues for invalid intake', async () => {
    const res = await api.request('/v1/cases', {
      token: api.as.agent!.token,
      body: intake({
        severity: 'D',
        requester: { id: '', name: 'x' },
        device: { serial: 'bad serial!', group: 'broad' },
      }),
    });
    const body = await expectProblem(res, 400);
    const paths = (body.errors as { path: string }[]).map((e) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'body.severity',
        'body.requester.id',
        'body.requester.contact',
        'body.device.serial',
      ]),
    );
  });

  it('answers 400 for malformed JSON, 415 for another media type, 413 for a huge body', async () => {
    await expectProblem(
      await api.request('/v1/cases', { token: api.as.agent!.token, body: '{"title": ' }),
      400,
    );
    await expectProblem(
      await api.request('/v1/cases', {
        token: api.as.agent!.token,
        body: 'title=x',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
      415,
    );
    await expectProblem(
      await api.request('/v1/cases', {
        token: api.as.agent!.token,
        body: intake({ description: 'x'.repeat(40_000) }),
      }),
      413,
    );
    await expectProblem(await api.request('/v1/cases/not-a-uuid', { token: api.as.agent!.token }), 400);
    await expectProblem(
      await api.request('/v1/cases', {
        token: api.as.agent!.token,
        body: intake(),
        headers: { 'idempotency-key': 'x' },
      }),
      400,
    );
  });

  it('answers 404 for an unknown route', async () => {
    await expectProblem(await api.request('/v1/nothing-here', { token: api.as.agent!.token }), 404);
  });

  it('never writes a token to the log', () => {
    const everything = api.logs.join('\n');
    expect(api.logs.length).toBeGreaterThan(0);
    for (const p of Object.values(api.as)) expect(everything).not.toContain(p.token);
  });
});

describe('probes and the API description', () => {
  it('serves /healthz, /readyz (Temporal reachable) and OpenAPI 3.1 with a docs page', async () => {
    expect((await api.request('/healthz')).status).toBe(200);
    const ready = await api.request('/readyz');
    expect(ready.status).toBe(200);
    const doc = (await (await api.request('/openapi.json')).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(doc.openapi).toMatch(/^3\.1/);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/cases', '/v1/cases/{id}']));
    const docs = await api.request('/docs');
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('/docs/init.js');
    expect(await (await api.request('/docs/init.js')).text()).toContain("url: '/openapi.json'");
    expect((await api.request('/docs/assets/swagger-ui-bundle.js')).status).toBe(200);
  });
});
