import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CaseView } from '../../src/domain/case';
import type { ElevationView } from '../../src/domain/elevation';
import { cliHistoryJson, type RunningApi, intake, startApi } from '../support/harness';
import { searchableHistoryText } from '../support/secret-scan';
import type { ReceivedHook } from '../support/webhook-receiver';

let api: RunningApi;
/** Every response body this test saw, to prove the password is in none but the checkout. */
const seen: { path: string; text: string }[] = [];

beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api?.close();
});

/** Response bodies are read loosely: each assertion says what it expects of them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

async function call(
  path: string,
  token: string,
  body?: unknown,
): Promise<{ status: number; json: Json; headers: Headers }> {
  const res = await api.request(path, { token, body, method: body === undefined ? 'GET' : 'POST' });
  const text = await res.text();
  seen.push({ path, text });
  return { status: res.status, json: text ? JSON.parse(text) : null, headers: res.headers };
}

async function openTriagedCase(
  overrides: Record<string, unknown> = {},
  token = api.as.agent!.token,
): Promise<CaseView> {
  const created = await call('/v1/cases', token, intake(overrides));
  expect(created.status).toBe(201);
  const id = (created.json as CaseView).id;
  await expect
    .poll(async () => ((await call(`/v1/cases/${id}`, token)).json as CaseView).status, {
      timeout: 20_000,
    })
    .toBe('triaged');
  return (await call(`/v1/cases/${id}`, token)).json as CaseView;
}

const elevationRequest = (serial: string, actions = ['elevate-shell', 'device-manager']) => ({
  ticketId: 'HD-2201',
  deviceSerial: serial,
  category: 'device',
  title: 'Reinstall the printer driver',
  planOfAction: 'Remove the broken driver in Device Manager and scan for hardware changes.',
  actions,
});

interface DeviceChange {
  deviceSerial: string;
  password: string;
  reason: string;
  changeId: string;
  key: string;
}

/** Every password change the device receiver accepted for this serial, each idempotency key once. */
async function deviceChanges(serial: string): Promise<DeviceChange[]> {
  const received = (await (await fetch(`${inject('deviceReceiverUrl')}/received`)).json()) as ReceivedHook[];
  const applied: DeviceChange[] = [];
  for (const hook of received) {
    if (hook.path !== '/device' || !hook.signatureValid) continue;
    const change = {
      ...(JSON.parse(hook.body) as DeviceChange),
      key: String(hook.headers['idempotency-key']),
    };
    if (change.deviceSerial === serial && !applied.some((a) => a.key === change.key)) applied.push(change);
  }
  return applied;
}
const passwordOnDevice = async (serial: string) => (await deviceChanges(serial)).at(-1)?.password;

describe('JIT elevation over HTTP', () => {
  it('enforces roles and separation of duties, hands the password only to the requester, and rotates on release', async () => {
    const c = await openTriagedCase();
    const path = `/v1/cases/${c.id}/elevations`;

    expect((await call(path, api.as.agent!.token, elevationRequest(c.device.serial))).status).toBe(403);
    const requested = await call(path, api.as.escalation!.token, elevationRequest(c.device.serial));
    expect(requested.status).toBe(201);
    const e = requested.json as ElevationView;
    expect(e).toMatchObject({
      caseId: c.id,
      status: 'pending-approval',
      requestedBy: api.as.escalation!.principal,
    });
    expect(requested.headers.get('location')).toBe(`/v1/elevations/${e.id}`);

    // Approval is an IT admin's, and never the requester's own.
    expect(
      (await call(`/v1/elevations/${e.id}/approve`, api.as.agent!.token, { reason: 'looks fine' })).status,
    ).toBe(403);
    expect(
      (await call(`/v1/elevations/${e.id}/approve`, api.as.escalation!.token, { reason: 'mine' })).status,
    ).toBe(403);
    expect((await call(`/v1/elevations/${e.id}/checkout`, api.as.escalation!.token, {})).status).toBe(409);
    const approved = await call(`/v1/elevations/${e.id}/approve`, api.as.admin!.token, {
      reason: 'Plan is within policy',
    });
    expect(approved.status).toBe(200);
    expect(approved.json).toMatchObject({ status: 'active', approvedBy: api.as.admin!.principal });
    const window = approved.json as ElevationView;
    expect(Date.parse(window.endsAt ?? '') - Date.parse(window.startsAt ?? '')).toBe(2 * 3_600_000);

    // Only the approved requester reads the password.
    expect((await call(`/v1/elevations/${e.id}/checkout`, api.as.admin!.token, {})).status).toBe(403);
    expect((await call(`/v1/elevations/${e.id}/checkout`, api.as.escadmin!.token, {})).status).toBe(403);
    const checkout = await call(`/v1/elevations/${e.id}/checkout`, api.as.escalation!.token, {});
    expect(checkout.status).toBe(200);
    expect(checkout.headers.get('cache-control')).toBe('no-store');
    const password = checkout.json.password as string;
    expect(password.length).toBeGreaterThanOrEqual(20);
    expect(checkout.json.endsAt).toBe(approved.json.endsAt);
    expect(checkout.json.rotatesAt).toBe(approved.json.nextRotationAt);
    expect(await passwordOnDevice(c.device.serial)).toBe(password);

    await expect
      .poll(
        async () =>
          ((await call(`/v1/elevations/${e.id}`, api.as.auditor!.token)).json as ElevationView).checkouts,
      )
      .toEqual([{ by: api.as.escalation!.principal, at: expect.any(String) }]);

    const released = await call(`/v1/elevations/${e.id}/release`, api.as.escalation!.token, {
      reason: 'Driver fixed',
    });
    expect(released.status).toBe(200);
    expect(released.json).toMatchObject({ status: 'ended', endedReason: 'Driver fixed' });
    await expect
      .poll(
        async () =>
          (await call(`/v1/elevations/${e.id}`, api.as.auditor!.token)).json.accessClosedAt as unknown,
      )
      .toEqual(expect.any(String));
    // The last holder left: the device gets a password nobody knows.
    await expect.poll(() => passwordOnDevice(c.device.serial)).not.toBe(password);
    const after = await call(`/v1/elevations/${e.id}/checkout`, api.as.escalation!.token, {});
    expect(after.status).toBe(409);
    expect(after.headers.get('content-type')).toMatch(/problem\+json/);
    expect(
      (await call(`/v1/elevations/${e.id}/release`, api.as.admin!.token, { reason: 'again' })).status,
    ).toBe(409);

    // Listed with its details, from visibility.
    await expect
      .poll(
        async () =>
          (await call(`/v1/elevations?case=${c.id}&status=ended`, api.as.auditor!.token)).json
            .items as unknown,
        { timeout: 20_000 },
      )
      .toEqual([
        expect.objectContaining({
          id: e.id,
          caseId: c.id,
          status: 'ended',
          requestedBy: api.as.escalation!.principal,
        }),
      ]);

    // The password is in the checkout response and nowhere else: not in any other response,
    // not in the API's log, not in the histories as the temporal CLI exports them.
    const encodings = [
      password,
      Buffer.from(password).toString('base64'),
      Buffer.from(JSON.stringify(password)).toString('base64'),
    ];
    const others = seen.filter((s) => s.text !== JSON.stringify(checkout.json));
    const histories = [
      await cliHistoryJson(`case:${c.id}`),
      await cliHistoryJson(`case:${c.id}:elevation:1`),
      await cliHistoryJson(`device:${c.device.serial}`),
    ];
    const searchable = histories.map(searchableHistoryText);
    // The scan itself works: decoded payloads do show what went into the workflow.
    expect(searchable[1]).toContain('Remove the broken driver in Device Manager');
    for (const needle of encodings) {
      for (const s of others) expect(s.text, s.path).not.toContain(needle);
      expect(api.logs.join('\n')).not.toContain(needle);
      for (const h of searchable) expect(h).not.toContain(needle);
    }
    expect(seen.filter((s) => s.text.includes(password))).toHaveLength(1);
    expect(histories[1]).toContain('WORKFLOW_EXECUTION_COMPLETED');
  });

  it('shares one device between two cases: each holder checks out what the device holds, until the last leaves', async () => {
    const serial = `PF${randomUUID().slice(0, 8).toUpperCase()}`;
    const first = await openTriagedCase({ device: { serial, group: 'broad' } });
    const second = await openTriagedCase({ device: { serial, group: 'broad' } });
    const request = async (c: CaseView, token: string) => {
      const r = await call(`/v1/cases/${c.id}/elevations`, token, elevationRequest(serial));
      expect(r.status).toBe(201);
      const id = (r.json as ElevationView).id;
      const approved = await call(`/v1/elevations/${id}/approve`, api.as.admin!.token, {
        reason: 'Plan reviewed',
      });
      expect(approved.json, JSON.stringify(approved.json)).toMatchObject({ status: 'active' });
      return id;
    };
    const checkout = async (id: string, token: string) => {
      const r = await call(`/v1/elevations/${id}/checkout`, token, {});
      expect(r.status, JSON.stringify(r.json)).toBe(200);
      return r.json.password as string;
    };
    const a = await request(first, api.as.escalation!.token);
    const pa = await checkout(a, api.as.escalation!.token);
    expect(await passwordOnDevice(serial)).toBe(pa);
    const b = await request(second, api.as.escadmin!.token);
    const pb = await checkout(b, api.as.escadmin!.token);
    // The device holds the password each open holder last checked out: the same one.
    expect(pb).toBe(pa);
    expect(await passwordOnDevice(serial)).toBe(pa);
    expect(await checkout(a, api.as.escalation!.token)).toBe(pa);

    const releaseA = await call(`/v1/elevations/${a}/release`, api.as.escalation!.token, {
      reason: 'Done here',
    });
    expect(releaseA.status).toBe(200);
    await expect
      .poll(
        async () => (await call(`/v1/elevations/${a}`, api.as.auditor!.token)).json.accessClosedAt as unknown,
      )
      .toEqual(expect.any(String));
    // One holder leaving leaves the other's password on the device.
    expect(await passwordOnDevice(serial)).toBe(pa);
    expect(await checkout(b, api.as.escadmin!.token)).toBe(pa);
    expect((await call(`/v1/elevations/${a}/checkout`, api.as.escalation!.token, {})).status).toBe(409);

    await call(`/v1/elevations/${b}/release`, api.as.escadmin!.token, { reason: 'Done too' });
    await expect.poll(() => passwordOnDevice(serial)).not.toBe(pa);
    const changes = await deviceChanges(serial);
    expect(changes.map((c) => c.reason)).toEqual(['grant', 'rotate']);
  });

  it('shows an agent only the elevations of cases they may see, by id and in the list', async () => {
    const own = await openTriagedCase();
    const other = await openTriagedCase({}, api.as.escadmin!.token);
    const request = async (c: CaseView) => {
      const res = await call(
        `/v1/cases/${c.id}/elevations`,
        api.as.escalation!.token,
        elevationRequest(c.device.serial),
      );
      expect(res.status).toBe(201);
      return res.json as ElevationView;
    };
    const ownElevation = await request(own);
    const otherElevation = await request(other);

    const agent = api.as.agent!.token;
    expect((await call(`/v1/elevations/${ownElevation.id}`, agent)).status).toBe(200);
    const hidden = await call(`/v1/elevations/${otherElevation.id}`, agent);
    expect(hidden.status).toBe(404);
    // Exactly what a missing elevation answers.
    expect(hidden.json.detail).toBe((await call(`/v1/elevations/${other.id}.99`, agent)).json.detail);
    const ids = async (token: string, c: CaseView) =>
      ((await call(`/v1/elevations?case=${c.id}`, token)).json.items as { id: string }[]).map((e) => e.id);
    await expect.poll(() => ids(agent, own), { timeout: 20_000 }).toEqual([ownElevation.id]);
    await expect
      .poll(() => ids(api.as.auditor!.token, other), { timeout: 20_000 })
      .toEqual([otherElevation.id]);
    expect(await ids(agent, other)).toEqual([]);
    // The requester (escalation team) and the approvers (IT admins) see it by role.
    expect((await call(`/v1/elevations/${otherElevation.id}`, api.as.escalation!.token)).status).toBe(200);
    expect((await call(`/v1/elevations/${otherElevation.id}`, api.as.admin!.token)).status).toBe(200);
  });

  it('returns the same elevation for a retried request with an Idempotency-Key, and 422 for another body', async () => {
    const c = await openTriagedCase();
    const path = `/v1/cases/${c.id}/elevations`;
    const post = async (body: unknown, key: string) => {
      const res = await api.request(path, {
        token: api.as.escalation!.token,
        body,
        headers: { 'idempotency-key': key },
      });
      const text = await res.text();
      seen.push({ path, text });
      return { status: res.status, json: JSON.parse(text) };
    };
    const key = `retry-${randomUUID()}`;
    const first = await post(elevationRequest(c.device.serial), key);
    expect(first.status).toBe(201);
    const again = await post(elevationRequest(c.device.serial), key);
    expect(again.status).toBe(201);
    expect(again.json.id).toBe(first.json.id);
    const other = await post(elevationRequest(c.device.serial, ['elevate-troubleshooter']), key);
    expect(other.status).toBe(422);
    expect(other.json.detail).toMatch(/already used with a different request/);
    const kase = (await call(`/v1/cases/${c.id}`, api.as.agent!.token)).json as CaseView;
    expect(kase.elevations).toHaveLength(1);
    // Without a key, a second request is a second elevation.
    const second = await call(path, api.as.escalation!.token, elevationRequest(c.device.serial));
    expect(second.json.id).not.toBe(first.json.id);
  });

  it('refuses separation-of-duties violations even for someone holding both roles', async () => {
    const c = await openTriagedCase();
    const requested = await call(
      `/v1/cases/${c.id}/elevations`,
      api.as.escadmin!.token,
      elevationRequest(c.device.serial),
    );
    expect(requested.status).toBe(201);
    const id = (requested.json as ElevationView).id;
    const self = await call(`/v1/elevations/${id}/approve`, api.as.escadmin!.token, {
      reason: 'I can approve',
    });
    expect(self.status).toBe(403);
    expect(self.json.detail).toMatch(/own elevation request/);
    const denied = await call(`/v1/elevations/${id}/deny`, api.as.admin!.token, {
      reason: 'Use the troubleshooter first',
    });
    expect(denied.json).toMatchObject({ status: 'denied' });
  });

  it('refuses unsupported actions and Test-group devices, naming the rule', async () => {
    const c = await openTriagedCase();
    const unsupported = await call(
      `/v1/cases/${c.id}/elevations`,
      api.as.escalation!.token,
      elevationRequest(c.device.serial, ['disable-required-feature']),
    );
    expect(unsupported.status).toBe(409);
    expect(unsupported.json.detail).toMatch(/unsupported\.disable-required-feature/);

    const t = await openTriagedCase({ device: { serial: 'TST0001', group: 'Test' } });
    const test = await call(
      `/v1/cases/${t.id}/elevations`,
      api.as.escalation!.token,
      elevationRequest('TST0001'),
    );
    expect(test.status).toBe(409);
    expect(test.json.detail).toMatch(/device\.test-group/);

    const bad = await call(`/v1/cases/${c.id}/elevations`, api.as.escalation!.token, {
      ...elevationRequest(c.device.serial),
      actions: ['format-disk'],
    });
    expect(bad.status).toBe(400);
  });
});
