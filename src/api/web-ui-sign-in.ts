import {
  createHash,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
  timingSafeEqual,
} from 'node:crypto';
import express, { type Request, type RequestHandler, type Response, Router } from 'express';
import { z } from 'zod';
import { isAllowed, type Principal } from '../domain/roles';
import { roleSchema } from '../schemas/roles-schema';
import type { Logger } from '../logger';
import type { Sealer, Sessions } from '../portal/session';
import { problems } from './problem';

/*
 * caseflow as the OpenID Connect provider of the Temporal Web UI, so operators sign in to the UI
 * with caseflow's own sign-in (the portal's: an API token on the embedded default, the
 * organisation's OpenID Connect where configured) and the UI opens sealed payloads at
 * /codec/decode with the access token it got (the UI server's `codec.passAccessToken`).
 *
 * The UI server (github.com/temporalio/ui-server, `auth.providers[0]`, type oidc) discovers
 * `<issuer>/.well-known/openid-configuration`, sends the browser to the authorization endpoint with
 * state and nonce, exchanges the code at the token endpoint with its client secret and checks
 * the ID token's signature against the JWKS, its issuer, audience and nonce.
 *
 * - The authorization endpoint is a portal page (`/portal/web-ui/authorize`), so it sees the
 *   portal's session cookie: a signed-in principal allowed to read cases gets a code at once;
 *   anyone else signs in to the portal first and comes back.
 * - Codes and access tokens are sealed (AES-256-GCM) with the portal's session key, so every API
 *   process sharing CASEFLOW_SESSION_KEY accepts them; a code lives a minute and is used once.
 * - An access token opens payloads at /codec/decode and nothing else: the /v1 API still wants an
 *   API key. ID tokens are signed ES256 with a key made at start (the UI server fetches the JWKS
 *   again for a key id it does not know).
 */

export const WEB_UI_AUTH_PATH = '/web-ui-auth';
export const WEB_UI_AUTHORIZE_PATH = '/portal/web-ui/authorize';
/** Access tokens start so, which tells them from API keys before anything is opened. */
const ACCESS_TOKEN_PREFIX = 'cfui.';
const CODE_SECONDS = 60;

export interface WebUiSignInSettings {
  /** This provider's issuer URL as the UI server reaches it: `<API origin>/web-ui-auth`. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The UI server's callback, e.g. http://127.0.0.1:8233/auth/sso/callback. */
  redirectUrl: string;
  /**
   * Where browsers reach the portal, when not at the issuer's origin: the UI server may reach the
   * API on an internal address (a container network) that browsers cannot.
   */
  portalOrigin?: string;
}

const codeSchema = z.object({
  sub: z.string(),
  roles: z.array(roleSchema),
  cid: z.string(),
  uri: z.string(),
  nonce: z.string().optional(),
  exp: z.number(),
  jti: z.string(),
});
const accessSchema = z.object({ sub: z.string(), roles: z.array(roleSchema), exp: z.number() });

const sameSecret = (a: string, b: string): boolean =>
  timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());

/** RFC 3986 unreserved characters only, so the portal's sign-in takes the URL back as `next`. */
const strictEncode = (value: string): string =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

const base64url = (value: Buffer | string): string => Buffer.from(value).toString('base64url');

export class WebUiSignIn {
  readonly #signingKey: KeyObject;
  readonly #publicJwk: Record<string, unknown>;
  readonly #keyId: string;
  /** Codes already exchanged (by id, until they expire anyway). */
  readonly #usedCodes = new Map<string, number>();

  constructor(
    readonly settings: WebUiSignInSettings,
    private readonly sealer: Sealer,
    private readonly sessions: Sessions,
    private readonly log: Logger,
  ) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.#signingKey = privateKey;
    const jwk = publicKey.export({ format: 'jwk' });
    this.#keyId = createHash('sha256').update(JSON.stringify(jwk)).digest('base64url').slice(0, 16);
    this.#publicJwk = { ...jwk, kid: this.#keyId, alg: 'ES256', use: 'sig' };
  }

  /** The principal an access token was issued to, while it is valid; undefined for anything else. */
  principalOf(token: string): Principal | undefined {
    if (!token.startsWith(ACCESS_TOKEN_PREFIX)) return undefined;
    const opened = accessSchema.safeParse(
      this.sealer.open(token.slice(ACCESS_TOKEN_PREFIX.length), 'web-ui-access'),
    );
    if (!opened.success || opened.data.exp <= Date.now()) return undefined;
    return { principal: opened.data.sub, roles: opened.data.roles };
  }

  router(): Router {
    const router = Router();
    const { issuer, portalOrigin } = this.settings;
    const origin = portalOrigin ?? new URL(issuer).origin;
    router.get(`${WEB_UI_AUTH_PATH}/.well-known/openid-configuration`, (_req, res) => {
      res.json({
        issuer,
        authorization_endpoint: `${origin}${WEB_UI_AUTHORIZE_PATH}`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        grant_types_supported: ['authorization_code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['ES256'],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
        scopes_supported: ['openid', 'profile', 'email'],
        claims_supported: ['sub', 'name', 'preferred_username'],
      });
    });
    router.get(`${WEB_UI_AUTH_PATH}/jwks`, (_req, res) => {
      res.json({ keys: [this.#publicJwk] });
    });
    router.get(WEB_UI_AUTHORIZE_PATH, this.authorize);
    router.post(
      `${WEB_UI_AUTH_PATH}/token`,
      express.urlencoded({ extended: false, limit: 8192, parameterLimit: 20 }),
      this.token,
    );
    return router;
  }

  private readonly authorize: RequestHandler = (req, res) => {
    const q = (name: string): string | undefined =>
      typeof req.query[name] === 'string' ? req.query[name] : undefined;
    // A client or callback that is not the registered one never gets a redirect.
    if (q('client_id') !== this.settings.clientId || q('redirect_uri') !== this.settings.redirectUrl) {
      throw problems.badRequest('Unknown client_id or redirect_uri for the Web UI sign-in.');
    }
    const back = (params: Record<string, string | undefined>) => {
      const url = new URL(this.settings.redirectUrl);
      for (const [name, value] of Object.entries({ ...params, state: q('state') })) {
        if (value !== undefined) url.searchParams.set(name, value);
      }
      res.redirect(303, url.href);
    };
    if (q('response_type') !== 'code') return back({ error: 'unsupported_response_type' });
    if (!(q('scope') ?? '').split(' ').includes('openid')) return back({ error: 'invalid_scope' });

    const session = this.sessions.read(req);
    if (!session?.principal || !session.roles || session.expiresAt <= Date.now()) {
      // Sign in to the portal first, then back here with the same request.
      const params = ['response_type', 'client_id', 'redirect_uri', 'scope', 'state', 'nonce']
        .flatMap((name) => {
          const value = q(name);
          return value === undefined ? [] : [`${name}=${strictEncode(value)}`];
        })
        .join('&');
      const next = `${WEB_UI_AUTHORIZE_PATH}?${params}`;
      return res.redirect(303, `/portal/sign-in?next=${strictEncode(next)}`);
    }
    const principal: Principal = { principal: session.principal, roles: session.roles };
    if (!isAllowed(principal, 'case:read')) {
      this.log.warn('web ui sign-in refused', { principal: principal.principal });
      return back({ error: 'access_denied', error_description: 'This role may not read cases.' });
    }
    const code = this.sealer.seal(
      {
        sub: principal.principal,
        roles: principal.roles,
        cid: this.settings.clientId,
        uri: this.settings.redirectUrl,
        nonce: q('nonce'),
        exp: Date.now() + CODE_SECONDS * 1000,
        jti: randomBytes(16).toString('base64url'),
      } satisfies z.infer<typeof codeSchema>,
      'web-ui-code',
    );
    this.log.info('web ui sign-in', { principal: principal.principal });
    return back({ code });
  };

  private readonly token: RequestHandler = (req, res) => {
    res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
    const body = (req.body ?? {}) as Record<string, unknown>;
    const client = clientCredentials(req, body);
    if (
      !client ||
      !sameSecret(client.id, this.settings.clientId) ||
      !sameSecret(client.secret, this.settings.clientSecret)
    ) {
      res.set('WWW-Authenticate', 'Basic realm="caseflow web ui"');
      return oauthError(res, 401, 'invalid_client');
    }
    if (body.grant_type !== 'authorization_code') return oauthError(res, 400, 'unsupported_grant_type');
    const opened = codeSchema.safeParse(
      typeof body.code === 'string' ? this.sealer.open(body.code, 'web-ui-code') : undefined,
    );
    const now = Date.now();
    for (const [jti, exp] of this.#usedCodes) if (exp <= now) this.#usedCodes.delete(jti);
    if (
      !opened.success ||
      opened.data.exp <= now ||
      opened.data.cid !== this.settings.clientId ||
      opened.data.uri !== body.redirect_uri ||
      this.#usedCodes.has(opened.data.jti)
    ) {
      return oauthError(res, 400, 'invalid_grant');
    }
    const code = opened.data;
    this.#usedCodes.set(code.jti, code.exp);
    const lifetimeSeconds = Math.floor(this.sessions.lifetimeMs / 1000);
    const exp = now + lifetimeSeconds * 1000;
    const accessToken =
      ACCESS_TOKEN_PREFIX +
      this.sealer.seal(
        { sub: code.sub, roles: code.roles, exp } satisfies z.infer<typeof accessSchema>,
        'web-ui-access',
      );
    res.json({
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: lifetimeSeconds,
      id_token: this.idToken(code, now, exp),
    });
  };

  private idToken(code: z.infer<typeof codeSchema>, now: number, exp: number): string {
    const header = { alg: 'ES256', typ: 'JWT', kid: this.#keyId };
    const claims = {
      iss: this.settings.issuer,
      sub: code.sub,
      aud: this.settings.clientId,
      iat: Math.floor(now / 1000),
      exp: Math.floor(exp / 1000),
      ...(code.nonce !== undefined ? { nonce: code.nonce } : {}),
      name: code.sub,
      preferred_username: code.sub,
    };
    const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
    const signature = sign('sha256', Buffer.from(input), {
      key: this.#signingKey,
      dsaEncoding: 'ieee-p1363',
    });
    return `${input}.${base64url(signature)}`;
  }
}

/** HTTP Basic (form-encoded id and secret, RFC 6749 2.3.1) or client_secret_post. */
function clientCredentials(
  req: Request,
  body: Record<string, unknown>,
): { id: string; secret: string } | undefined {
  const basic = /^Basic ([A-Za-z0-9+/=]{1,1024})$/.exec(req.get('authorization') ?? '')?.[1];
  const formDecode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
  if (basic) {
    const text = Buffer.from(basic, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    if (colon < 0) return undefined;
    try {
      return { id: formDecode(text.slice(0, colon)), secret: formDecode(text.slice(colon + 1)) };
    } catch {
      return undefined;
    }
  }
  return typeof body.client_id === 'string' && typeof body.client_secret === 'string'
    ? { id: body.client_id, secret: body.client_secret }
    : undefined;
}

function oauthError(res: Response, status: number, error: string): void {
  res.status(status).json({ error });
}
