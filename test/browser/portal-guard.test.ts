import { randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApi, startApi } from '../support/harness';
import { checkPage, launchBrowser, signIn } from './support';

/**
 * What a person sees when the portal refuses input that hurts: a rate-limited htmx request says
 * so in the page's alert slot, a rate-limited form is a page saying when to try again, and a field
 * with a forbidden character comes back marked, with the reason next to it.
 */
let api: RunningApi;
let limited: RunningApi;
let browser: Browser;

beforeAll(async () => {
  api = await startApi();
  // Three state-changing requests, then one every 5 s.
  limited = await startApi({
    rateLimits: { principal: { burst: 3, perMinute: 12 }, callback: { burst: 10, perMinute: 60 } },
  });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await api?.close();
  await limited?.close();
});

const POLL = { timeout: 30_000, interval: 300 };

describe('the rate limit in the browser', () => {
  it('shows a refused htmx request in the alert slot and a refused form as a page saying when to retry', async () => {
    const w = await signIn(browser, limited, limited.as.escalation!);
    const { page } = w;
    await page.goto(`${limited.url}/portal/elevations/new`);
    // htmx sends the form only once it is valid, so the required fields are filled first.
    await page.locator('#e-case').fill(randomUUID());
    await page.getByLabel('Support ticket id').fill('HD-4711');
    await page.getByLabel('Device serial number').fill('PF3XK9Z');
    await page.getByLabel('Category').fill('Printing');
    await page.getByLabel('Title').fill('Reinstall the printer driver');
    await page.getByLabel('Plan of action').fill('Open an elevated PowerShell, remove the stuck driver.');
    // Each change asks the server for the chosen actions' rules (an htmx POST), until the limit.
    const actionCheck = page.locator('#action-check');
    const alert = page.locator('#portal-alert');
    const box = page.getByLabel('Elevated command prompt or PowerShell');
    let checked = false;
    const toggle = async () => {
      const answered = page.waitForResponse((r) => r.url().endsWith('/portal/elevations/check'));
      checked = !checked;
      await box.setChecked(checked);
      return answered;
    };
    const untilRefused = async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 8 && !statuses.includes(429); i++) statuses.push((await toggle()).status());
      return statuses;
    };
    const statuses = await untilRefused();
    expect(statuses[0]).toBe(200);
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.slice(0, -1).every((status) => status === 200)).toBe(true);

    // The refusal's message goes to the alert slot; the rules shown stay where they were.
    await expect
      .poll(() => alert.textContent(), POLL)
      .toMatch(/^You have sent many changes in a short time\. Wait \d+ seconds and try again\.$/);
    expect(await actionCheck.count()).toBe(1);
    expect(await actionCheck.textContent()).toMatch(/Elevated command prompt|Choose the actions/);
    await checkPage(w, 'rate-limited-htmx');

    // Once the wait is over, the next change goes through and the message goes away.
    await expect.poll(async () => (await toggle()).status(), { timeout: 30_000, interval: 2_000 }).toBe(200);
    await expect.poll(() => alert.textContent(), POLL).toBe('');

    // Refused again, then sending the form itself:
    expect((await untilRefused()).at(-1)).toBe(429);

    // Sending the form itself is refused as a page in the reader's language, with Retry-After.
    const answer = page.waitForResponse((res) => res.request().method() === 'POST');
    await page.getByRole('button', { name: 'Send the request' }).click();
    const response = await answer;
    expect(response.status()).toBe(429);
    expect(Number(await response.headerValue('retry-after'))).toBeGreaterThanOrEqual(1);
    await expect
      .poll(() => page.getByRole('heading', { level: 1 }).textContent(), POLL)
      .toBe('429 Too many requests');
    expect(await page.getByRole('alert').textContent()).toMatch(/Wait \d+ seconds and try again\./);
    expect(await page.getByRole('link', { name: 'Back to the portal' }).count()).toBe(1);
    await checkPage(w, 'rate-limited-form');
    await w.context.close();
  });
});

describe('text checks in the browser', () => {
  it('brings a form back with the refused field marked and the reason next to it, the rest as typed', async () => {
    const w = await signIn(browser, api, api.as.agent!);
    const { page } = w;
    await page.goto(`${api.url}/portal/cases/new`);
    const title = 'Skrivaren\u200b på plan 3';
    await page.getByLabel('Title').fill(title);
    await page.getByLabel('Description').fill('Nätverksskrivaren tar emot jobben men inget kommer ut.');
    await page.getByLabel('Directory id').fill('u-4711');
    await page.getByLabel('Name').fill('Anna Berg');
    await page.getByLabel('E-mail or phone').fill('anna.berg@example.org');
    await page.getByLabel('Device serial number').fill('PF3XK9Z');
    await page.getByRole('button', { name: 'Open the case' }).click();

    await expect
      .poll(() => page.locator('#c-title-error').textContent(), POLL)
      .toContain('invisible character');
    const field = page.getByLabel('Title');
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    expect(await field.getAttribute('aria-describedby')).toBe('c-title-error');
    expect(await field.inputValue()).toBe(title);
    expect(await page.getByLabel('E-mail or phone').inputValue()).toBe('anna.berg@example.org');
    expect(await page.locator('#c-req-name').getAttribute('aria-invalid')).toBeNull();
    expect(await page.locator('#open-problem').textContent()).toContain('title');
    await checkPage(w, 'case-new-refused-field');
    await w.context.close();
  });
});
