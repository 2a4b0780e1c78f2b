import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseView } from '../../src/domain/case';
import { intake, postOk, type RunningApi, startApi } from '../support/harness';
import { checkPage, launchBrowser, newPage, signIn } from './support';

let api: RunningApi;
let browser: Browser;

beforeAll(async () => {
  api = await startApi();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await api?.close();
});

const POLL = { timeout: 30_000, interval: 300 };

describe('signing in, sessions and the browser-side rules', () => {
  it('signs in with a printed token, sets a strict session cookie and a strict CSP, and signs out', async () => {
    const w = await newPage(browser);
    const response = await w.page.goto(`${api.url}/portal/cases`);
    expect(new URL(w.page.url()).pathname).toBe('/portal/sign-in');
    const csp = response?.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    await checkPage(w, 'sign-in');

    await w.page.getByLabel('Token').fill('cf_not-a-real-token-at-all');
    await w.page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => w.page.getByRole('alert').textContent()).toContain('Sign-in failed');

    await w.page.getByLabel('Token').fill(api.as.agent!.token);
    await w.page.getByRole('button', { name: 'Sign in' }).click();
    await w.page.waitForURL(/\/portal\/cases$/);
    const [cookie] = (await w.context.cookies()).filter((c) => c.name === 'cf_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', secure: false, path: '/portal' });
    // No token, password or session value in any URL the browser went to.
    expect(w.page.url()).not.toContain(api.as.agent!.token);
    await expect.poll(() => w.page.getByText(`Signed in as ${api.as.agent!.principal}`).count()).toBe(1);

    await w.page.getByRole('button', { name: 'Sign out' }).click();
    await w.page.waitForURL(/signed-out=1/);
    await w.page.goto(`${api.url}/portal/cases`);
    expect(new URL(w.page.url()).pathname).toBe('/portal/sign-in');
    await w.context.close();
  });

  it('ends a session at its expiry: the next page asks to sign in again', async () => {
    const shortLived = await startApi({ portal: { sessionMinutes: 0.05 } });
    try {
      const w = await signIn(browser, shortLived, shortLived.as.agent!);
      expect(new URL(w.page.url()).pathname).toBe('/portal/cases');
      await new Promise((resolve) => setTimeout(resolve, 3_500));
      await w.page.goto(`${shortLived.url}/portal/cases`);
      expect(new URL(w.page.url()).pathname).toBe('/portal/sign-in');
      await expect
        .poll(() => w.page.getByRole('status').first().textContent())
        .toContain('Your session ended');
      await w.context.close();
    } finally {
      await shortLived.close();
    }
  });

  it('refuses a form posted without the CSRF token, or with another session’s', async () => {
    const w = await signIn(browser, api, api.as.agent!);
    const caseId = (await postOk(api, '/v1/cases', api.as.agent!.token, intake())).id as string;
    const cookies = (await w.context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const post = (body: string) =>
      fetch(`${api.url}/portal/cases/${caseId}/a/notes`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: cookies, 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
    const without = await post('text=sneaky');
    expect(without.status).toBe(403);
    expect(await without.text()).toContain('did not come from this portal');
    const other = await signIn(browser, api, api.as.escalation!);
    const otherToken = await other.page.locator('input[name=_csrf]').first().inputValue();
    expect((await post(`_csrf=${encodeURIComponent(otherToken)}&text=sneaky`)).status).toBe(403);
    // The real token from this session's own page works.
    await w.page.goto(`${api.url}/portal/cases/${caseId}`);
    const token = await w.page.locator('input[name=_csrf]').first().inputValue();
    expect((await post(`_csrf=${encodeURIComponent(token)}&text=legitimate`)).status).toBe(303);
    const c = (await (
      await api.request(`/v1/cases/${caseId}`, { token: api.as.agent!.token })
    ).json()) as CaseView;
    expect(c.log.filter((e) => e.type === 'note-added').map((e) => [e.actor, e.text])).toEqual([
      [api.as.agent!.principal, expect.stringContaining('legitimate')],
    ]);
    await w.context.close();
    await other.context.close();
  });
});

describe('the case desk', () => {
  it('an agent opens a case and works it to closure, with the API’s validation messages', async () => {
    const w = await signIn(browser, api, api.as.agent!);
    const { page } = w;
    await checkPage(w, 'case-queue');
    await page.getByRole('link', { name: 'Open a case' }).click();
    await checkPage(w, 'case-new');
    const title = `Skrivaren skriver inte ut ${Date.now()}`;
    await page.getByLabel('Title').fill(title);
    await page
      .getByLabel('Description')
      .fill('Nätverksskrivaren på plan 3 tar emot jobben men inget kommer ut.');
    await page.getByLabel('Directory id').fill('u-4711');
    await page.getByLabel('Name').fill('Anna Berg');
    await page.getByLabel('E-mail or phone').fill('anna.berg@example.org');
    await page.getByLabel('Device serial number').fill('PF3XK9Z');
    await page.getByRole('button', { name: 'Open the case' }).click();
    await page.waitForURL(/\/portal\/cases\/[0-9a-f-]{36}$/);
    const caseId = new URL(page.url()).pathname.split('/').pop()!;
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe(title);
    await checkPage(w, 'case-page');

    // A reason too short: refused with the API's own message, on the form it came from.
    const assign = page.locator('#form-assign');
    await assign.getByLabel('Reason').fill('x');
    await assign.getByRole('button', { name: 'Assign' }).click();
    await expect.poll(() => page.locator('#assign-problem').textContent()).toContain('reason');
    expect(await page.locator('#assign-problem').textContent()).toContain('Too small');
    await page.locator('#form-assign').getByLabel('Reason').fill('Printer queue needs tier 2');
    await page.locator('#form-assign').getByLabel('Tier').selectOption('tier-2');
    await page.locator('#form-assign').getByRole('button', { name: 'Assign' }).click();
    await page.waitForURL(/done=assign/);

    const note = page.locator('#form-notes');
    await note.getByLabel('Note').fill('Restarted the print spooler; testing with the user.');
    await note.getByLabel('Visible to the requester').check();
    await note.getByRole('button', { name: 'Add a note' }).click();
    await page.waitForURL(/done=notes/);

    await page
      .locator('#form-resolve')
      .getByLabel('Resolution')
      .fill('The print spooler was stuck; restarted.');
    await page.locator('#form-resolve').getByRole('button', { name: 'Resolve' }).click();
    await page.waitForURL(/done=resolve/);
    await page
      .locator('#form-confirm')
      .getByRole('button', { name: "Record the requester's verdict" })
      .click();
    await page.waitForURL(/done=confirm/);

    await expect
      .poll(
        async () =>
          (
            (await (
              await api.request(`/v1/cases/${caseId}`, { token: api.as.agent!.token })
            ).json()) as CaseView
          ).status,
        POLL,
      )
      .toBe('closed');
    const c = (await (
      await api.request(`/v1/cases/${caseId}`, { token: api.as.agent!.token })
    ).json()) as CaseView;
    expect(c.createdBy).toBe(api.as.agent!.principal);
    expect(c.tier).toBe('tier-2');
    expect(c.log.filter((e) => e.type === 'assigned').map((e) => e.actor)).toEqual([api.as.agent!.principal]);
    await page.reload();
    await checkPage(w, 'case-closed');
    await w.context.close();
  });
});

const readJson = async <T>(path: string, token: string): Promise<T> =>
  (await (await api.request(path, { token })).json()) as T;

describe('elevation and approvals', () => {
  it('the escalation team requests elevation, an IT admin approves it in the inbox, the requester checks out and releases', async () => {
    const team = api.as.escalation!;
    const caseId = (
      await postOk(api, '/v1/cases', team.token, intake({ device: { serial: 'PF3XK9Z', group: 'broad' } }))
    ).id as string;
    const requester = await signIn(browser, api, team);
    const { page } = requester;
    await page.goto(`${api.url}/portal/elevations/new?case=${caseId}`);
    expect(await page.getByLabel('Device serial number').inputValue()).toBe('PF3XK9Z');
    await page.getByLabel('Support ticket id').fill('HD-4711');
    await page.getByLabel('Category').fill('Printing');
    await page.getByLabel('Title').fill('Reinstall the printer driver');
    await page
      .getByLabel('Plan of action')
      .fill('Open an elevated PowerShell, remove the stuck driver, add it again.');
    await page.getByLabel('Elevated command prompt or PowerShell').check();
    await page.getByLabel('Installing software or browsers').check();
    // The chosen actions' rules show at once (htmx), before anything is sent.
    await expect
      .poll(() => page.locator('#action-check').textContent())
      .toContain('the approver must acknowledge it');
    await page.getByLabel('Disabling a required Windows feature such as BitLocker').check();
    await expect
      .poll(() => page.locator('#action-check').textContent())
      .toContain('refused by rule unsupported.disable-required-feature');
    await checkPage(requester, 'elevation-request');
    await page.getByRole('button', { name: 'Send the request' }).click();
    // The workflow refuses the unsupported action, naming the rule; the form keeps what was typed.
    await expect
      .poll(() => page.locator('#request-problem').textContent())
      .toContain('unsupported.disable-required-feature');
    expect(await page.getByLabel('Title').inputValue()).toBe('Reinstall the printer driver');
    await page.getByLabel('Disabling a required Windows feature such as BitLocker').uncheck();
    await page.getByRole('button', { name: 'Send the request' }).click();
    await page.waitForURL(/\/portal\/elevations\/[0-9a-f-]{36}\.\d+$/);
    const elevationId = new URL(page.url()).pathname.split('/').pop()!;
    await checkPage(requester, 'elevation-pending');

    const admin = await signIn(browser, api, api.as.admin!);
    await admin.page.goto(`${api.url}/portal/approvals`);
    const item = admin.page.locator('article', {
      has: admin.page.locator(`a[href="/portal/elevations/${elevationId}"]`),
    });
    await expect.poll(() => item.count()).toBe(1);
    expect(await item.textContent()).toContain(team.principal);
    await checkPage(admin, 'approvals');
    // Without acknowledging the not-recommended action the workflow refuses the approval.
    await item.getByLabel('Reason').first().fill('Driver reinstall agreed with the user');
    await item.getByRole('button', { name: 'Approve' }).click();
    await expect
      .poll(() => admin.page.locator('#approve-problem').textContent())
      .toContain('not recommended');
    await admin.page.getByLabel('Reason').first().fill('Driver reinstall agreed with the user');
    await admin.page.getByLabel(/I acknowledge the not-recommended actions/).check();
    await admin.page.getByRole('button', { name: 'Approve' }).click();
    await admin.page.waitForURL(/\/portal\/elevations\/.*done=approve|\/portal\/approvals$/);

    await expect
      .poll(
        async () => (await readJson<{ status: string }>(`/v1/elevations/${elevationId}`, team.token)).status,
        POLL,
      )
      .toBe('active');
    await page.goto(`${api.url}/portal/elevations/${elevationId}`);
    await page.getByRole('button', { name: 'Reveal the password' }).click();
    const password = (await page.locator('#password').textContent())!.trim();
    expect(password.length).toBeGreaterThanOrEqual(12);
    expect(page.url()).not.toContain(password);
    await checkPage(requester, 'elevation-checkout');
    await page.reload();
    expect(await page.content()).not.toContain(password);

    await page
      .locator('form', { hasText: 'Release access now' })
      .getByLabel('Reason')
      .fill('Driver reinstalled, done');
    await page.getByRole('button', { name: 'Release access now' }).click();
    await page.waitForURL(/done=release/);
    await expect
      .poll(
        async () => (await readJson<{ status: string }>(`/v1/elevations/${elevationId}`, team.token)).status,
        POLL,
      )
      .toBe('ended');
    const record = await readJson<{ approvedBy: string; checkouts: { by: string }[] }>(
      `/v1/elevations/${elevationId}`,
      team.token,
    );
    expect(record.approvedBy).toBe(api.as.admin!.principal);
    expect(record.checkouts.map((c) => c.by)).toEqual([team.principal]);
    await requester.context.close();
    await admin.context.close();
  });

  it('explains, and the workflow enforces, that nobody approves their own request', async () => {
    const both = api.as.escadmin!;
    const caseId = (await postOk(api, '/v1/cases', both.token, intake())).id as string;
    const c = await readJson<CaseView>(`/v1/cases/${caseId}`, both.token);
    const elevation = await postOk(api, `/v1/cases/${caseId}/elevations`, both.token, {
      ticketId: 'HD-1',
      deviceSerial: c.device.serial,
      category: 'Apps',
      title: 'Troubleshoot the LOB app',
      planOfAction: 'Run the app elevated and read its log.',
      actions: ['troubleshoot-lob-app'],
    });
    const w = await signIn(browser, api, both);
    await w.page.goto(`${api.url}/portal/elevations/${elevation.id as string}`);
    await expect
      .poll(() => w.page.locator(`[id="own-${elevation.id as string}"]`).textContent())
      .toContain('another IT admin');
    expect(await w.page.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    // A hand-made form post is refused by the workflow, not only hidden.
    const token = await w.page.locator('input[name=_csrf]').first().inputValue();
    const cookies = (await w.context.cookies()).map((k) => `${k.name}=${k.value}`).join('; ');
    const res = await fetch(`${api.url}/portal/elevations/${elevation.id as string}/c/approve`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: cookies, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: token, reason: 'approving my own request' }),
    });
    expect(res.status).toBe(403);
    await w.context.close();
  });
});

describe('escalations and the service-operations inbox', () => {
  it('a Sev C escalation goes to the in-app inbox, where service ops acknowledges and resolves it', async () => {
    const team = api.as.escalation!;
    const caseId = (await postOk(api, '/v1/cases', team.token, intake())).id as string;
    const w = await signIn(browser, api, team);
    await w.page.goto(`${api.url}/portal/escalations/new?case=${caseId}`);
    await expect
      .poll(() => w.page.locator('#gate').textContent())
      .toContain('This case is Severity C: your escalation is filed at once.');
    expect(await w.page.locator('#gate').textContent()).toContain('none configured: cannot be filed');
    await checkPage(w, 'escalation-new');
    await w.page.getByLabel('Target', { exact: true }).selectOption('service-ops');
    await w.page.getByLabel('Request type').selectOption('incident');
    await w.page.getByLabel('Admin area').selectOption('other');
    await w.page.getByLabel('Sub-category').fill('Policy');
    await w.page.getByLabel('Title').fill('A service policy blocks the print driver');
    await w.page
      .getByLabel('Description')
      .fill('The managed policy blocks the driver install on all broad-ring devices.');
    await w.page.getByLabel('Primary contact').fill('desk@example.org');
    await w.page.getByLabel(/Reason \(when choosing/).fill('A service policy is the cause');
    await w.page.getByRole('button', { name: 'File the escalation' }).click();
    await w.page.waitForURL(/\/portal\/escalations\/[0-9a-f-]{36}\.x\d+$/);
    const escalationId = new URL(w.page.url()).pathname.split('/').pop()!;
    await expect
      .poll(
        async () =>
          (await readJson<{ delivery: { to: string } | null }>(`/v1/escalations/${escalationId}`, team.token))
            .delivery?.to,
        POLL,
      )
      .toBe('caseflow:service-ops-inbox');
    await w.page.reload();
    await checkPage(w, 'escalation-page');

    const ops = await signIn(browser, api, api.as.ops!);
    expect(new URL(ops.page.url()).pathname).toBe('/portal/service-ops');
    const item = () =>
      ops.page.locator('article', { has: ops.page.locator(`a[href="/portal/escalations/${escalationId}"]`) });
    await expect.poll(() => item().count()).toBe(1);
    await checkPage(ops, 'service-ops-inbox');
    await item().getByLabel('Answer').selectOption('acknowledged');
    await item().getByLabel('Message').fill('We are looking into the policy.');
    await item().getByRole('button', { name: 'Send' }).click();
    await ops.page.waitForURL(/done=acknowledged/);
    await expect
      .poll(
        async () =>
          (await readJson<{ status: string }>(`/v1/escalations/${escalationId}`, team.token)).status,
        POLL,
      )
      .toBe('acknowledged');
    await item().getByLabel('Answer').selectOption('resolved');
    await item().getByLabel('Message').fill('The policy now allows the signed driver.');
    await item().getByRole('button', { name: 'Send' }).click();
    await ops.page.waitForURL(/done=resolved/);
    const done = await readJson<{ status: string; log: { type: string; text: string; actor: string }[] }>(
      `/v1/escalations/${escalationId}`,
      team.token,
    );
    expect(done.status).toBe('resolved');
    // The signed-in member is the actor on the record, not the target's name.
    expect(done.log.filter((e) => e.type === 'resolved').map((e) => e.actor)).toEqual([
      api.as.ops!.principal,
    ]);
    await expect.poll(() => item().count()).toBe(0);
    await w.context.close();
    await ops.context.close();
  });

  it('a held Sev A escalation is approved by an IT admin from the approvals inbox', async () => {
    const team = api.as.escalation!;
    const caseId = (await postOk(api, '/v1/cases', team.token, intake({ severity: 'A' }))).id as string;
    const view = await postOk(api, `/v1/cases/${caseId}/escalations`, team.token, {
      target: 'service-ops',
      requestType: 'incident',
      category: 'devices',
      subCategory: 'Boot',
      title: 'Devices fail to boot after the service update',
      description: 'Several devices on the broad ring fail to boot since the last service update.',
      contact: 'desk@example.org',
      reason: 'The service update is the cause',
    });
    expect(view.status).toBe('awaiting-approval');
    const admin = await signIn(browser, api, api.as.admin!);
    await admin.page.goto(`${api.url}/portal/approvals`);
    const item = admin.page.locator('article', {
      has: admin.page.locator(`a[href="/portal/escalations/${view.id as string}"]`),
    });
    await expect.poll(() => item.count()).toBe(1);
    await item
      .locator('form', { hasText: 'Approve' })
      .getByLabel('Reason')
      .fill('Sev A confirmed with the customer');
    await item.getByRole('button', { name: 'Approve' }).click();
    await admin.page.waitForURL(/\/portal\/approvals$/);
    const after = await readJson<{ status: string; approvedBy: string }>(
      `/v1/escalations/${view.id as string}`,
      team.token,
    );
    expect(after).toMatchObject({ status: 'filed', approvedBy: api.as.admin!.principal });
    await checkPage(admin, 'approvals-after');
    await admin.page.goto(`${api.url}/portal/escalations`);
    await checkPage(admin, 'escalations');
    await admin.context.close();
  });
});

describe('each role sees its pages and nothing more', () => {
  it('refuses a forbidden page or action for each role', async () => {
    const refused: [string, string][] = [
      ['agent', '/portal/approvals'],
      ['agent', '/portal/service-ops'],
      ['agent', '/portal/audit'],
      ['ops', '/portal/cases'],
      ['auditor', '/portal/cases/new'],
      ['escalation', '/portal/audit'],
      ['admin', '/portal/elevations/new'],
    ];
    for (const [who, path] of refused) {
      const w = await signIn(browser, api, api.as[who]!);
      const response = await w.page.goto(`${api.url}${path}`);
      expect(response?.status(), `${who} ${path}`).toBe(403);
      if (who === 'agent' && path === '/portal/approvals') await checkPage(w, 'forbidden');
      await w.context.close();
    }
    // An auditor reads a case but cannot act on it, even with a well-formed form post.
    const caseId = (await postOk(api, '/v1/cases', api.as.agent!.token, intake())).id as string;
    const auditor = await signIn(browser, api, api.as.auditor!);
    await auditor.page.goto(`${api.url}/portal/cases/${caseId}`);
    expect(await auditor.page.getByRole('button', { name: 'Resolve' }).count()).toBe(0);
    const token = await auditor.page.locator('input[name=_csrf]').first().inputValue();
    const cookies = (await auditor.context.cookies()).map((k) => `${k.name}=${k.value}`).join('; ');
    const res = await fetch(`${api.url}/portal/cases/${caseId}/a/resolve`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: cookies, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: token, resolution: 'auditors change nothing' }),
    });
    expect(res.status).toBe(403);
    await auditor.context.close();
  });
});

describe('audit, roles and language', () => {
  it('an auditor reads the timeline, the as-of view and downloads the bundle', async () => {
    const caseId = (await postOk(api, '/v1/cases', api.as.agent!.token, intake())).id as string;
    await postOk(api, `/v1/cases/${caseId}/notes`, api.as.agent!.token, { text: 'Called the user back.' });
    const w = await signIn(browser, api, api.as.auditor!);
    await w.page.goto(`${api.url}/portal/audit`);
    await w.page.getByLabel('Case id').fill(caseId);
    const timeline = await readJson<{ entries: { text: string; eventId: number }[] }>(
      `/v1/cases/${caseId}/timeline`,
      api.as.auditor!.token,
    );
    const noteEvent = timeline.entries.find((e) => e.text.includes('Called the user back.'))!.eventId;
    await w.page.getByLabel('As of event (optional)').fill(String(noteEvent));
    await w.page.getByRole('button', { name: 'Apply' }).click();
    await expect
      .poll(() => w.page.locator('#timeline').textContent(), POLL)
      .toContain('Called the user back.');
    // The as-of view shows the state as of the last workflow task at or before that event.
    await expect.poll(() => w.page.locator('#as-of h2').textContent()).toMatch(/^The case as of event \d+$/);
    const reflected = Number(/(\d+)$/.exec((await w.page.locator('#as-of h2').textContent())!)![1]);
    expect(reflected).toBeLessThanOrEqual(noteEvent);
    await checkPage(w, 'audit');
    const cookies = (await w.context.cookies()).map((k) => `${k.name}=${k.value}`).join('; ');
    const bundle = await fetch(`${api.url}/portal/audit/${caseId}/bundle`, { headers: { cookie: cookies } });
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toContain('application/x-tar');
    await w.context.close();
  });

  it('shows roles and who holds them, in Swedish for a Swedish browser, and switches language', async () => {
    const w = await newPage(browser, 'sv-SE');
    await w.page.goto(`${api.url}/portal/sign-in`);
    await expect.poll(() => w.page.getByRole('heading', { level: 1 }).textContent()).toBe('Logga in');
    await checkPage(w, 'sign-in-sv');
    await w.page.getByLabel('Token').fill(api.as.agent!.token);
    await w.page.getByRole('button', { name: 'Logga in' }).click();
    await w.page.waitForURL(/\/portal\/cases/);
    await expect.poll(() => w.page.getByRole('heading', { level: 1 }).textContent()).toBe('Ärendedesk');
    await checkPage(w, 'case-queue-sv');
    await w.page.getByRole('link', { name: 'Roller och ansvar' }).click();
    await expect.poll(() => w.page.locator('#holders').textContent()).toContain(api.as.escalation!.principal);
    expect(await w.page.locator('#responsibilities').textContent()).toContain('Supportleverantören');
    expect(await w.page.textContent('main')).toContain('partnerledd');
    await checkPage(w, 'roles-sv');
    await w.page.getByRole('button', { name: 'English' }).click();
    await expect
      .poll(() => w.page.getByRole('heading', { level: 1 }).textContent())
      .toBe('Roles and responsibilities');
    await checkPage(w, 'roles');
    await w.context.close();
  });
});

describe('incidents, lists and live fragments', () => {
  it('an IT admin opens an incident for several cases; lists and polled fragments render', async () => {
    const cases = await Promise.all(
      [1, 2].map(async () => (await postOk(api, '/v1/cases', api.as.agent!.token, intake())).id as string),
    );
    const admin = await signIn(browser, api, api.as.admin!);
    await admin.page.goto(`${api.url}/portal/escalations`);
    const form = admin.page.locator('#incident-form');
    await form.getByLabel('Title').fill('Docking stations drop the network');
    await form.getByLabel('Description').fill('Several users lose the network when docking since Monday.');
    await form.getByLabel('Case ids').fill(cases.join('\n'));
    await form.getByRole('button', { name: 'Open the incident' }).click();
    await admin.page.waitForURL(/\/portal\/incidents\/inc-[0-9a-f-]{36}$/);
    await expect.poll(() => admin.page.locator('main').textContent()).toContain(cases[1]);
    await checkPage(admin, 'incident');
    await admin.page.goto(`${api.url}/portal/elevations`);
    await checkPage(admin, 'elevations');

    // What htmx polls: fragments fed by the same queries, without the page around them.
    const cookies = (await admin.context.cookies()).map((k) => `${k.name}=${k.value}`).join('; ');
    const fragment = await fetch(`${api.url}/portal/approvals/count`, {
      headers: { cookie: cookies, 'hx-request': 'true' },
    });
    const text = await fragment.text();
    expect(text).toMatch(/^<span id="approval-count"[^>]*>\d+ waiting for a decision<\/span>$/);
    const sla = await (
      await fetch(`${api.url}/portal/cases/${cases[0]}/sla`, {
        headers: { cookie: cookies, 'hx-request': 'true' },
      })
    ).text();
    expect(sla).toMatch(/^<section id="sla"/);
    // A poll after the session is gone gets a 401, not a sign-in page swapped into the panel.
    const anonymous = await fetch(`${api.url}/portal/cases/${cases[0]}/sla`, {
      headers: { 'hx-request': 'true' },
    });
    expect(anonymous.status).toBe(401);
    await admin.context.close();
  });
});
