import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseView } from '../../src/domain/case';
import { ROLES, type Role } from '../../src/domain/roles';
import { type RunningApi, intake, postOk, startApi } from '../support/harness';
import {
  expectedAnswer,
  expectedReadmeRows,
  type Identity,
  markdownTable,
  type MatrixOperation,
  matrixOperations,
  type OpenApiDocument,
  README_MATRIX_HEADER,
  sampleUrl,
} from '../support/route-matrix';

/*
 * Every operation of /openapi.json as every identity (no credentials, a wrong key, each role
 * alone, and the role combinations staff hold), answered as the role gate says: 401, 403, or
 * past the gate (never 401/403, never 5xx). Then, per object, what the elevation's own rules add.
 */

/** One principal per role alone, besides the harness's combinations (agent+escalation, both admin roles). */
const SINGLE_ROLE: Record<string, Role[]> = Object.fromEntries(ROLES.map((role) => [`only-${role}`, [role]]));

let api: RunningApi;
let operations: MatrixOperation[];

beforeAll(async () => {
  api = await startApi({ extraPrincipals: { ...SINGLE_ROLE, escteam2: ['escalation-team'] } });
  operations = matrixOperations((await (await api.request('/openapi.json')).json()) as OpenApiDocument);
});
afterAll(async () => {
  await api?.close();
});

function identities(): (Identity & { token?: string })[] {
  return [
    { name: 'no credentials', roles: null },
    ...[...Object.keys(SINGLE_ROLE), 'escalation', 'escadmin'].map((name) => ({
      name,
      roles: api.as[name]!.roles,
      token: api.as[name]!.token,
    })),
  ];
}

async function call(operation: MatrixOperation, url: string, token?: string): Promise<Response> {
  return api.request(url, {
    method: operation.method,
    token,
    ...(operation.hasBody || operation.method === 'POST' ? { body: {} } : {}),
  });
}

describe('the role x route matrix', () => {
  it('covers every operation of the OpenAPI document, each naming its permission unless public', () => {
    // 36 authenticated operations at the time of writing (37 with the codec route, which is there
    // only when payloads are sealed), and the public ones: the probes and the signed callbacks.
    expect(operations.filter((o) => o.permission !== null).length).toBeGreaterThanOrEqual(36);
    expect(operations.filter((o) => o.permission === null).map((o) => `${o.method} ${o.path}`)).toEqual([
      'GET /healthz',
      'GET /readyz',
      'POST /v1/callbacks/{target}/{escalationId}',
    ]);
  });

  it('answers every operation as every identity as the role gate says', async () => {
    const violations: string[] = [];
    let calls = 0;
    for (const operation of operations) {
      const url = sampleUrl(operation);
      const answers = new Map<string, number>();
      for (const identity of identities()) {
        const res = await call(operation, url, identity.token);
        await res.arrayBuffer();
        calls++;
        answers.set(identity.name, res.status);
        // A public operation (probes, signed callbacks) has no role gate: checked below.
        const expected = expectedAnswer(operation, identity);
        const ok =
          operation.permission === null
            ? res.status < 500
            : expected === 'passes'
              ? res.status !== 401 && res.status !== 403 && res.status < 500
              : res.status === expected;
        if (!ok) {
          violations.push(
            `${operation.method} ${url} as ${identity.name}: ${res.status}, expected ${expected}`,
          );
        }
        if (res.status >= 400) {
          expect(res.headers.get('content-type'), `${operation.method} ${url}`).toMatch(
            /^application\/problem\+json/,
          );
        }
      }
      if (operation.permission === null) {
        // A public operation: a bearer key neither opens nor closes it.
        expect(
          new Set(answers.values()).size,
          `${operation.method} ${url}: ${JSON.stringify([...answers])}`,
        ).toBe(1);
      } else {
        // A key that is no one's is no credential at all.
        const wrong = await call(operation, url, 'cf_not-a-key-of-anyone-at-all');
        await wrong.arrayBuffer();
        if (wrong.status !== 401)
          violations.push(`${operation.method} ${url} with a wrong key: ${wrong.status}`);
      }
    }
    expect(violations).toEqual([]);
    expect(calls).toBeGreaterThanOrEqual(36 * identities().length);
  }, 240_000);

  it("is the README's route table, row for row", () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    const [header, ...rows] = markdownTable(readme, '### Every route, every role');
    expect(header).toEqual(README_MATRIX_HEADER);
    const sort = (r: string[][]) => [...r].sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? ''));
    expect(sort(rows)).toEqual(sort(expectedReadmeRows(operations)));
  });
});

describe('per object: the rules of an elevation on top of the role gate', () => {
  /** A triaged case on its own device, opened by the agent. */
  async function triagedCase(): Promise<CaseView> {
    const created = (await postOk(api, '/v1/cases', api.as.agent!.token, intake())) as unknown as CaseView;
    await expect
      .poll(
        async () =>
          (
            (await (
              await api.request(`/v1/cases/${created.id}`, { token: api.as.agent!.token })
            ).json()) as CaseView
          ).status,
        { timeout: 20_000 },
      )
      .toBe('triaged');
    return created;
  }

  const elevationRequest = (serial: string) => ({
    ticketId: 'HD-3301',
    deviceSerial: serial,
    category: 'device',
    title: 'Reinstall the printer driver',
    planOfAction: 'Remove the broken driver in Device Manager and scan for hardware changes.',
    actions: ['elevate-shell', 'device-manager'],
  });

  /** Runs the steps in order: each is who does what, and the status they must get. */
  async function steps(list: [who: string, path: string, body: unknown, expected: number | number[]][]) {
    const got: string[] = [];
    const want: string[] = [];
    for (const [who, path, body, expected] of list) {
      const res = await api.request(path, { token: api.as[who]!.token, body });
      await res.arrayBuffer();
      const allowed = Array.isArray(expected) ? expected : [expected];
      got.push(`${who} ${path}: ${allowed.includes(res.status) ? allowed.join('|') : res.status}`);
      want.push(`${who} ${path}: ${allowed.join('|')}`);
    }
    expect(got).toEqual(want);
  }

  it('the requester of an elevation holds it; another escalation-team member may not check out, extend or release it', async () => {
    const c = await triagedCase();
    const requested = await postOk(
      api,
      `/v1/cases/${c.id}/elevations`,
      api.as.escalation!.token,
      elevationRequest(c.device.serial),
    );
    const e = `/v1/elevations/${requested.id as string}`;
    const reason = { reason: 'Within the device policy' };
    await steps([
      // Both are escalation-team members: the role gate lets both through; the record decides.
      ['escteam2', `${e}/approve`, reason, 403],
      ['admin', `${e}/approve`, reason, [200, 202]],
      ['escteam2', `${e}/checkout`, {}, 403],
      ['escteam2', `${e}/extensions`, { minutes: 30, reason: 'Need more time' }, 403],
      ['escteam2', `${e}/release`, reason, 403],
      ['escalation', `${e}/checkout`, {}, 200],
      ['escalation', `${e}/extensions`, { minutes: 30, reason: 'Need more time' }, 200],
      // Deciding the extension is for an IT admin who is not the requester.
      ['escalation', `${e}/extensions/approve`, reason, 403],
      ['escadmin', `${e}/extensions/approve`, reason, 200],
      ['escalation', `${e}/release`, { reason: 'Driver fixed' }, 200],
    ]);
  });

  it('an IT admin who requested an elevation may not decide it or its extension; another IT admin may', async () => {
    const c = await triagedCase();
    const requested = await postOk(
      api,
      `/v1/cases/${c.id}/elevations`,
      api.as.escadmin!.token,
      elevationRequest(c.device.serial),
    );
    const e = `/v1/elevations/${requested.id as string}`;
    const reason = { reason: 'Within the device policy' };
    await steps([
      ['escadmin', `${e}/approve`, reason, 403],
      ['escadmin', `${e}/deny`, reason, 403],
      ['admin', `${e}/approve`, reason, [200, 202]],
      // Another escalation-team member is neither the requester nor an IT admin.
      ['escteam2', `${e}/checkout`, {}, 403],
      ['escadmin', `${e}/checkout`, {}, 200],
      ['escadmin', `${e}/extensions`, { minutes: 30, reason: 'Need more time' }, 200],
      ['escadmin', `${e}/extensions/approve`, reason, 403],
      ['admin', `${e}/extensions/approve`, reason, 200],
      // An IT admin ends anyone's access (a revoke); the requester's own release is the same route.
      ['admin', `${e}/release`, { reason: 'Revoked after review' }, 200],
    ]);
  });
});
