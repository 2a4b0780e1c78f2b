import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApi, intake, startApi } from '../support/harness';

let api: RunningApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api?.close();
});

/** Fills path parameters with ids of the right shape, so the role check is what answers. */
function concrete(path: string, caseId: string): string {
  return path
    .replace(
      '{id}',
      path.startsWith('/v1/elevations/')
        ? `${caseId}.1`
        : path.startsWith('/v1/escalations/')
          ? `${caseId}.x1`
          : path.startsWith('/v1/incidents/')
            ? `inc-${caseId}`
            : caseId,
    )
    .replace('{escalationId}', `${caseId}.x1`)
    .replace('{target}', 'vendor');
}

describe('the auditor role is read-only everywhere', () => {
  it('is refused (403) by every state-changing route in the API description, and may read', async () => {
    const created = await api.request('/v1/cases', { token: api.as.agent!.token, body: intake() });
    const caseId = ((await created.json()) as { id: string }).id;
    const doc = (await (await api.request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, { security?: unknown[] }>>;
    };
    const changing = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(
          ([method, op]) => ['post', 'put', 'patch', 'delete'].includes(method) && op.security?.length !== 0,
        )
        // Opening payloads for the Web UI is a read (case readers, auditors included), sent as a POST.
        .filter(() => path !== '/codec/decode')
        .map(([method]) => ({ method: method.toUpperCase(), path })),
    );
    expect(changing.length).toBeGreaterThanOrEqual(20);
    for (const { method, path } of changing) {
      const res = await api.request(concrete(path, caseId), {
        method,
        token: api.as.auditor!.token,
        body: {},
      });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.headers.get('content-type')).toMatch(/problem\+json/);
    }
    // Reading is what auditors are for.
    expect((await api.request(`/v1/cases/${caseId}`, { token: api.as.auditor!.token })).status).toBe(200);
    expect((await api.request('/v1/cases?limit=1', { token: api.as.auditor!.token })).status).toBe(200);
    expect((await api.request(`/v1/cases/${randomUUID()}`, { token: api.as.auditor!.token })).status).toBe(
      404,
    );
  });
});
