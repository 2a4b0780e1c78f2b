import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ROLES } from '../domain/roles';
import { generateKey, type GeneratedKey } from './auth';

export const DEV_KEYS_FILENAME = 'api-keys.dev.json';

/**
 * For the embedded default only: one principal per role, so a newcomer can sign in at once.
 * The tokens are returned (to be shown once) and only their hashes are written.
 */
export function ensureDevKeys(dataDir: string): { path: string; created: GeneratedKey[] | null } {
  const path = join(dataDir, DEV_KEYS_FILENAME);
  if (existsSync(path)) return { path, created: null };
  const keys = ROLES.map((role) => ({ ...generateKey(`dev-${role}`, [role]), role }));
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(
    tmp,
    `${JSON.stringify(
      keys.map((k) => k.entry),
      null,
      2,
    )}\n`,
    { mode: 0o600 },
  );
  renameSync(tmp, path);
  return {
    path,
    created: keys.map((k) => ({ principal: k.entry.principal, roles: k.entry.roles, token: k.token })),
  };
}
