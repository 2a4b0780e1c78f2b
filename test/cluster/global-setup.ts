import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startCluster } from '../../scripts/lib/cluster';
import { temporalCliPath } from '../../scripts/tools';
import { generateKey, type KeyEntry } from '../../src/api/auth';
import { SEARCH_ATTRIBUTE_KEYS_SETTING } from '../../src/temporal/personal-index';
import { generateVaultKey } from '../../src/vault/keyring';
import { CLUSTER_PRINCIPAL_SETS, PRINCIPALS, type ClusterContext } from '../support/harness';
import { startPartyServer } from '../support/party-server';
import { freePort } from '../support/ports';
import { startWebhookReceiver } from '../support/webhook-receiver';

/**
 * The cluster profile (scripts/lib/cluster.ts) on free loopback ports, with the parties the
 * integration suite expects (notification receiver, device webhook, escalation targets), two
 * caseflow workers and two API processes. The integration tests' harness sees `cluster` and talks
 * to those API processes (alternating between them) instead of starting an API of its own.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const baseDir = mkdtempSync(join(tmpdir(), 'caseflow-cluster-'));
  // PostgreSQL runs as its own account and must reach its data directory inside.
  chmodSync(baseDir, 0o711);
  const notifySecret = randomBytes(32).toString('hex');
  const receiver = await startWebhookReceiver(notifySecret);
  const deviceSecret = randomBytes(24).toString('hex');
  const deviceReceiver = await startWebhookReceiver(deviceSecret);
  const partySecret = randomBytes(24).toString('hex');
  const partyNames = ['service-ops', 'microsoft-channel', 'vendor'] as const;
  const parties = await Promise.all(
    partyNames.map((name) => startPartyServer({ secret: partySecret, name })),
  );
  const escalationTargets = Object.fromEntries(
    parties.map((p, i) => [partyNames[i], { url: `${p.url}/escalations`, secret: partySecret }]),
  );
  // Principals the tests sign in as, issued up front: the API processes read their keys once.
  const keys: KeyEntry[] = [];
  const principalSets: ClusterContext['principalSets'] = [];
  for (let set = 0; set < CLUSTER_PRINCIPAL_SETS; set++) {
    const suffix = randomUUID().slice(0, 8);
    const principals: ClusterContext['principalSets'][number] = {};
    for (const [name, roles] of Object.entries(PRINCIPALS)) {
      const { entry, token } = generateKey(`${name}-${suffix}`, roles);
      keys.push(entry);
      principals[name] = { principal: entry.principal, token, roles };
    }
    principalSets.push(principals);
  }
  const keysFile = join(baseDir, 'api-keys.json');
  writeFileSync(keysFile, JSON.stringify(keys), { mode: 0o600 });
  const taskQueue = `caseflow-cluster-${randomUUID()}`;
  const vaultKeys = generateVaultKey('ct1');
  const codecKeys = `${generateVaultKey('codec2')},${generateVaultKey('codec1')}`;
  const archiveDir = join(baseDir, 'archive');
  // Temporal stores membership ports as smallint: every port stays below 32768 (the OS's free
  // ports come from the ephemeral range above it).
  const port = () => freePort();
  const cluster = await startCluster({
    baseDir,
    ports: {
      postgres: await port(),
      frontend: await port(),
      frontendHttp: await port(),
      frontendMembership: await port(),
      history: await port(),
      historyMembership: await port(),
      matching: await port(),
      matchingMembership: await port(),
      worker: await port(),
      workerMembership: await port(),
      ui: await port(),
      apis: [await port(), await port()],
    },
    workers: 2,
    ui: false,
    echoProcessOutput: false,
    log: (line) => console.log(`[cluster] ${line}`),
    caseflowEnv: {
      CASEFLOW_DATA_DIR: join(baseDir, 'caseflow'),
      CASEFLOW_API_KEYS_FILE: keysFile,
      CASEFLOW_TASK_QUEUE: taskQueue,
      CASEFLOW_VAULT_KEYS: vaultKeys,
      CASEFLOW_CODEC_KEYS: codecKeys,
      [SEARCH_ATTRIBUTE_KEYS_SETTING]: `${generateVaultKey('sa2')},${generateVaultKey('sa1')}`,
      CASEFLOW_NOTIFY_URLS: `${receiver.url}/hooks/caseflow`,
      CASEFLOW_NOTIFY_SECRET: notifySecret,
      CASEFLOW_DEVICE_WEBHOOK_URL: `${deviceReceiver.url}/device`,
      CASEFLOW_DEVICE_WEBHOOK_SECRET: deviceSecret,
      CASEFLOW_ESCALATION_TARGETS: JSON.stringify(escalationTargets),
      CASEFLOW_ARCHIVE_DIR: archiveDir,
      CASEFLOW_SUPPORT_MODEL: 'partner-led',
      CASEFLOW_PROVIDER_NAME: 'Test Provider AB',
      CASEFLOW_MAX_BODY_BYTES: '16384',
      CASEFLOW_ADMIN_CONTACTS: JSON.stringify({
        devices: 'it-devices@example.org',
        'app-packaging': 'apps@example.org',
        other: 'it@example.org',
      }),
      CASEFLOW_LOG_LEVEL: 'debug',
    },
  });
  const context: ClusterContext = {
    apiUrls: cluster.apiUrls,
    apiLogFiles: cluster.apiUrls.map((_, i) => join(baseDir, 'logs', `caseflow-api-${i + 1}.log`)),
    temporalEnv: cluster.temporalEnv,
    codecKeys,
    principalSets,
    claimDir: join(baseDir, 'claims'),
    baseDir,
    postgresPort: cluster.postgres.port,
  };
  project.provide('cluster', JSON.stringify(context));
  project.provide('temporalAddress', cluster.frontendAddress);
  project.provide('temporalNamespace', cluster.namespace);
  project.provide('taskQueue', taskQueue);
  project.provide('temporalCli', temporalCliPath);
  project.provide('webhookReceiverUrl', receiver.url);
  project.provide('vaultFile', '');
  project.provide('vaultKeys', vaultKeys);
  project.provide('deviceReceiverUrl', deviceReceiver.url);
  project.provide('escalationTargets', JSON.stringify(escalationTargets));
  project.provide('archiveDir', archiveDir);

  return async () => {
    await cluster.stop();
    await receiver.close();
    await deviceReceiver.close();
    await Promise.all(parties.map((p) => p.close()));
    rmSync(baseDir, { recursive: true, force: true });
  };
}
