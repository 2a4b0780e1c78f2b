/** @jsxRuntime classic @jsx h @jsxFrag Fragment */
import type { Client } from '@temporalio/client';
import express, {
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
  Router,
} from 'express';
import type { TargetEndpoints } from '../activities/escalation-delivery';
import { findPrincipal, type KeyEntry } from '../api/auth';
import type { CaseGateway } from '../api/case-gateway';
import type { ElevationGateway } from '../api/elevation-gateway';
import type { EscalationRoutesOptions } from '../api/escalations';
import { asProblem, HttpProblem, problems } from '../api/problem';
import { assertSafeJson } from '../api/request-limits';
import type { SupportModel } from '../domain/case';
import type { CasePolicy } from '../domain/case-policy';
import { isAllowed, type Permission, type Principal, type Role } from '../domain/roles';
import type { Logger } from '../logger';
import type { CredentialVault } from '../vault/credential-vault';
import { htmxScript, SCRIPT, STYLESHEET } from './assets';
import { formatter } from './format';
import { type Lang, type MessageKey, negotiateLang, translator } from './i18n';
import { h, type Html, renderDocument } from './jsx';
import type { OidcSignIn, OidcTransaction } from './oidc';
import { LANG_COOKIE, readCookies, sameToken, type Session, type Sessions, setCookie } from './session';
import { ALERT_SLOT, type FormOutcome, Layout, type View } from './view';
import { signInPage } from './pages/sign-in';
import { casePages } from './pages/cases';
import { elevationPages } from './pages/elevations';
import { approvalPages } from './pages/approvals';
import { escalationPages } from './pages/escalations';
import { serviceOpsPages } from './pages/service-ops';
import { rolesPages } from './pages/roles';
import { auditPages } from './pages/audit';

export interface PortalOptions {
  client: Client;
  cases: CaseGateway;
  elevations: ElevationGateway;
  escalations: EscalationRoutesOptions;
  vault: CredentialVault | undefined;
  policy: CasePolicy;
  keys: readonly KeyEntry[];
  endpoints: TargetEndpoints;
  sessions: Sessions;
  /** OpenID Connect sign-in; without it the portal offers the token sign-in (embedded default). */
  oidc: OidcSignIn | undefined;
  /** The OpenID Connect group → roles mapping, shown on the roles page. */
  groupRoles: Record<string, readonly Role[]>;
  timeZone: string;
  supportModel: SupportModel;
  providerName: string;
  maxBodyBytes: number;
  /** The limiter of state-changing requests /v1 uses: portal forms draw on the same buckets. */
  limitChanges: RequestHandler;
  log: Logger;
  /** For lines anyone can cause without signing in (refused sign-ins): the API's budget of them. */
  anonymousLog: Logger;
  /** Temporal's errors mean the same to the portal as to the API. */
  translateError: (err: unknown) => HttpProblem | undefined;
}

interface PortalState {
  session: Session;
  lang: Lang;
  /** The session had signed in but ran out. */
  expired: boolean;
}

declare module 'express-serve-static-core' {
  interface Request {
    portal?: PortalState;
  }
}

/** The page context for this request. */
export function viewOf(req: Request, o: Pick<PortalOptions, 'timeZone' | 'oidc'>): View {
  const state = req.portal;
  if (!state) throw new Error('portal state missing');
  return {
    lang: state.lang,
    t: translator(state.lang),
    fmt: formatter(state.lang, o.timeZone),
    nowMs: Date.now(),
    principal: req.principal,
    csrf: state.session.csrf,
    path: req.originalUrl,
    devSignIn: !o.oidc,
    oidc: Boolean(o.oidc),
  };
}

export function sendPage(res: Response, page: Html, status = 200): void {
  res.status(status).type('html').send(renderDocument(page));
}

export function sendFragment(res: Response, fragment: Html, status = 200): void {
  res.status(status).type('html').send(fragment.value);
}

/** Refuses (403) unless the signed-in principal holds one of the permission's roles. */
export function need(req: Request, permission: Permission): Principal {
  const principal = req.principal;
  if (!principal) throw problems.unauthenticated('Sign in first.');
  if (!isAllowed(principal, permission)) throw problems.forbidden(`This needs the permission ${permission}.`);
  return principal;
}

/**
 * Runs a form's command; a refusal (bad input, forbidden, conflicting state) is shown on the form's
 * page. Before anything runs, every field passes the API's check of text (no NUL, control
 * characters, bidi overrides or unpaired surrogates, in any field, the portal's own included).
 */
export async function act(
  req: Request,
  res: Response,
  form: string,
  run: () => Promise<string>,
  rerender: (outcome: FormOutcome) => Promise<Html>,
): Promise<void> {
  let location: string;
  try {
    assertSafeJson(req.body, 'body');
    location = await run();
  } catch (err) {
    if (!(err instanceof HttpProblem) || err.status === 401 || err.status >= 500) throw err;
    const outcome = { form, message: err.detail ?? err.title, errors: err.extra.errors ?? [] };
    sendPage(res, await rerender(outcome), err.status);
    return;
  }
  res.redirect(303, location);
}

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

const PORTAL_HEADERS = {
  'Content-Security-Policy': CSP,
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

const portalHeaders: RequestHandler = (_req, res, next) => {
  res.set(PORTAL_HEADERS);
  next();
};

const PUBLIC = /^\/portal\/(sign-in|auth\/|assets\/|lang$)/;
const SAFE_RETURN = /^\/portal(\/[A-Za-z0-9._~\-/]*)?(\?[A-Za-z0-9._~\-=&%]*)?$/;
export const safeReturn = (value: unknown): string =>
  typeof value === 'string' && SAFE_RETURN.test(value) && !value.includes('//') ? value : '/portal';

export function portalRouter(o: PortalOptions): Router {
  const router = Router();
  router.use('/portal', portalHeaders);

  const asset = (type: string, body: () => string) => (_req: Request, res: Response) => {
    res.set('Cache-Control', 'public, max-age=3600').type(type).send(body());
  };
  router.get('/portal/assets/htmx.min.js', asset('text/javascript', htmxScript));
  router.get(
    '/portal/assets/portal.js',
    asset('text/javascript', () => SCRIPT),
  );
  router.get(
    '/portal/assets/portal.css',
    asset('text/css', () => STYLESHEET),
  );

  // Session, language and principal for every portal request.
  router.use('/portal', (req, res, next) => {
    establish(req, res, o);
    next();
  });
  // Forms change state: the API's limit per principal (per address before sign-in) applies.
  router.use('/portal', o.limitChanges);
  // Queries (list filters, return paths) get the API's check of text, as /v1 queries do.
  router.use('/portal', (req, _res, next) => {
    assertSafeJson(req.query, 'query');
    next();
  });

  // Forms: urlencoded only, and every one carries the session's CSRF token.
  router.post(
    '/portal/{*rest}',
    express.urlencoded({ extended: false, limit: o.maxBodyBytes, parameterLimit: 200 }),
    (req, _res, next) => {
      const site = req.get('sec-fetch-site');
      const body = (req.body ?? {}) as Record<string, unknown>;
      const token = typeof body._csrf === 'string' ? body._csrf : req.get('x-csrf-token');
      if (
        (site && site !== 'same-origin' && site !== 'none') ||
        !sameToken(token, req.portal?.session.csrf)
      ) {
        throw problems.forbidden(
          'The form did not come from this portal or has expired; reload the page and try again.',
        );
      }
      next();
    },
  );

  router.post('/portal/lang', (req, res) => {
    const body = req.body as Record<string, unknown>;
    const lang = body.lang === 'sv' ? 'sv' : 'en';
    setCookie(req, res, LANG_COOKIE, lang, { maxAgeSeconds: 365 * 24 * 3600 });
    res.redirect(303, safeReturn(body.returnTo));
  });

  signInRoutes(router, o);

  // Everything else needs a signed-in principal.
  router.use('/portal', (req, res, next) => {
    if (PUBLIC.test(req.originalUrl)) return next();
    if (req.principal) return next();
    if (req.method === 'GET' && req.get('hx-request') !== 'true') {
      const query = new URLSearchParams({ next: safeReturn(req.originalUrl) });
      if (req.portal?.expired) query.set('expired', '1');
      return res.redirect(303, `/portal/sign-in?${query.toString()}`);
    }
    throw problems.unauthenticated('Your session has ended; sign in again.');
  });

  router.get('/portal', (req, res) => {
    const p = req.principal as Principal;
    // Each role lands where its work is: agents at the desk, IT admins at their approvals.
    const home = isAllowed(p, 'case:work')
      ? '/portal/cases'
      : isAllowed(p, 'elevation:decide')
        ? '/portal/approvals'
        : p.roles.includes('service-ops')
          ? '/portal/service-ops'
          : isAllowed(p, 'case:audit')
            ? '/portal/audit'
            : '/portal/roles';
    res.redirect(303, home);
  });

  casePages(router, o);
  elevationPages(router, o);
  approvalPages(router, o);
  escalationPages(router, o);
  serviceOpsPages(router, o);
  rolesPages(router, o);
  auditPages(router, o);

  router.use('/portal', (req, _res, next) => next(problems.notFound(`No page at ${req.path}.`)));
  return router;
}

/** The session, language and principal of a portal request (an anonymous session when it has none). */
function establish(req: Request, res: Response, o: Pick<PortalOptions, 'sessions'>): void {
  let session = o.sessions.read(req);
  let expired = false;
  if (!session) session = o.sessions.anonymous(req, res);
  else if (session.expiresAt <= Date.now()) {
    expired = session.principal !== undefined;
    session = o.sessions.anonymous(req, res);
  }
  const lang = negotiateLang(readCookies(req)[LANG_COOKIE], req.get('accept-language'));
  req.portal = { session, lang, expired };
  if (session.principal && session.roles)
    req.principal = { principal: session.principal, roles: session.roles };
}

function signInRoutes(router: Router, o: PortalOptions): void {
  router.get('/portal/sign-in', (req, res) => {
    const v = viewOf(req, o);
    sendPage(
      res,
      signInPage(v, {
        next: safeReturn(req.query.next),
        expired: req.query.expired === '1',
        signedOut: req.query['signed-out'] === '1',
      }),
    );
  });

  router.post('/portal/sign-in', (req, res) => {
    const v = viewOf(req, o);
    const body = req.body as Record<string, unknown>;
    const next = safeReturn(body.next);
    if (o.oidc)
      throw problems.notFound('Token sign-in is off: this deployment signs in with OpenID Connect.');
    const principal = typeof body.token === 'string' ? findPrincipal(o.keys, body.token.trim()) : undefined;
    if (!principal) {
      o.anonymousLog.warn('portal sign-in refused', { via: 'token' });
      sendPage(res, signInPage(v, { next, refused: true }), 401);
      return;
    }
    o.sessions.signIn(req, res, { ...principal, via: 'token' });
    o.log.info('portal sign-in', { principal: principal.principal, via: 'token' });
    res.redirect(303, next);
  });

  router.get('/portal/auth/oidc', async (req, res) => {
    if (!o.oidc) throw problems.notFound('OpenID Connect is not configured.');
    const { url, transaction } = await o.oidc.start(safeReturn(req.query.next));
    o.sessions.sealOidc(req, res, transaction);
    res.redirect(303, url.href);
  });

  router.get('/portal/auth/callback', async (req, res) => {
    if (!o.oidc) throw problems.notFound('OpenID Connect is not configured.');
    const v = viewOf(req, o);
    const transaction = o.sessions.openOidc(req, res) as OidcTransaction | undefined;
    if (!transaction || typeof transaction.state !== 'string') {
      sendPage(res, signInPage(v, { next: '/portal', refused: true }), 400);
      return;
    }
    const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : '';
    let who: Awaited<ReturnType<OidcSignIn['finish']>>;
    try {
      who = await o.oidc.finish(query, transaction);
    } catch (err) {
      o.anonymousLog.warn('portal sign-in refused', { via: 'oidc', why: (err as Error).message });
      sendPage(res, signInPage(v, { next: transaction.returnTo, refused: true }), 401);
      return;
    }
    if (who.roles.length === 0) {
      o.anonymousLog.warn('portal sign-in refused', {
        via: 'oidc',
        principal: who.principal,
        why: 'no mapped group',
      });
      sendPage(res, signInPage(v, { next: transaction.returnTo, noRoles: true }), 403);
      return;
    }
    o.sessions.signIn(req, res, { principal: who.principal, roles: who.roles, via: 'oidc' });
    o.log.info('portal sign-in', { principal: who.principal, via: 'oidc', roles: who.roles.join(',') });
    // The provider's redirect was cross-site, so the Strict session cookie would not go with a
    // redirect from here; a same-site hop through this page lets the browser send it.
    const target = safeReturn(transaction.returnTo);
    res
      .status(200)
      .type('html')
      .send(
        renderDocument(
          <html lang={v.lang}>
            <head>
              <meta charset="utf-8" />
              <meta http-equiv="refresh" content={`0;url=${target}`} />
              <title>caseflow</title>
            </head>
            <body>
              <main>
                <a href={target}>{v.t('continue')}</a>
              </main>
            </body>
          </html>,
        ),
      );
  });

  router.post('/portal/sign-out', (req, res) => {
    if (req.principal) o.log.info('portal sign-out', { principal: req.principal.principal });
    o.sessions.anonymous(req, res);
    res.redirect(303, '/portal/sign-in?signed-out=1');
  });
}

const ERROR_TITLES: Partial<Record<number, MessageKey>> = {
  400: 'error.badRequest',
  403: 'error.forbidden',
  404: 'error.notFound',
  429: 'error.tooMany',
};

/**
 * Errors on portal paths, raised by a page or before the portal saw the request (a request target
 * that is too long or cannot be read), answered as a page in the reader's language; to an htmx
 * request, as a message swapped into the page's alert slot. Mounted by the app after the portal.
 */
export function portalErrorPages(
  o: Pick<PortalOptions, 'sessions' | 'timeZone' | 'oidc' | 'log' | 'translateError'>,
) {
  return (err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const translated = asProblem(err, o.translateError);
    if (!translated) {
      o.log.error('portal error', {
        path: req.originalUrl.split('?')[0],
        error: err instanceof Error ? err.message : String(err),
      });
    }
    const problem =
      translated ?? new HttpProblem(500, 'Internal error', 'Something went wrong; it was logged.');
    if (!req.portal) establish(req, res, o);
    const v = viewOf(req, o);
    const status = problem.status;
    const retryAfter = Number(problem.headers['Retry-After']);
    const message =
      status === 429 && retryAfter > 0
        ? v.t('error.retryAfter', { seconds: retryAfter })
        : (problem.detail ?? problem.title);
    const issues = (problem.extra.errors ?? []).map((e) => (
      <li>
        <code>{e.path}</code>: {e.message}
      </li>
    ));
    res.set({ ...PORTAL_HEADERS, ...problem.headers });
    if (req.get('hx-request') === 'true') {
      // htmx puts this into the page's alert slot, whatever the request's own target and selection.
      res.set({ 'HX-Retarget': `#${ALERT_SLOT}`, 'HX-Reswap': 'innerHTML', 'HX-Reselect': '.alert-message' });
      sendFragment(res, <p class="problem alert-message">{message}</p>, status);
      return;
    }
    sendPage(
      res,
      <Layout v={v} title={`${status} ${v.t(ERROR_TITLES[status] ?? 'error.title')}`}>
        <div class="problem" role="alert">
          <p>{message}</p>
          {issues.length > 0 ? <ul>{issues}</ul> : null}
        </div>
        {status === 429 && req.method === 'POST' ? <p>{v.t('error.retryForm')}</p> : null}
        <p>
          <a href="/portal">{v.t('error.home')}</a>
        </p>
      </Layout>,
      status,
    );
  };
}
