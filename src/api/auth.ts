import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { RequestHandler } from 'express';
import { z } from 'zod';
import { isSystemActorName, type Permission, PERMISSIONS, type Principal } from '../domain/roles';
import { roleSchema } from '../schemas/roles-schema';
import { problems } from './problem';
import { gateAnswer } from './route-access';

const keyEntrySchema = z
  .object({
    principal: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$/, 'letters, digits, dot, underscore, @ or dash (max 128)')
      .refine((name) => !isSystemActorName(name), 'a name the system records as its own actor'),
    roles: z.array(roleSchema).min(1),
    keySha256: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, 'the hex SHA-256 of the token (64 hex digits)')
      .transform((s) => s.toLowerCase()),
  })
  .strict();
export const keysFileSchema = z.array(keyEntrySchema);
export type KeyEntry = z.infer<typeof keysFileSchema>[number];

export class KeysFileError extends Error {
  override name = 'KeysFileError';
}

export const sha256Hex = (value: string): string => createHash('sha256').update(value, 'utf8').digest('hex');

export function parseKeys(json: unknown, source: string): KeyEntry[] {
  const result = keysFileSchema.safeParse(json);
  if (!result.success) {
    const detail = result.error.issues.map((i) => `[${i.path.join('.')}] ${i.message}`).join('; ');
    throw new KeysFileError(`CASEFLOW_API_KEYS_FILE (${source}) is invalid: ${detail}`);
  }
  const seen = new Set<string>();
  for (const entry of result.data) {
    if (seen.has(entry.keySha256)) {
      throw new KeysFileError(`CASEFLOW_API_KEYS_FILE (${source}): two principals share one key`);
    }
    seen.add(entry.keySha256);
  }
  return result.data;
}

export function loadKeysFile(path: string): KeyEntry[] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new KeysFileError(`CASEFLOW_API_KEYS_FILE: cannot read ${path}: ${(err as Error).message}`);
  }
  return parseKeys(json, path);
}

/**
 * Finds the principal a bearer token belongs to. Every entry is compared, whether or not an
 * earlier one matched, and only fixed-length hashes are compared, so timing reveals nothing about
 * which key or how much of it matched.
 */
export function findPrincipal(keys: readonly KeyEntry[], token: string): Principal | undefined {
  const presented = Buffer.from(sha256Hex(token), 'hex');
  let match: KeyEntry | undefined;
  for (const entry of keys) {
    if (timingSafeEqual(presented, Buffer.from(entry.keySha256, 'hex')) && !match) match = entry;
  }
  return match ? { principal: match.principal, roles: [...match.roles] } : undefined;
}

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

const BEARER = /^Bearer ([A-Za-z0-9._~+/=-]{16,512})$/;

/**
 * Authenticates by API key, or by another kind of bearer token `alsoAccept` recognises (the Web
 * UI's access tokens, on the codec endpoint only).
 */
export function authenticate(
  keys: readonly KeyEntry[],
  alsoAccept?: (token: string) => Principal | undefined,
): RequestHandler {
  return (req, res, next) => {
    const header = req.get('authorization');
    if (!header) {
      res.set('WWW-Authenticate', 'Bearer realm="caseflow"');
      throw problems.unauthenticated('Send an API key as "Authorization: Bearer <token>".');
    }
    const token = BEARER.exec(header)?.[1];
    const principal = token ? (alsoAccept?.(token) ?? findPrincipal(keys, token)) : undefined;
    if (!principal) {
      res.set('WWW-Authenticate', 'Bearer realm="caseflow", error="invalid_token"');
      throw problems.unauthenticated('The API key is not valid.');
    }
    req.principal = principal;
    next();
  };
}

export function requirePermission(permission: Permission): RequestHandler {
  return (req, _res, next) => {
    const answer = gateAnswer(req.principal?.roles ?? null, permission);
    if (answer === 401) throw problems.unauthenticated('Authentication required.');
    if (answer === 403) {
      throw problems.forbidden(`This needs one of the roles: ${PERMISSIONS[permission].join(', ')}.`);
    }
    next();
  };
}

/** The authenticated principal of a request that passed `authenticate`. */
export function actorOf(req: { principal?: Principal }): Principal {
  if (!req.principal) throw problems.unauthenticated('Authentication required.');
  return req.principal;
}

export interface GeneratedKey {
  principal: string;
  roles: KeyEntry['roles'];
  token: string;
}

/** A fresh random token for a principal; only its hash is ever stored. */
export function generateKey(principal: string, roles: KeyEntry['roles']): { entry: KeyEntry; token: string } {
  const token = `cf_${randomBytes(32).toString('base64url')}`;
  return { token, entry: { principal, roles, keySha256: sha256Hex(token) } };
}
