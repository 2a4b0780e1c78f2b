import { expect } from 'vitest';
import type { TestPrincipal } from './harness';

/** A portal session signed in through the token sign-in form: its cookie and its CSRF token. */
export interface PortalSession {
  cookie: string;
  csrf: string;
}

const cookieOf = (res: Response) => (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

/** An anonymous session, as a browser has on the sign-in page. */
export async function anonymousSession(url: string): Promise<PortalSession> {
  const page = await fetch(`${url}/portal/sign-in`);
  return { cookie: cookieOf(page), csrf: csrfOf(await page.text()) };
}

export async function portalSession(url: string, who: TestPrincipal): Promise<PortalSession> {
  const anonymous = await anonymousSession(url);
  const signedIn = await postForm(url, '/portal/sign-in', anonymous, { token: who.token, next: '/portal' });
  expect(signedIn.status).toBe(303);
  const cookie = cookieOf(signedIn);
  // Signing in issues a new CSRF token with the new session.
  const page = await fetch(`${url}/portal/roles`, { headers: { cookie } });
  return { cookie, csrf: csrfOf(await page.text()) };
}

/** Posts a form as the browser would: urlencoded, with the session's cookie and CSRF token. */
export function postForm(
  url: string,
  path: string,
  session: PortalSession,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      cookie: session.cookie,
      ...headers,
    },
    body: new URLSearchParams({ _csrf: session.csrf, ...fields }).toString(),
  });
}
