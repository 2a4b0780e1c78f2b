import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config';
import { openVault } from '../vault-setup';
import { generateVaultKey } from '../vault/keyring';

const USAGE = `caseflow keys — key rotation for the credential vault and the payload codec

  npm run keys -- new <key id>          prints a new keyId:base64key entry (32 random bytes)
  npm run keys -- reencrypt-vault       re-seals every vault secret under the current (first) key

Rotation: put the new entry FIRST in CASEFLOW_VAULT_KEYS (or CASEFLOW_CODEC_KEYS), keep the old
ones after it, restart every worker and API, run reencrypt-vault, then drop the old vault key.
Codec keys are never dropped while a history sealed with them is kept: histories are immutable.
The file vault allows one writer process: stop the worker before reencrypt-vault there. The
PostgreSQL vault (CASEFLOW_VAULT_URL) re-seals row by row while everything keeps running.`;

async function main(argv: string[]): Promise<number> {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true });
  const [command, argument] = positionals;
  if (command === 'new' && argument) {
    console.log(generateVaultKey(argument));
    return 0;
  }
  if (command === 'reencrypt-vault') {
    const vault = openVault(loadConfig(), 'writer');
    if (!vault) {
      console.error('CASEFLOW_VAULT_KEYS is not set: there is no vault to re-encrypt');
      return 1;
    }
    try {
      const rewritten = await vault.reencryptAll();
      console.log(`re-sealed ${rewritten} secret(s) under the current key`);
    } finally {
      await (vault as { close?: () => Promise<void> }).close?.();
    }
    return 0;
  }
  console.error(USAGE);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof ConfigError ? error.message : `keys: ${(error as Error).message}`);
    process.exit(1);
  },
);
