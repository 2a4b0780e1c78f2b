import * as oidc from 'openid-client';
import { z } from 'zod';
import { isSystemActorName, type Role } from '../domain/roles';
import { roleSchema } from '../schemas/roles-schema';

/**
 * OpenID Connect sign-in (authorization code with PKCE, state and nonce) through openid-client,
 * so an organisation signs in with Entra ID or any other provider. Roles come from the groups in
 * the ID token (or the userinfo answer), mapped in configuration; a user in no mapped group is
 * refused, never given a default role.
 */

export const oidcSettingsSchema = z
  .object({
    issuer: z.url({ protocol: /^https?$/ }),
    clientId: z.string().min(1),
    /** Absent: a public client, authenticated by PKCE alone. */
    clientSecret: z.string().min(1).optional(),
    /** The portal's callback as the provider knows it: <public origin>/portal/auth/callback. */
    redirectUrl: z.url({ protocol: /^https?$/ }),
    scopes: z.string().default('openid profile email'),
    groupsClaim: z.string().min(1).default('groups'),
    /** Which claim names the principal recorded as the actor (falls back to email, then sub). */
    principalClaim: z.string().min(1).default('preferred_username'),
    /** Group (name or object id, as the provider sends it) → caseflow roles. */
    groupRoles: z.record(z.string(), z.array(roleSchema).min(1)),
  })
  .strict();
export type OidcSettings = z.output<typeof oidcSettingsSchema>;

/** What the round trip to the provider must remember; sealed in a short-lived cookie. */
export interface OidcTransaction {
  state: string;
  nonce: string;
  verifier: string;
  returnTo: string;
}

const PRINCIPAL = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$/;

export class OidcError extends Error {
  override name = 'OidcError';
}

/** The roles a user's groups grant, in the order of ROLES; unknown groups grant nothing. */
export function rolesFromGroups(groups: readonly string[], groupRoles: OidcSettings['groupRoles']): Role[] {
  const granted = new Set<Role>();
  for (const group of groups) for (const role of groupRoles[group] ?? []) granted.add(role);
  return roleSchema.options.filter((role) => granted.has(role));
}

function claimStrings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

export function principalFrom(claims: Record<string, unknown>, principalClaim: string): string {
  for (const name of [principalClaim, 'email', 'sub']) {
    const value = claims[name];
    // A name the system records as its own actor would pass for it on the record.
    if (typeof value === 'string' && PRINCIPAL.test(value) && !isSystemActorName(value)) return value;
  }
  throw new OidcError('The provider sent no usable user name (preferred_username, email or sub).');
}

const isLoopbackHttp = (url: URL) =>
  url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);

export class OidcSignIn {
  private configuration: Promise<oidc.Configuration> | undefined;

  constructor(readonly settings: OidcSettings) {}

  private config(): Promise<oidc.Configuration> {
    const issuer = new URL(this.settings.issuer);
    this.configuration ??= oidc
      .discovery(
        issuer,
        this.settings.clientId,
        this.settings.clientSecret,
        this.settings.clientSecret ? undefined : oidc.None(),
        // Plain http only for a provider on this machine (development and tests).
        isLoopbackHttp(issuer) ? { execute: [oidc.allowInsecureRequests] } : undefined,
      )
      .catch((err: unknown) => {
        this.configuration = undefined;
        throw err;
      });
    return this.configuration;
  }

  async start(returnTo: string): Promise<{ url: URL; transaction: OidcTransaction }> {
    const config = await this.config();
    const transaction: OidcTransaction = {
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      verifier: oidc.randomPKCECodeVerifier(),
      returnTo,
    };
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.settings.redirectUrl,
      scope: this.settings.scopes,
      code_challenge: await oidc.calculatePKCECodeChallenge(transaction.verifier),
      code_challenge_method: 'S256',
      state: transaction.state,
      nonce: transaction.nonce,
    });
    return { url, transaction };
  }

  /** Redeems the code the provider sent back; answers who signed in and with which roles. */
  async finish(
    query: string,
    transaction: OidcTransaction,
  ): Promise<{ principal: string; roles: Role[]; groups: string[] }> {
    const config = await this.config();
    const current = new URL(this.settings.redirectUrl);
    current.search = query;
    const tokens = await oidc.authorizationCodeGrant(config, current, {
      pkceCodeVerifier: transaction.verifier,
      expectedState: transaction.state,
      expectedNonce: transaction.nonce,
      idTokenExpected: true,
    });
    let claims: Record<string, unknown> = { ...tokens.claims() };
    if (claims[this.settings.groupsClaim] === undefined) {
      const info = await oidc.fetchUserInfo(config, tokens.access_token, String(claims.sub));
      claims = { ...info, ...claims };
    }
    const groups = claimStrings(claims[this.settings.groupsClaim]);
    const principal = principalFrom(claims, this.settings.principalClaim);
    return { principal, roles: rolesFromGroups(groups, this.settings.groupRoles), groups };
  }
}
