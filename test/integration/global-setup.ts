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
 * One real Temporal dev server (the CLI built by scripts/setup.sh) on a free loopback port, with
 * caseflow's search attributes registered, one real worker running the bundled workflows, and a
 * webhook receiver standing in for the notification subscribers, shared by every integration test
 * file. Torn down, awaited, when the run ends.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const server = await startTestDevServer();
  const connection = await NativeConnection.connect({ address: server.address });
  const taskQueue = `caseflow-it-${randomUUID()}`;
  const notifySecret = randomBytes(32).toString('hex');
  const receiver = await startWebhookReceiver(notifySecret);
  // A real vault and the recording device adapter, shared with the API instances the tests start.
  const vaultDir = mkdtempSync(join(tmpdir(), 'caseflow-it-vault-'));
  const vaultKeys = generateVaultKey('it1');
  const vaultFile = join(vaultDir, 'vault.json');
  // The device side of JIT passwords: a signed webhook to a receiver that records what it is told,
  // so tests can compare the password on the device with what holders checked out.
  const deviceSecret = randomBytes(24).toString('hex');
  const deviceReceiver = await startWebhookReceiver(deviceSecret);
  // The parties escalations go to: real HTTP servers that verify signatures and record deliveries.
  const partySecret = randomBytes(24).toString('hex');
  const parties = await Promise.all(
    (['service-ops', 'microsoft-channel', 'vendor'] as const).map((name) =>
      startPartyServer({ secret: partySecret, name }),
    ),
  );
  const escalationTargets = Object.fromEntries(
    parties.map((p, i) => [
      (['service-ops', 'microsoft-channel', 'vendor'] as const)[i],
      { url: `${p.url}/escalations`, secret: partySecret },
    ]),
  );
  const archiveDir = join(vaultDir, 'archive');
  const archiveClient = new Client({ connection: await Connection.connect({ address: server.address }) });
  const workflowBundle = await bundleWorkflows();
  const worker = await createCaseflowWorker({
    connection,
    namespace: 'default',
    taskQueue,
    workflowBundle,
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
    rmSync(vaultDir, { recursive: true, force: true });
  };
}
