import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import Provider from 'oidc-provider';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApi, startApi } from '../support/harness';
import { freePort } from '../support/ports';
import { checkPage, launchBrowser, newPage } from './support';

/*
 * OpenID Connect sign-in against a real OpenID provider (oidc-provider) started here on a
 * loopback port: authorization code with PKCE, groups in the ID token mapped to roles by the
 * portal's configuration, and no development sign-in once OIDC is configured.
 */

const SUPPORT_PARTNER = 'Modern Workplace Roles-Support Partner';
const GROUPS: Record<string, string[]> = {
  'anna.berg': [SUPPORT_PARTNER, 'All staff'],
  'bo.ek': ['All staff'],
};

let api: RunningApi;
let browser: Browser;
let idp: Server;

beforeAll(async () => {
  const [idpPort, portalPort] = [await freePort(), await freePort()];
  const issuer = `http://127.0.0.1:${idpPort}`;
  const clientSecret = randomBytes(24).toString('hex');
  const redirectUrl = `http://127.0.0.1:${portalPort}/portal/auth/callback`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'caseflow-portal',
        client_secret: clientSecret,
        redirect_uris: [redirectUrl],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    claims: { openid: ['sub'], profile: ['preferred_username', 'name', 'groups'] },
    // The groups go into the ID token itself, as Entra ID sends its groups claim.
    conformIdTokenClaims: false,
    findAccount: (_ctx: unknown, id: string) => ({
      accountId: id,
      claims: () => ({ sub: `sub-${id}`, preferred_username: id, name: id, groups: GROUPS[id] ?? [] }),
    }),
    features: { devInteractions: { enabled: true } },
    cookies: { keys: [randomBytes(32).toString('hex')] },
  });
  idp = provider.listen(idpPort, '127.0.0.1');
  await new Promise<void>((resolve) => idp.once('listening', resolve));
  api = await startApi({
    port: portalPort,
    portal: {
      oidc: {
        issuer,
        clientId: 'caseflow-portal',
        clientSecret,
        redirectUrl,
        scopes: 'openid profile',
        groupsClaim: 'groups',
        principalClaim: 'preferred_username',
        groupRoles: { [SUPPORT_PARTNER]: ['agent', 'escalation-team'] },
      },
    },
  });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await api?.close();
  idp?.closeAllConnections();
  await new Promise((resolve) => idp?.close(resolve));
});

async function signInAtProvider(login: string) {
  const w = await newPage(browser);
  await w.page.goto(`${api.url}/portal/cases`);
  expect(await w.page.getByLabel('Token').count()).toBe(0);
  await checkPage(w, 'sign-in-oidc');
  const authorization = w.page.waitForRequest((request) => new URL(request.url()).pathname === '/auth');
  await w.page.getByRole('link', { name: 'Sign in with your organisation' }).click();
  const authorize = (await authorization).url();
  await w.page.waitForURL((url) => url.origin !== api.url && url.pathname.startsWith('/interaction'));
  await w.page.locator('input[name=login]').fill(login);
  await w.page.locator('input[name=password]').fill('any password');
  await w.page.getByRole('button', { name: 'Sign-in' }).click();
  await w.page.getByRole('button', { name: 'Continue' }).click();
  return { ...w, authorize };
}

describe('OpenID Connect sign-in', () => {
  it('signs a member of the support-partner group in with code and PKCE, as escalation team', async () => {
    const w = await signInAtProvider('anna.berg');
    const query = new URL(w.authorize).searchParams;
    expect(query.get('code_challenge_method')).toBe('S256');
    expect(query.get('response_type')).toBe('code');
    expect(query.get('state')).toBeTruthy();
    await w.page.waitForURL(`${api.url}/portal/cases`);
    await expect.poll(() => w.page.locator('.who').textContent()).toContain('anna.berg');
    expect(await w.page.locator('.who').textContent()).toContain('Escalation team');
    const [cookie] = (await w.context.cookies(`${api.url}/portal/`)).filter((c) => c.name === 'cf_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    // The role came from the group: the escalation team's elevation form is open to her.
    const form = await w.page.goto(`${api.url}/portal/elevations/new`);
    expect(form?.status()).toBe(200);
    await checkPage(w, 'oidc-signed-in');
    expect(api.logs.join('\n')).toContain('"via":"oidc"');
    await w.context.close();
  });

  it('refuses a user whose groups map to no role, and the token sign-in when OIDC is on', async () => {
    const w = await signInAtProvider('bo.ek');
    await expect.poll(() => w.page.getByRole('alert').textContent()).toContain('none of your groups');
    const response = await w.page.goto(`${api.url}/portal/cases`);
    expect(new URL(w.page.url()).pathname).toBe('/portal/sign-in');
    expect(response?.status()).toBe(200);
    const csrf = await w.page
      .locator('input[name=_csrf]')
      .first()
      .inputValue()
      .catch(() => '');
    const cookies = (await w.context.cookies(`${api.url}/portal/`))
      .map((k) => `${k.name}=${k.value}`)
      .join('; ');
    const tokenSignIn = await fetch(`${api.url}/portal/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: cookies, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, token: api.as.agent!.token }),
    });
    expect(tokenSignIn.status).toBe(404);
    await w.context.close();
  });
});
