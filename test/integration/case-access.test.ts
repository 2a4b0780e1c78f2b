import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseView } from '../../src/domain/case';
import { type RunningApi, intake, postOk, startApi } from '../support/harness';
import { portalSession } from '../support/portal-session';

/*
 * One access rule for every per-case route and the portal's case page: an agent sees a case they
 * created, are assigned or acted on; any other case answers exactly as a missing one (404).
 */
let api: RunningApi;
const post = (path: string, token: string, body: unknown) => postOk(api, path, token, body);

beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api?.close();
});

const READS = ['', '/log', '/timeline', '/audit-bundle'];
const status = async (id: string, path: string, token: string) =>
  (await api.request(`/v1/cases/${id}${path}`, { token })).status;

describe('who may see a case', () => {
  it('shows an agent the cases they created or are assigned, and answers 404 for any other', async () => {
    const agent = api.as.agent!;
    const created = (await post('/v1/cases', agent.token, intake())) as unknown as CaseView;
    const assigned = (await post('/v1/cases', api.as.escadmin!.token, intake())) as unknown as CaseView;
    await post(`/v1/cases/${assigned.id}/assign`, api.as.escadmin!.token, {
      tier: 'tier-1',
      assignee: agent.principal,
      reason: 'Yours',
    });
    const untouched = (await post('/v1/cases', api.as.escadmin!.token, intake())) as unknown as CaseView;

    for (const path of READS) {
      expect(await status(created.id, path, agent.token), `created ${path}`).toBe(200);
      expect(await status(assigned.id, path, agent.token), `assigned ${path}`).toBe(200);
      const refused = await api.request(`/v1/cases/${untouched.id}${path}`, { token: agent.token });
      expect(refused.status, `untouched ${path}`).toBe(404);
      // The same answer as a case that does not exist: the refusal tells nothing.
      expect(((await refused.json()) as { detail: string }).detail).toBe('No such case or elevation.');
      // Overseers see every case.
      expect(await status(untouched.id, path, api.as.escalation!.token), `escalation ${path}`).toBe(200);
      expect(await status(untouched.id, path, api.as.auditor!.token), `auditor ${path}`).toBe(200);
    }
    // The state replay is for auditors and IT admins, who see every case; agents never reach it.
    for (const id of [created.id, untouched.id]) {
      expect(await status(id, '/state?asOfEvent=5', agent.token)).toBe(403);
      expect(await status(id, '/state?asOfEvent=5', api.as.auditor!.token)).toBe(200);
    }
    // Service operations see escalation records, never cases.
    expect(await status(created.id, '', api.as.ops!.token)).toBe(403);

    // Acting follows seeing: another agent's case answers 404, one's own is worked.
    const note = { text: 'Called the requester' };
    expect(
      (await api.request(`/v1/cases/${untouched.id}/notes`, { token: agent.token, body: note })).status,
    ).toBe(404);
    expect(
      (await api.request(`/v1/cases/${assigned.id}/notes`, { token: agent.token, body: note })).status,
    ).toBe(200);

    // The portal's case page decides the same way.
    const { cookie } = await portalSession(api.url, agent);
    const portal = async (id: string) =>
      (await fetch(`${api.url}/portal/cases/${id}`, { headers: { cookie } })).status;
    expect(await portal(created.id)).toBe(200);
    expect(await portal(assigned.id)).toBe(200);
    expect(await portal(untouched.id)).toBe(404);
  });

  it('lists for an agent only the cases they may see, including one they acted on and were moved off', async () => {
    const agent = api.as.agent!;
    const lead = api.as.escadmin!.token;
    const created = (await post('/v1/cases', agent.token, intake())) as unknown as CaseView;
    const untouched = (await post('/v1/cases', lead, intake())) as unknown as CaseView;
    const worked = (await post('/v1/cases', lead, intake())) as unknown as CaseView;
    const assign = (assignee: string) => ({ tier: 'tier-1', assignee, reason: 'Routing' });
    await post(`/v1/cases/${worked.id}/assign`, lead, assign(agent.principal));
    await post(`/v1/cases/${worked.id}/notes`, agent.token, { text: 'Reset the dock firmware' });
    // Moved to someone else: the agent still acted on the case, so still sees it.
    await post(`/v1/cases/${worked.id}/assign`, lead, assign(api.as.escalation!.principal));

    const listed = async (token: string, query = 'limit=100') => {
      const res = await api.request(`/v1/cases?${query}`, { token });
      expect(res.status).toBe(200);
      return ((await res.json()) as { items: { id: string }[] }).items.map((c) => c.id);
    };
    await expect
      .poll(
        async () => (await listed(agent.token)).filter((id) => id === created.id || id === worked.id).length,
        {
          timeout: 20_000,
        },
      )
      .toBe(2);
    expect(await listed(agent.token)).not.toContain(untouched.id);
    expect(await status(worked.id, '', agent.token)).toBe(200);
    // Filters narrow within what the agent may see; paging stays visibility's own.
    expect(await listed(agent.token, `assignee=${api.as.escalation!.principal}&limit=100`)).toEqual([
      worked.id,
    ]);
    const first = await api.request('/v1/cases?limit=1', { token: agent.token });
    const page = (await first.json()) as { items: { id: string }[]; nextCursor: string | null };
    expect(page.items).toHaveLength(1);
    expect(page.nextCursor).not.toBeNull();
    // Overseers list every case; service operations may not list cases at all.
    await expect
      .poll(async () => await listed(api.as.auditor!.token, 'limit=100'), { timeout: 20_000 })
      .toContain(untouched.id);
    expect((await api.request('/v1/cases', { token: api.as.ops!.token })).status).toBe(403);
  });
});
