import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { type Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { ensureDevKeys } from '../src/api/dev-keys';
import { ConfigError, loadConfig } from '../src/config';
import { connectClient, loadTemporalTarget } from '../src/temporal/connection';
import { tracingSettingsFrom } from '../src/temporal/tracing';
import { startDevServer } from './dev-server';
import { repoRoot } from './tools';
import { SEARCH_ATTRIBUTE_KEYS_SETTING } from '../src/temporal/personal-index';
import { ensureDevKeyring, ensureDevVaultKeys } from '../src/vault-setup';
import { afterCrash, DEFAULT_SUPERVISION } from './lib/supervision';

/**
 * `npm start`: the whole system on one machine. Runs the embedded Temporal dev server (unless
 * TEMPORAL_ADDRESS points elsewhere), the worker and the API, prints where each listens, and on
 * Ctrl-C stops the API and worker first (so they drain) and the server last. A process that
 * exits on its own is restarted with backoff (scripts/lib/supervision.ts); only Ctrl-C, or one
 * process crashing again and again, stops the whole system.
 */
interface Supervised {
  name: string;
  proc: ChildProcess;
  launch: () => ChildProcess;
  crashes: number[];
  restart?: NodeJS.Timeout;
}
const children: Supervised[] = [];
let stopping = false;

function prefixOutput(name: string, proc: ChildProcess): void {
  for (const stream of [proc.stdout, proc.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on('line', (line) => console.log(`[${name}] ${line}`));
  }
}

function run(name: string, launch: () => ChildProcess): void {
  const child: Supervised = { name, proc: launch(), launch, crashes: [] };
  children.push(child);
  watch(child);
}

function watch(child: Supervised): void {
  const { name, proc } = child;
  prefixOutput(name, proc);
  console.log(`[start] ${name} running (pid ${proc.pid})`);
  proc.once('exit', (code, signal) => {
    if (stopping) return;
    const how = signal ?? `code ${code}`;
    const verdict = afterCrash(child.crashes, Date.now(), DEFAULT_SUPERVISION);
    child.crashes = verdict.recentCrashes;
    const window = `${DEFAULT_SUPERVISION.windowMs / 1000} s`;
    if (verdict.action === 'give-up') {
      console.error(
        `[start] ${name} exited unexpectedly (${how}), ${verdict.recentCrashes.length} times within ${window}; stopping everything`,
      );
      void stopAll(1);
      return;
    }
    console.error(
      `[start] ${name} exited unexpectedly (${how}); restarting in ${verdict.afterMs / 1000} s ` +
        `(${verdict.recentCrashes.length} of ${DEFAULT_SUPERVISION.maxCrashes} crashes within ${window} stop everything)`,
    );
    child.restart = setTimeout(() => {
      child.restart = undefined;
      if (stopping) return;
      child.proc = child.launch();
      console.log(`[start] ${name} restarted`);
      watch(child);
    }, verdict.afterMs);
  });
}

const tsx = (script: string, env: NodeJS.ProcessEnv) =>
  spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });

function waitForExit(proc: ChildProcess, timeoutMs: number): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      resolve();
    }, timeoutMs);
    proc.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

async function stopAll(code: number): Promise<never> {
  stopping = true;
  for (const child of children) clearTimeout(child.restart);
  const server = children.find((c) => c.name === 'temporal');
  const apps = children.filter((c) => c !== server);
  for (const { proc } of apps) proc.kill('SIGTERM');
  await Promise.all(apps.map(({ proc }) => waitForExit(proc, 15_000)));
  if (server) {
    server.proc.kill('SIGTERM');
    await waitForExit(server.proc, 15_000);
  }
  process.exit(code);
}

async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (stopping) return;
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} did not come up within ${timeoutMs / 1000}s`);
}

async function temporalReachable(address: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 1_000 });
  try {
    await connection.withDeadline(Date.now() + 1_000, () =>
      connection.workflowService.describeNamespace({ namespace: 'default' }),
    );
    return true;
  } finally {
    await connection.close();
  }
}

/** Whether a worker polls the task queue for workflow tasks: until then a new case cannot be read. */
async function workerPolling(client: Client, taskQueue: string): Promise<boolean> {
  const { pollers } = await client.connection.withDeadline(Date.now() + 2_000, () =>
    client.workflowService.describeTaskQueue({
      namespace: client.options.namespace,
      taskQueue: { name: taskQueue },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    }),
  );
  return (pollers ?? []).length > 0;
}

async function main(): Promise<void> {
  const config = loadConfig();
  // Checked here too, so a bad tracing setting stops start-up instead of a restart loop.
  tracingSettingsFrom(config, 'api');
  const env: NodeJS.ProcessEnv = { ...process.env };
  const embedded = !process.env.TEMPORAL_ADDRESS;
  let uiUrl: string | undefined;

  if (embedded) {
    const address = `127.0.0.1:${config.devTemporalPort}`;
    env.TEMPORAL_ADDRESS = address;
    uiUrl = `http://127.0.0.1:${config.devUiPort}`;
    run('temporal', () =>
      startDevServer(
        { dataDir: config.dataDir, ip: '127.0.0.1', port: config.devTemporalPort, uiPort: config.devUiPort },
        'pipe',
      ),
    );
    await waitFor('the Temporal dev server', () => temporalReachable(address), 60_000);
  }
  const target = loadTemporalTarget(env);

  let devTokens: ReturnType<typeof ensureDevKeys> | undefined;
  if (!config.apiKeysFile) {
    devTokens = ensureDevKeys(config.dataDir);
    env.CASEFLOW_API_KEYS_FILE = devTokens.path;
  }

  if (!config.vaultKeys) env.CASEFLOW_VAULT_KEYS = ensureDevVaultKeys(config.dataDir);
  // Requester ids and device serials are indexed as keyed hashes, never in clear.
  env[SEARCH_ATTRIBUTE_KEYS_SETTING] ??= ensureDevKeyring(
    config.dataDir,
    'search-attributes.dev.keys',
    'sa1',
  );
  // Escalations need an admin contact per area; on the development default the dev IT admin is
  // the contact for every area, so the whole flow can be walked in the portal at once.
  const devAdminContacts = embedded && Object.keys(config.adminContacts).length === 0;
  if (devAdminContacts) {
    env.CASEFLOW_ADMIN_CONTACTS = JSON.stringify(
      Object.fromEntries(
        ['app-packaging', 'devices', 'security', 'other'].map((area) => [area, 'dev-it-admin']),
      ),
    );
  }

  run('worker', () => tsx('src/worker.ts', env));
  run('api', () => tsx('src/server.ts', env));
  const apiUrl = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${config.port}`;
  await waitFor('the API', async () => (await fetch(`${apiUrl}/healthz`)).ok, 60_000);
  // "Up" means a case can be opened and read, so the worker must be polling (it bundles first).
  const client = await connectClient(target);
  try {
    await waitFor('the worker', () => workerPolling(client, config.taskQueue), 120_000);
  } finally {
    await client.connection.close();
  }

  const lines = [
    '',
    'caseflow is up',
    `  Portal         ${apiUrl}/portal   (${config.oidcIssuer ? 'sign in with your organisation' : 'sign in with a token below'})`,
    `  API            ${apiUrl}   (reference: ${apiUrl}/docs, OpenAPI: ${apiUrl}/openapi.json)`,
    `  Temporal gRPC  ${target.address}   namespace ${target.namespace}${embedded ? '   (embedded dev server, data in ' + config.dataDir + ')' : ''}`,
    `  Temporal UI    ${uiUrl ?? '(the UI of your Temporal cluster)'}`,
    '',
  ];
  if (devTokens?.created) {
    lines.push(
      'Sign in to the portal with one of these, or send it as "Authorization: Bearer <token>".',
      'Development tokens (shown only this once):',
    );
    for (const k of devTokens.created)
      lines.push(`  ${k.principal.padEnd(20)} roles ${k.roles.join(',').padEnd(16)} ${k.token}`);
    lines.push(`Their hashes are in ${devTokens.path}; delete that file to issue new ones.`);
  } else if (devTokens) {
    lines.push(`Sign in with the development tokens printed when ${devTokens.path} was created`);
    lines.push('(delete that file and restart to issue new ones).');
  } else {
    lines.push(`Sign in with a token whose hash is in ${config.apiKeysFile}.`);
  }
  if (devAdminContacts)
    lines.push('Admin contact for every escalation area: dev-it-admin (set CASEFLOW_ADMIN_CONTACTS).');
  lines.push(
    `Example: curl -H "Authorization: Bearer <token>" ${apiUrl}/v1/cases/<id>`,
    'Press Ctrl-C to stop.',
    '',
  );
  console.log(lines.join('\n'));
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (!stopping) {
      console.log('\n[start] stopping…');
      void stopAll(0);
    }
  });
}

main().catch(async (err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : `[start] ${(err as Error).message}`);
  await stopAll(1);
});
