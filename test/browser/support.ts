import { readFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';
import type { RunningApi, TestPrincipal } from '../support/harness';

/** Screenshots of every page the tests visit; not committed. */
export const RESULTS_DIR = join(__dirname, 'results');

/** Debian's chromium, never a downloaded browser; playwright gives each launch a fresh profile. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CASEFLOW_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** A page that records every Content-Security-Policy violation the browser reports. */
export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  cspViolations: string[];
}

export async function newPage(browser: Browser, locale = 'en-GB'): Promise<WatchedPage> {
  const context = await browser.newContext({ locale, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const cspViolations: string[] = [];
  page.on('console', (message) => {
    if (/Content.Security.Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  page.on('pageerror', (error) => cspViolations.push(`page error: ${error.message}`));
  return { page, context, cspViolations };
}

/** Signs in through the portal's development sign-in with a principal's API token. */
export async function signIn(browser: Browser, api: RunningApi, who: TestPrincipal): Promise<WatchedPage> {
  const watched = await newPage(browser);
  await watched.page.goto(`${api.url}/portal`);
  await watched.page.getByLabel('Token').fill(who.token);
  await watched.page.getByRole('button', { name: 'Sign in' }).click();
  await watched.page.waitForURL((url) => !url.pathname.startsWith('/portal/sign-in'));
  return watched;
}

/**
 * The checks every page gets: no serious or critical axe-core violation, no CSP violation, and a
 * screenshot under the results directory.
 */
export async function checkPage(watched: WatchedPage, name: string): Promise<void> {
  const { page } = watched;
  await page.waitForLoadState('load');
  // Runtime evaluation is not subject to the page's CSP, so axe runs without loosening it.
  await page.evaluate(axeSource);
  // A string, so the function runs in the page and this file needs no DOM types.
  const violations = await page.evaluate<{ id: string; impact: string; help: string; where: unknown[] }[]>(`
    axe.run(document, { resultTypes: ['violations'] }).then((result) =>
      result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, where: v.nodes.map((n) => n.target) })),
    )
  `);
  mkdirSync(RESULTS_DIR, { recursive: true });
  await page.screenshot({ path: join(RESULTS_DIR, `${name}.png`), fullPage: true });
  expect(
    violations.filter((v) => v.impact === 'serious' || v.impact === 'critical'),
    name,
  ).toEqual([]);
  expect(watched.cspViolations, name).toEqual([]);
}
