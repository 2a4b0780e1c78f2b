import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { temporalCliPath } from '../../scripts/tools';
import { createFileVault } from '../../src/vault/credential-vault';
import { createWebhookDeviceAdapter } from '../../src/vault/device-adapters';
import { generateVaultKey, parseVaultKeys } from '../../src/vault/keyring';
import { bundleWorkflows, createCaseflowWorker } from '../../src/worker';
import { startTestDevServer } from '../support/dev-server';
import { startPartyServer } from '../support/party-server';
import { startWebhookReceiver } from '../support/webhook-receiver';

/**
 * The browser tests' stack, as the embedded default runs it: a real Temporal dev server, one real
 * worker and vault, and no endpoint for service operations, so their escalations land in the
 * portal's in-app inbox. The vendor and the Microsoft channel are real local HTTP parties.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // The integration group's setup runs in this process too and installed it already.
  }
  const server = await startTestDevServer();
  const connection = await NativeConnection.connect({ address: server.address });
  const taskQueue = `caseflow-browser-${randomUUID()}`;
  const notifySecret = randomBytes(32).toString('hex');
  const receiver = await startWebhookReceiver(notifySecret);
  const dir = mkdtempSync(join(tmpdir(), 'caseflow-browser-'));
  const vaultKeys = generateVaultKey('br1');
  const vaultFile = join(dir, 'vault.json');
  const deviceSecret = randomBytes(24).toString('hex');
  const deviceReceiver = await startWebhookReceiver(deviceSecret);
  const partySecret = randomBytes(24).toString('hex');
  const external = ['microsoft-channel', 'vendor'] as const;
  const parties = await Promise.all(external.map((name) => startPartyServer({ secret: partySecret, name })));
  const escalationTargets = Object.fromEntries(
    parties.map((p, i) => [external[i], { url: `${p.url}/escalations`, secret: partySecret }]),
  );
  const archiveDir = join(dir, 'archive');
  const archiveClient = new Client({ connection: await Connection.connect({ address: server.address }) });
  const worker = await createCaseflowWorker({
    connection,
    namespace: 'default',
    taskQueue,
    workflowBundle: await bundleWorkflows(),
    activityDeps: {
      notifications: { webhooks: [{ url: `${receiver.url}/hooks/caseflow` }], secret: notifySecret },
      elevation: {
        vault: createFileVault({ path: vaultFile, keyring: parseVaultKeys(vaultKeys) }),
        device: createWebhookDeviceAdapter({ url: `${deviceReceiver.url}/device`, secret: deviceSecret }),
        account: 'caseflow-jit-admin',
        client: archiveClient,
      },
      escalationTargets,
      archive: { client: archiveClient, archiveDir },
    },
  });
  const running = worker.run();

  project.provide('temporalAddress', server.address);
  project.provide('temporalNamespace', 'default');
  project.provide('taskQueue', taskQueue);
  project.provide('temporalCli', temporalCliPath);
  project.provide('webhookReceiverUrl', receiver.url);
  project.provide('vaultFile', vaultFile);
  project.provide('vaultKeys', vaultKeys);
  project.provide('deviceReceiverUrl', deviceReceiver.url);
  project.provide('escalationTargets', JSON.stringify(escalationTargets));
  project.provide('archiveDir', archiveDir);

  return async () => {
    worker.shutdown();
    await running;
    await connection.close();
    await archiveClient.connection.close();
    await server.stop();
    await receiver.close();
    await deviceReceiver.close();
    await Promise.all(parties.map((p) => p.close()));
    rmSync(dir, { recursive: true, force: true });
  };
}
