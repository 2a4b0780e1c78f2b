import { createCipheriv, createDecipheriv, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { roleSchema } from '../schemas/roles-schema';

/**
 * Portal sessions live in a sealed cookie (AES-256-GCM), so any API process holding the session
 * key can serve any request and nothing is stored server-side. The cookie is HttpOnly,
 * SameSite=Strict and Secure except on loopback; it carries the CSRF token the forms must echo.
 */

export const SESSION_COOKIE = 'cf_session';
/** Holds the OpenID Connect transaction (state, nonce, PKCE verifier) for the round trip only. */
export const OIDC_COOKIE = 'cf_oidc';
export const LANG_COOKIE = 'cf_lang';

const sessionSchema = z.object({
  csrf: z.string(),
  /** Absent on an anonymous session (the sign-in page still needs a CSRF token). */
  principal: z.string().optional(),
  roles: z.array(roleSchema).optional(),
  via: z.enum(['token', 'oidc']).optional(),
  /** Epoch ms after which the session no longer counts as signed in. */
  expiresAt: z.number(),
});
export type Session = z.infer<typeof sessionSchema>;

export class Sealer {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('the session key must be 32 bytes');
  }

  seal(value: unknown, purpose: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(purpose));
    const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
  }

  open(sealed: string | undefined, purpose: string): unknown {
    if (!sealed || sealed.length > 8192) return undefined;
    try {
      const raw = Buffer.from(sealed, 'base64url');
      if (raw.length < 29) return undefined;
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
      decipher.setAAD(Buffer.from(purpose));
      decipher.setAuthTag(raw.subarray(raw.length - 16));
      const text = Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]);
      return JSON.parse(text.toString('utf8')) as unknown;
    } catch {
      return undefined;
    }
  }
}

/** Cookie values by name, from the raw header (express parses none by itself). */
export function readCookies(req: Request): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (!(name in out)) out[name] = value;
  }
  return out;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;
const LOOPBACK_HOST = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/;
/**
 * Served to a browser on this machine (npm start, tests): plain http, so cookies cannot be
 * Secure. Both the socket and the Host must be loopback: behind a reverse proxy on the same host
 * the Host is the public name, and the cookie stays Secure.
 */
export const onLoopback = (req: Request): boolean =>
  LOOPBACK.test(req.socket.localAddress ?? '') &&
  LOOPBACK_HOST.test((req.get('host') ?? '').replace(/:\d+$/, ''));

export function setCookie(
  req: Request,
  res: Response,
  name: string,
  value: string,
  options: { maxAgeSeconds?: number; sameSite?: 'Strict' | 'Lax'; path?: string } = {},
): void {
  const parts = [
    `${name}=${value}`,
    `Path=${options.path ?? '/portal'}`,
    'HttpOnly',
    `SameSite=${options.sameSite ?? 'Strict'}`,
  ];
  if (options.maxAgeSeconds !== undefined) parts.push(`Max-Age=${options.maxAgeSeconds}`);
  if (!onLoopback(req)) parts.push('Secure');
  res.append('Set-Cookie', parts.join('; '));
}

export const newCsrfToken = (): string => randomBytes(32).toString('base64url');

export function sameToken(a: string | undefined, b: string | undefined): boolean {
  if (typeof a !== 'string' || typeof b !== 'string' || a.length === 0) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class Sessions {
  constructor(
    private readonly sealer: Sealer,
    readonly lifetimeMs: number,
  ) {}

  read(req: Request): Session | undefined {
    const parsed = sessionSchema.safeParse(this.sealer.open(readCookies(req)[SESSION_COOKIE], 'session'));
    return parsed.success ? parsed.data : undefined;
  }

  write(req: Request, res: Response, session: Session): void {
    setCookie(req, res, SESSION_COOKIE, this.sealer.seal(session, 'session'));
  }

  /** A signed-in session gets a fresh CSRF token, so a token seen before sign-in is worthless after. */
  signIn(
    req: Request,
    res: Response,
    who: { principal: string; roles: Session['roles']; via: 'token' | 'oidc' },
  ): Session {
    const session: Session = { csrf: newCsrfToken(), ...who, expiresAt: Date.now() + this.lifetimeMs };
    this.write(req, res, session);
    return session;
  }

  anonymous(req: Request, res: Response): Session {
    const session: Session = { csrf: newCsrfToken(), expiresAt: Date.now() + this.lifetimeMs };
    this.write(req, res, session);
    return session;
  }

  sealOidc(req: Request, res: Response, value: unknown): void {
    // Lax, because the provider sends the browser back with a cross-site redirect.
    setCookie(req, res, OIDC_COOKIE, this.sealer.seal(value, 'oidc'), {
      maxAgeSeconds: 600,
      sameSite: 'Lax',
      path: '/portal/auth',
    });
  }

  openOidc(req: Request, res: Response): unknown {
    const value = this.sealer.open(readCookies(req)[OIDC_COOKIE], 'oidc');
    setCookie(req, res, OIDC_COOKIE, '', { maxAgeSeconds: 0, sameSite: 'Lax', path: '/portal/auth' });
    return value;
  }
}
