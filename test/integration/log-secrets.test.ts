import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApi, intake, startApi } from '../support/harness';
import { leakedSecrets } from '../support/secret-scan';

let api: RunningApi;

beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api?.close();
});

const distinctive = (label: string) => `${label}-${randomBytes(12).toString('hex')}`;

describe('what the API logs', () => {
  it('keeps tokens, passwords and request bodies out of every line, even at debug level', async () => {
    const password = distinctive('Hunter2');
    const wrongToken = `cf_${randomBytes(24).toString('base64url')}`;
    const queryToken = distinctive('qtoken');
    const body = intake({
      description: `Skrivaren svarar inte. Mitt lösenord är ${password}, om ni behöver det.`,
      requester: {
        id: `u-${randomUUID().slice(0, 8)}`,
        name: distinctive('Anna'),
        contact: `${distinctive('anna')}@example.org`,
      },
    });
    const requester = body.requester as { name: string; contact: string };

    const created = await api.request('/v1/cases', { token: api.as.agent!.token, body });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    // A wrong token, a token in the query string, a malformed body with a password in it.
    expect((await api.request(`/v1/cases/${id}`, { token: wrongToken })).status).toBe(401);
    expect(
      (await api.request(`/v1/cases/${id}?access_token=${queryToken}`, { token: api.as.auditor!.token }))
        .status,
    ).toBe(200);
    const malformed = await api.request('/v1/cases', {
      token: api.as.agent!.token,
      body: `{"title": "x", "password": "${password}"`,
    });
    expect(malformed.status).toBe(400);
    const note = await api.request(`/v1/cases/${id}/notes`, {
      token: api.as.agent!.token,
      body: { text: `Tried the admin password ${password} on the printer.`, visibleToRequester: false },
    });
    expect(note.status).toBeLessThan(500);
    // The portal's token sign-in: the token travels in a form body.
    const signIn = await fetch(`${api.url}/portal/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: api.as.agent!.token, next: '/portal' }).toString(),
      redirect: 'manual',
    });
    expect(signIn.status).toBeLessThan(500);
    await fetch(`${api.url}/portal/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: wrongToken }).toString(),
      redirect: 'manual',
    });

    const output = api.logs.join('\n');
    // The log did record these requests: the scan looks at real lines.
    expect(api.logs.length).toBeGreaterThanOrEqual(6);
    expect(api.logs.map((l) => JSON.parse(l) as { msg: string })).toContainEqual(
      expect.objectContaining({ msg: 'request', status: 401 }),
    );
    const tokens = Object.values(api.as).map((p) => p.token);
    expect(
      leakedSecrets(output, [
        ...tokens,
        wrongToken,
        queryToken,
        password,
        requester.name,
        requester.contact,
        body.description as string,
      ]),
    ).toEqual([]);
  });
});
