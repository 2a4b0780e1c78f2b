import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseView } from '../../src/domain/case';
import { intake, postOk, type RunningApi, startApi } from '../support/harness';
import { anonymousSession, type PortalSession, portalSession, postForm } from '../support/portal-session';

/**
 * The portal under the API's rules for hostile input, against the real API and dev server: its
 * forms draw on the API's per-principal rate limit, its fields get the API's text checks, and a
 * request target that cannot be read is a 400 page, never a 500.
 */
let api: RunningApi;
let limited: RunningApi;
beforeAll(async () => {
  api = await startApi();
  // A burst of 4 state-changing requests, then one every 10 s.
  limited = await startApi({
    rateLimits: { principal: { burst: 4, perMinute: 6 }, callback: { burst: 2, perMinute: 6 } },
  });
});
afterAll(async () => {
  await api?.close();
  await limited?.close();
});

/** The portal's new-case form, filled in as a helpdesk agent would. */
function caseForm(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    _key: randomUUID(),
    title: 'Skrivaren på plan 3 skriver inte ut',
    description: 'Nätverksskrivaren tar emot jobben men inget kommer ut.\nStarta om hjälper inte.',
    'requester.id': `u-${randomUUID().slice(0, 8)}`,
    'requester.name': 'Åsa Öberg',
    'requester.contact': 'asa.oberg@example.se',
    'device.serial': `SN${randomUUID().slice(0, 8).toUpperCase()}`,
    'device.group': 'broad',
    severity: 'C',
    channel: 'phone',
    ...overrides,
  };
}

const unescapeHtml = (html: string) =>
  html
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** A raw request, for targets fetch would normalise (dot segments). */
function rawGet(url: string, path: string, headers: Record<string, string> = {}) {
  const { hostname, port } = new URL(url);
  return new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
    const req = httpRequest({ hostname, port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'] ?? '', body }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the per-principal rate limit on portal forms', () => {
  it('is one bucket with the API: past it a form is refused with 429, Retry-After and a readable page or htmx message', async () => {
    const agent = limited.as.agent!;
    const session = await portalSession(limited.url, agent);
    const statuses: number[] = [];
    // Two API changes and two portal forms (both refused as invalid, so nothing is created) ...
    for (let i = 0; i < 2; i++) {
      const res = await limited.request('/v1/cases', { token: agent.token, body: { nothing: true } });
      statuses.push(res.status);
      await res.body?.cancel();
    }
    for (let i = 0; i < 2; i++) {
      const res = await postForm(limited.url, '/portal/cases', session, caseForm({ title: '' }));
      statuses.push(res.status);
      await res.body?.cancel();
    }
    expect(statuses).toEqual([400, 400, 400, 400]);

    // ... empty the bucket they share.
    const page = await postForm(limited.url, '/portal/cases', session, caseForm());
    expect(page.status).toBe(429);
    const retryAfter = Number(page.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await page.text();
    expect(html).toContain('<title>429 Too many requests · caseflow</title>');
    expect(html).toContain(`Wait ${retryAfter} seconds and try again.`);
    expect(html).toContain('Then go back and send the form again.');

    // An htmx request gets a message aimed at the page's alert slot, in the reader's language.
    const htmx = await postForm(limited.url, '/portal/cases', session, caseForm(), {
      'hx-request': 'true',
      'accept-language': 'sv-SE,sv;q=0.9',
    });
    expect(htmx.status).toBe(429);
    expect(Number(htmx.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(htmx.headers.get('hx-retarget')).toBe('#portal-alert');
    expect(htmx.headers.get('hx-reswap')).toBe('innerHTML');
    const fragment = await htmx.text();
    expect(fragment).toMatch(
      /^<p class="problem alert-message">Du har skickat många ändringar på kort tid\./,
    );
    expect(fragment).not.toContain('<html');

    // The API is refused too; reads go on, on both surfaces, and other principals are not affected.
    const api429 = await limited.request('/v1/cases', { token: agent.token, body: intake() });
    expect(api429.status).toBe(429);
    expect(api429.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect((await limited.request('/v1/cases?limit=1', { token: agent.token })).status).toBe(200);
    expect((await fetch(`${limited.url}/portal/cases`, { headers: { cookie: session.cookie } })).status).toBe(
      200,
    );
    const other = await portalSession(limited.url, limited.as.escalation!);
    const otherForm = await postForm(limited.url, '/portal/cases', other, caseForm({ title: '' }));
    expect(otherForm.status).toBe(400);
  });

  it('limits sign-in forms, which no one is signed in for yet, per caller address', async () => {
    const anonymous = await anonymousSession(limited.url);
    const statuses: number[] = [];
    for (let i = 0; i < 6 && statuses.at(-1) !== 429; i++) {
      const res = await postForm(limited.url, '/portal/sign-in', anonymous, { token: 'not-a-token' });
      statuses.push(res.status);
      await res.body?.cancel();
    }
    // The earlier test's two sign-ins took from the same address's bucket of 4 (refilled by one
    // every 10 s, so a slow run may see one more 401).
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.slice(0, -1).every((status) => status === 401)).toBe(true);
    expect(statuses.length).toBeLessThanOrEqual(4);
  });
});

describe('text checks on portal form fields', () => {
  let session: PortalSession;
  beforeAll(async () => {
    session = await portalSession(api.url, api.as.escadmin!);
  });

  it('re-renders the form with the field and what is wrong with it, for the API’s forbidden characters', async () => {
    // What is sent, the field named, what is said about it, and the id of the input showing it.
    const refusals: [Record<string, string>, string, RegExp, string?][] = [
      [{ title: 'Skrivaren\u0000 skriver inte' }, 'title', /contains NUL/, 'c-title'],
      [
        { description: 'Färgen \u001b[31mröd på skärmen' },
        'description',
        /contains a control character/,
        'c-description',
      ],
      [{ title: 'Faktura\u202egpj.exe' }, 'title', /bidirectional/, 'c-title'],
      [{ 'requester.name': 'Anna\nBerg' }, 'requester.name', /one line without a line break/, 'c-req-name'],
      [{ title: 'Skrivare\u200b på plan 3' }, 'title', /invisible character/, 'c-title'],
      // The portal's own fields too: the form's idempotency key (a hidden input).
      [{ _key: 'abc\u0000' }, '_key', /contains NUL/],
    ];
    for (const [overrides, field, message, inputId] of refusals) {
      const form = caseForm(overrides);
      const res = await postForm(api.url, '/portal/cases', session, form);
      expect(res.status, field).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      const html = unescapeHtml(await res.text());
      const problem = /<div class="problem" role="alert" id="open-problem">([\s\S]*?)<\/div>/.exec(html)?.[1];
      expect(problem, field).toMatch(new RegExp(`<code>${field.replace('.', '\\.')}</code>: [^<]*`));
      expect(problem?.match(new RegExp(`<code>${field.replace('.', '\\.')}</code>: ([^<]*)`))?.[1]).toMatch(
        message,
      );
      // The field itself says so, and is marked invalid for assistive technology.
      if (inputId) {
        expect(html).toMatch(new RegExp(`id="${inputId}"[^>]*aria-describedby="${inputId}-error"`));
        expect(html).toMatch(new RegExp(`id="${inputId}"[^>]*aria-invalid="true"`));
        expect(
          new RegExp(`<small id="${inputId}-error" class="field-error">([^<]*)</small>`).exec(html)?.[1],
        ).toMatch(message);
      }
      // The form comes back with what was typed, ready to correct.
      expect(html).toContain(`value="${form['requester.contact']}"`);
      expect(html).toContain('id="c-title"');
    }
    // Legitimate Swedish text, with line breaks in the description and an emoji, goes through.
    const opened = await postForm(
      api.url,
      '/portal/cases',
      session,
      caseForm({ description: 'Skärmen förblir svart.\nHänder varje måndag i Ängelholm 😞' }),
    );
    expect(opened.status).toBe(303);
    expect(opened.headers.get('location')).toMatch(/^\/portal\/cases\/[0-9a-f-]{36}$/);
  });

  it('checks the fields of case actions and escalations the same way', async () => {
    const created = (await postOk(api, '/v1/cases', api.as.escadmin!.token, intake())) as unknown as CaseView;
    const note = await postForm(api.url, `/portal/cases/${created.id}/a/notes`, session, {
      text: 'Ringde\u0007 användaren',
    });
    expect(note.status).toBe(400);
    const noteHtml = await note.text();
    expect(noteHtml).toMatch(/id="notes-problem"[\s\S]*<code>text<\/code>: contains a control character/);
    const { log } = (await (
      await api.request(`/v1/cases/${created.id}`, { token: api.as.escadmin!.token })
    ).json()) as CaseView;
    expect(log.some((entry) => entry.type === 'note-added')).toBe(false);

    const escalation = await postForm(api.url, '/portal/escalations', session, {
      _case: created.id,
      requestType: 'incident',
      category: 'devices',
      subCategory: 'Skrivare\nplan 3',
      title: 'Skrivaren skriver inte',
      description: 'Skrivaren på plan 3 skriver inte ut sedan i måndags.',
      contact: 'asa.oberg@example.se',
    });
    expect(escalation.status).toBe(400);
    const escalationHtml = await escalation.text();
    expect(escalationHtml).toMatch(/id="file-problem"[\s\S]*<code>subCategory<\/code>: must be one line/);
    expect(escalationHtml).toContain('value="asa.oberg@example.se"');
  });
});

describe('request targets that cannot be read', () => {
  it('answer 400: a problem document under /v1, a page in the portal, never a 500', async () => {
    const token = api.as.agent!.token;
    for (const path of [
      '/v1/cases/%ZZ',
      '/v1/cases/%E0%A4%A/timeline',
      '/v1/cases/%C0%AE',
      '/v1/cases/%FF',
    ]) {
      const res = await api.request(path, { token });
      expect(res.status, path).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(((await res.json()) as { detail: string }).detail).toMatch(/not valid percent-encoded UTF-8/);
    }
    // fetch would resolve the dot segments itself; a hostile client sends them as they are.
    for (const path of ['/v1/cases/../elevations', '/v1/cases/%2E%2E/elevations', '/v1/cases/./x']) {
      const dots = await rawGet(api.url, path, { authorization: `Bearer ${token}` });
      expect(dots.status, path).toBe(400);
      expect(dots.type).toMatch(/^application\/problem\+json/);
      expect(dots.body).toContain('dot segment');
    }
    expect((await api.request('/v1/cases?assignee=%E0%A4%A', { token })).status).toBe(400);

    const { cookie } = await portalSession(api.url, api.as.agent!);
    for (const headers of [{ cookie }, {}] as Record<string, string>[]) {
      for (const path of ['/portal/cases/%E0%A4%A', '/portal/cases/%C0%AE', '/portal/%ZZ']) {
        const res = await fetch(`${api.url}${path}`, { headers, redirect: 'manual' });
        expect(res.status, path).toBe(400);
        expect(res.headers.get('content-type')).toMatch(/^text\/html/);
        expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
        const html = await res.text();
        expect(html).toContain('400 The request could not be read');
        expect(html).toContain('not valid percent-encoded UTF-8');
      }
    }
    const portalDots = await rawGet(api.url, '/portal/../v1/cases', { cookie });
    expect(portalDots.status).toBe(400);
    expect(portalDots.type).toMatch(/^text\/html/);
    const htmx = await fetch(`${api.url}/portal/cases/%E0%A4%A/sla`, {
      headers: { cookie, 'hx-request': 'true' },
    });
    expect(htmx.status).toBe(400);
    expect(htmx.headers.get('hx-retarget')).toBe('#portal-alert');
    expect(await htmx.text()).toMatch(/^<p class="problem alert-message">/);

    // Too long is 414, and in the portal a page too; a NUL in a portal query is named like the API names it.
    const long = await fetch(`${api.url}/portal/${'a'.repeat(5_000)}`, { headers: { cookie } });
    expect(long.status).toBe(414);
    expect(await long.text()).toContain('<html lang="en">');
    const nul = await fetch(`${api.url}/portal/cases?assignee=a%00b`, { headers: { cookie } });
    expect(nul.status).toBe(400);
    expect(await nul.text()).toMatch(/<code>query\.assignee<\/code>: contains NUL/);

    expect(api.logs.filter((line) => /"msg":"(portal error|unhandled error)"/.test(line))).toEqual([]);
  });

  it('are documented: every /v1 operation lists 400', async () => {
    const doc = (await (await api.request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, { responses?: Record<string, unknown> }>>;
    };
    const missing = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/v1/'))
      .flatMap(([path, item]) =>
        Object.entries(item)
          .filter(([, op]) => op.responses && !('400' in op.responses))
          .map(([method]) => `${method} ${path}`),
      );
    expect(missing).toEqual([]);
  });
});
