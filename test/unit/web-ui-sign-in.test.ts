import { createPublicKey, type JsonWebKey, randomBytes, verify } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import express from 'express';
import { createApp } from '../../src/api/app';
import { WebUiSignIn } from '../../src/api/web-ui-sign-in';
import { loadConfig, webUiSettingsFrom } from '../../src/config';
import { Sealer, Sessions } from '../../src/portal/session';
import { generateKey } from '../../src/api/auth';
import { casePolicySchema } from '../../src/schemas/case-policy-schema';
import { createLogger } from '../../src/logger';
import { EncryptionCodec, parseCodecKeys, payloadFromJson, payloadToJson } from '../../src/temporal/codec';
import { generateVaultKey } from '../../src/vault/keyring';

/*
 * The Temporal Web UI signs in with caseflow as its OpenID provider, step by step as the UI
 * server (github.com/temporalio/ui-server, server/route/auth.go) does it: discovery, the browser
 * at the authorization endpoint (through the portal's sign-in), the code exchanged with the client
 * secret, the ID token checked against the JWKS; then the UI's access token opens payloads.
 */

const codec = new EncryptionCodec(parseCodecKeys(generateVaultKey('c1')));
const auditor = generateKey('auditor-1', ['auditor']);
const ops = generateKey('ops-1', ['service-ops']);
const CLIENT_ID = 'temporal-web-ui';
const CLIENT_SECRET = randomBytes(24).toString('base64url');
const CALLBACK = 'http://127.0.0.1:8233/auth/sso/callback';

let server: Server;
let base: string;
let issuer: string;

beforeAll(async () => {
  server = createServer();
  server.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  issuer = `${base}/web-ui-auth`;
  const app = createApp({
    // The sign-in never talks to Temporal; a lazy connection is never opened.
    client: new Client({
      connection: Connection.lazy({ address: '127.0.0.1:1' }),
      dataConverter: { payloadCodecs: [codec] },
    }),
    keys: [auditor.entry, ops.entry],
    taskQueue: 'unused',
    supportModel: 'customer-led',
    providerName: 'Test',
    policy: casePolicySchema.parse({}),
    maxBodyBytes: 16_384,
    log: createLogger('api', 'silent'),
    portal: { sessionKey: randomBytes(32).toString('base64') },
    webUi: { issuer, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUrl: CALLBACK },
  });
  server.on('request', app);
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const get = (path: string, cookie?: string) =>
  fetch(path.startsWith('http') ? path : `${base}${path}`, {
    redirect: 'manual',
    headers: cookie ? { cookie } : {},
  });
const cookieOf = (res: Response): string =>
  res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');

/** The portal's token sign-in, as a browser walks it; resolves to the session cookie and where it went. */
async function portalSignIn(
  token: string,
  next: string,
): Promise<{ cookie: string; location: string | null }> {
  const page = await get(`/portal/sign-in?next=${encodeURIComponent(next)}`);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
  const res = await fetch(`${base}/portal/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieOf(page) },
    body: new URLSearchParams({ token, next, _csrf: csrf }).toString(),
  });
  expect(res.status).toBe(303);
  return { cookie: cookieOf(res), location: res.headers.get('location') };
}

const authorizeUrl = async (nonce: string, state: string) => {
  const discovery = (await (await get('/web-ui-auth/.well-known/openid-configuration')).json()) as Record<
    string,
    string
  >;
  // What golang.org/x/oauth2's AuthCodeURL builds: spaces as '+'.
  const query = new URLSearchParams({
    client_id: CLIENT_ID,
    redirect_uri: CALLBACK,
    response_type: 'code',
    scope: 'openid profile email',
    state,
    nonce,
  });
  return { discovery, url: `${discovery.authorization_endpoint}?${query.toString()}` };
};

const exchange = (code: string, secret = CLIENT_SECRET, redirectUri = CALLBACK) =>
  fetch(`${issuer}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${encodeURIComponent(secret)}`).toString('base64')}`,
    },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
    }).toString(),
  });

const decode = async (token: string | undefined) =>
  fetch(`${base}/codec/decode`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({
      payloads: (await codec.encode([defaultPayloadConverter.toPayload({ requester: 'Anna Berg' })])).map(
        payloadToJson,
      ),
    }),
  });

/** Verifies an ES256 JWT against the provider's JWKS, as the UI server's go-oidc does. */
async function verifiedClaims(idToken: string, jwksUri: string): Promise<Record<string, unknown>> {
  const [head, body, signature] = idToken.split('.') as [string, string, string];
  const header = JSON.parse(Buffer.from(head, 'base64url').toString()) as { alg: string; kid: string };
  expect(header.alg).toBe('ES256');
  const { keys } = (await (await fetch(jwksUri)).json()) as { keys: (JsonWebKey & { kid: string })[] };
  const jwk = keys.find((k) => k.kid === header.kid);
  expect(jwk).toBeDefined();
  const ok = verify(
    'sha256',
    Buffer.from(`${head}.${body}`),
    { key: createPublicKey({ key: jwk!, format: 'jwk' }), dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64url'),
  );
  expect(ok).toBe(true);
  return JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>;
}

describe('the Web UI signs in with caseflow and opens payloads with its token', () => {
  it('walks discovery, the portal sign-in, the code exchange and the ID token; the access token decodes', async () => {
    const { discovery, url } = await authorizeUrl('n-123', 's-456');
    expect(discovery.issuer).toBe(issuer);
    expect(discovery.token_endpoint).toBe(`${issuer}/token`);

    // Not signed in: to the portal's sign-in, which brings the browser back to the same request.
    const first = await get(url);
    expect(first.status).toBe(303);
    const signInAt = new URL(first.headers.get('location') ?? '', base);
    expect(signInAt.pathname).toBe('/portal/sign-in');
    const next = signInAt.searchParams.get('next') ?? '';
    const { cookie, location } = await portalSignIn(auditor.token, next);
    expect(location).toBe(next);

    const back = await get(next, cookie);
    expect(back.status).toBe(303);
    const callback = new URL(back.headers.get('location') ?? '');
    expect(`${callback.origin}${callback.pathname}`).toBe(CALLBACK);
    expect(callback.searchParams.get('state')).toBe('s-456');
    const code = callback.searchParams.get('code') ?? '';

    const tokenRes = await exchange(code);
    expect(tokenRes.status).toBe(200);
    expect(tokenRes.headers.get('cache-control')).toBe('no-store');
    const tokens = (await tokenRes.json()) as { access_token: string; id_token: string; token_type: string };
    expect(tokens.token_type).toBe('Bearer');
    const claims = await verifiedClaims(tokens.id_token, discovery.jwks_uri ?? '');
    expect(claims).toMatchObject({ iss: issuer, aud: CLIENT_ID, sub: 'auditor-1', nonce: 'n-123' });
    expect(Number(claims.exp)).toBeGreaterThan(Date.now() / 1000);

    // What the UI sends with codec.passAccessToken.
    const opened = await decode(tokens.access_token);
    expect(opened.status).toBe(200);
    const { payloads } = (await opened.json()) as { payloads: Record<string, unknown>[] };
    expect(defaultPayloadConverter.fromPayload(payloadFromJson(payloads[0] ?? {}))).toEqual({
      requester: 'Anna Berg',
    });

    // A code is used once; the token opens payloads and nothing else.
    expect(await (await exchange(code)).json()).toEqual({ error: 'invalid_grant' });
    const v1 = await fetch(`${base}/v1/cases`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(v1.status).toBe(401);
  });

  it('refuses without a sign-in, with a forged or altered token, and for a role that may not read cases', async () => {
    expect((await decode(undefined)).status).toBe(401);
    expect((await decode(`cfui.${randomBytes(60).toString('base64url')}`)).status).toBe(401);

    const { url } = await authorizeUrl('n-1', 's-1');
    const { cookie } = await portalSignIn(ops.token, '/portal');
    const refused = new URL((await get(url, cookie)).headers.get('location') ?? '');
    expect(refused.searchParams.get('error')).toBe('access_denied');
    expect(refused.searchParams.get('code')).toBeNull();

    const signedIn = await portalSignIn(auditor.token, '/portal');
    const code = new URL((await get(url, signedIn.cookie)).headers.get('location') ?? '').searchParams.get(
      'code',
    );
    expect((await exchange(code ?? '', 'not-the-secret-at-all-xxxxxxxx')).status).toBe(401);
    expect(await (await exchange(code ?? '', CLIENT_SECRET, 'http://127.0.0.1:1/cb')).json()).toEqual({
      error: 'invalid_grant',
    });
    const { access_token } = (await (await exchange(code ?? '')).json()) as { access_token: string };
    const at = access_token.length - 2;
    const altered = `${access_token.slice(0, at)}${access_token[at] === 'A' ? 'B' : 'A'}${access_token.slice(at + 1)}`;
    expect((await decode(altered)).status).toBe(401);
    expect((await decode(access_token)).status).toBe(200);
  });

  it('never redirects to a client or callback that is not the registered one', async () => {
    const query = (over: Record<string, string>) =>
      new URLSearchParams({
        client_id: CLIENT_ID,
        redirect_uri: CALLBACK,
        response_type: 'code',
        scope: 'openid',
        state: 's',
        ...over,
      }).toString();
    const foreign: Record<string, string>[] = [
      { redirect_uri: 'http://evil.example/cb' },
      { client_id: 'other' },
    ];
    for (const over of foreign) {
      const res = await get(`/portal/web-ui/authorize?${query(over)}`);
      expect(res.status).toBe(400);
      expect(res.headers.get('location')).toBeNull();
    }
    const implicit = await get(`/portal/web-ui/authorize?${query({ response_type: 'token' })}`);
    expect(new URL(implicit.headers.get('location') ?? '').searchParams.get('error')).toBe(
      'unsupported_response_type',
    );
  });
});

describe('the Web UI reaching the API on an internal address', () => {
  it('sends browsers to the portal’s own origin while the issuer stays the internal one', async () => {
    const internalIssuer = 'http://caseflow-api:3000/web-ui-auth';
    const signIn = new WebUiSignIn(
      {
        issuer: internalIssuer,
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        redirectUrl: CALLBACK,
        portalOrigin: 'http://127.0.0.1:3000',
      },
      new Sealer(randomBytes(32)),
      new Sessions(new Sealer(randomBytes(32)), 60_000),
      createLogger('api', 'silent'),
    );
    const app = express().use(signIn.router());
    const local = createServer(app).listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => local.once('listening', resolve));
    try {
      const port = (local.address() as AddressInfo).port;
      const res = await fetch(`http://127.0.0.1:${port}/web-ui-auth/.well-known/openid-configuration`);
      const discovery = (await res.json()) as Record<string, string>;
      expect(discovery.issuer).toBe(internalIssuer);
      expect(discovery.token_endpoint).toBe(`${internalIssuer}/token`);
      expect(discovery.authorization_endpoint).toBe('http://127.0.0.1:3000/portal/web-ui/authorize');
    } finally {
      await new Promise<void>((resolve) => local.close(() => resolve()));
    }
  });

  it('takes the portal origin from configuration, and only as an origin', () => {
    const env = {
      CASEFLOW_WEB_UI_ISSUER: 'http://caseflow-api:3000/web-ui-auth',
      CASEFLOW_WEB_UI_CLIENT_ID: CLIENT_ID,
      CASEFLOW_WEB_UI_CLIENT_SECRET: CLIENT_SECRET,
      CASEFLOW_WEB_UI_REDIRECT_URL: CALLBACK,
    };
    const settings = webUiSettingsFrom(
      loadConfig({ ...env, CASEFLOW_WEB_UI_PORTAL_ORIGIN: 'https://desk.example.org' }),
    );
    expect(settings?.portalOrigin).toBe('https://desk.example.org');
    expect(webUiSettingsFrom(loadConfig(env))?.portalOrigin).toBeUndefined();
    expect(() =>
      loadConfig({ ...env, CASEFLOW_WEB_UI_PORTAL_ORIGIN: 'https://desk.example.org/portal' }),
    ).toThrow(/origin only/);
    expect(() => loadConfig({ CASEFLOW_WEB_UI_PORTAL_ORIGIN: 'https://desk.example.org' })).toThrow(
      /CASEFLOW_WEB_UI_ISSUER/,
    );
  });
});
