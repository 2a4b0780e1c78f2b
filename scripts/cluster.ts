import path from 'node:path';
import { ensureDevKeys } from '../src/api/dev-keys';
import { ConfigError, loadConfig } from '../src/config';
import { SEARCH_ATTRIBUTE_KEYS_SETTING } from '../src/temporal/personal-index';
import { ensureDevKeyring, ensureDevVaultKeys } from '../src/vault-setup';
import { generateVaultKey } from '../src/vault/keyring';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { type RunningCluster, startCluster } from './lib/cluster';

/**
 * `npm run cluster`: the scaled topology on this machine (see scripts/lib/cluster.ts). State is
 * kept under <data dir>/cluster, so cases, certificates and keys survive a restart. Ports count
 * up from CASEFLOW_CLUSTER_BASE_PORT (default 17000). Ctrl-C stops everything, caseflow first.
 */

const base = Number(process.env.CASEFLOW_CLUSTER_BASE_PORT ?? 17000);

/** Like the vault's development key: made once, 0600, for this profile on this machine only. */
function ensureCodecKeys(dir: string): string {
  const file = path.join(dir, 'codec.dev.keys');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dir, { recursive: true });
  const keys = generateVaultKey('codec1');
  writeFileSync(`${file}.tmp`, `${keys}\n`, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
  return keys;
}

let cluster: RunningCluster | undefined;
let stopping = false;

async function stop(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    console.log('[cluster] stopping…');
    await cluster?.stop();
  }
  process.exit(code);
}

async function main(): Promise<void> {
  const config = loadConfig();
  const baseDir = path.join(config.dataDir, 'cluster');
  const dataDir = path.join(baseDir, 'caseflow');
  const devTokens = config.apiKeysFile ? undefined : ensureDevKeys(dataDir);
  cluster = await startCluster({
    baseDir,
    ports: {
      postgres: base,
      frontend: base + 233,
      frontendHttp: base + 243,
      frontendMembership: base + 933,
      history: base + 234,
      historyMembership: base + 934,
      matching: base + 235,
      matchingMembership: base + 935,
      worker: base + 239,
      workerMembership: base + 939,
      ui: base + 80,
      apis: [base + 1, base + 2],
    },
    workers: 2,
    ui: true,
    echoProcessOutput: true,
    log: (line) => console.log(`[cluster] ${line}`),
    caseflowEnv: {
      CASEFLOW_DATA_DIR: dataDir,
      CASEFLOW_API_KEYS_FILE: config.apiKeysFile ?? devTokens?.path,
      CASEFLOW_VAULT_KEYS: config.vaultKeys ?? ensureDevVaultKeys(dataDir),
      CASEFLOW_CODEC_KEYS: process.env.CASEFLOW_CODEC_KEYS ?? ensureCodecKeys(dataDir),
      [SEARCH_ATTRIBUTE_KEYS_SETTING]:
        process.env[SEARCH_ATTRIBUTE_KEYS_SETTING] ??
        ensureDevKeyring(dataDir, 'search-attributes.dev.keys', 'sa1'),
    },
  });
  void cluster.unexpectedExit.then(() => stop(1));
  const lines = [
    '',
    'caseflow cluster profile is up (everything on loopback)',
    `  PostgreSQL          ${cluster.postgres.url('postgres')}   (data in ${cluster.postgres.dataDir})`,
    `  Temporal frontend   ${cluster.frontendAddress}   mTLS only: ${cluster.tls.ca}, ${cluster.tls.cert}, ${cluster.tls.key}`,
    `  Temporal services   history, matching, worker (4 history shards); logs in ${path.join(baseDir, 'logs')}`,
    `  Temporal Web UI     ${cluster.uiUrl}   (codec endpoint ${cluster.apiUrls[0]}/codec)`,
    ...cluster.apiUrls.map((url, i) => `  caseflow API ${i + 1}      ${url}   (reference: ${url}/docs)`),
    '  caseflow workers    2, sharing the PostgreSQL vault and the payload codec',
    '',
    'A client of this cluster needs:',
    ...Object.entries(cluster.temporalEnv).map(([name, value]) => `  ${name}=${value}`),
    '',
  ];
  if (devTokens?.created) {
    lines.push('Sign in with "Authorization: Bearer <token>". Development tokens (shown only this once):');
    for (const k of devTokens.created)
      lines.push(`  ${k.principal.padEnd(20)} roles ${k.roles.join(',').padEnd(16)} ${k.token}`);
  } else if (devTokens) {
    lines.push(`Sign in with the development tokens printed when ${devTokens.path} was created.`);
  }
  lines.push('Press Ctrl-C to stop.', '');
  console.log(lines.join('\n'));
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void stop(0));

main().catch(async (error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : `[cluster] ${(error as Error).message}`);
  await stop(1);
});
