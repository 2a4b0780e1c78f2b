import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { temporalCliPath } from '../../scripts/tools';
import type { EscalationTarget } from '../../src/domain/routing';
import { createFileVault } from '../../src/vault/credential-vault';
import { createWebhookDeviceAdapter } from '../../src/vault/device-adapters';
import { generateVaultKey, parseVaultKeys } from '../../src/vault/keyring';
import { bundleWorkflows, createCaseflowWorker } from '../../src/worker';
import { startTestDevServer } from './dev-server';
import { startPartyServer } from './party-server';
import { startWebhookReceiver } from './webhook-receiver';

export interface TestStackOptions {
  /** Names the task queue, the vault key and the temporary directory. */
  name: string;
  /** The escalation parties that get a real HTTP endpoint; the others have none configured. */
  parties: readonly EscalationTarget[];
}

/**
 * A whole caseflow back end for a group of test files: a real Temporal dev server on a free
 * loopback port, one real worker running the bundled workflows with a real file vault, a signed
 * webhook receiver for notifications and one for the device side of JIT passwords (it records
 * what each device was told, so tests can compare it with what holders checked out), and real
 * HTTP parties that verify signatures and record escalation deliveries. What the tests need to
 * reach it is provided to them; the returned function tears it all down, awaited.
 */
export async function startTestStack(
  project: TestProject,
  options: TestStackOptions,
): Promise<() => Promise<void>> {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // Another group's setup in this process installed it already.
  }
  const server = await startTestDevServer();
  const connection = await NativeConnection.connect({ address: server.address });
  const taskQueue = `caseflow-${options.name}-${randomUUID()}`;
  const notifySecret = randomBytes(32).toString('hex');
  const receiver = await startWebhookReceiver(notifySecret);
  const dir = mkdtempSync(join(tmpdir(), `caseflow-${options.name}-`));
  const vaultKeys = generateVaultKey(`${options.name}1`);
  const vaultFile = join(dir, 'vault.json');
  const deviceSecret = randomBytes(24).toString('hex');
  const deviceReceiver = await startWebhookReceiver(deviceSecret);
  const partySecret = randomBytes(24).toString('hex');
  const parties = await Promise.all(
    options.parties.map((name) => startPartyServer({ secret: partySecret, name })),
  );
  const escalationTargets = Object.fromEntries(
    parties.map((p, i) => [options.parties[i], { url: `${p.url}/escalations`, secret: partySecret }]),
  );
  const archiveDir = join(dir, 'archive');
  const archiveClient = new Client({ connection: await Connection.connect({ address: server.address }) });
  const worker = await createCaseflowWorker({
    connection,
    namespace: 'default',
    taskQueue,
    workflowBundle: await bundleWorkflows({ live: true }),
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
