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
