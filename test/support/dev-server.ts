import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { startDevServer } from '../../scripts/dev-server';
import { freePort } from './ports';

export interface RunningDevServer {
  address: string;
  stop(): Promise<void>;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Ready means the default namespace answers; one connection, opened only once the port listens. */
async function namespaceReady(address: string, deadline: number): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 5_000 });
  try {
    while (Date.now() < deadline) {
      try {
        await connection.withDeadline(Date.now() + 2_000, () =>
          connection.workflowService.describeNamespace({ namespace: 'default' }),
        );
        return true;
      } catch {
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    return false;
  } finally {
    await connection.close();
  }
}

/**
 * The Temporal dev server exactly as `npm start` runs it (same arguments and search attributes),
 * on free loopback ports with a throw-away database. Started by the test harness itself, with a
 * generous start-up wait for slow or busy machines. A start that lost a port to another process
 * between the check and the bind is tried again on new ports.
 */
export async function startTestDevServer(): Promise<RunningDevServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce();
    } catch (error) {
      if (attempt >= 3 || !(error instanceof PortTaken)) throw error;
    }
  }
}

class PortTaken extends Error {}

async function startOnce(): Promise<RunningDevServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'caseflow-devserver-'));
  const [port, httpPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  const address = `127.0.0.1:${port}`;
  const child = startDevServer(
    { dataDir, ip: '127.0.0.1', port, uiPort: null, httpPort, metricsPort },
    'pipe',
  );
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const deadline = Date.now() + 90_000;
  const fail = () => {
    child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
    const message = `the Temporal dev server did not start on ${address}:\n${output}`;
    return /address already in use/.test(output) ? new PortTaken(message) : new Error(message);
  };
  while (!(await portOpen(port))) {
    if (child.exitCode !== null || Date.now() > deadline) throw fail();
    await new Promise((r) => setTimeout(r, 250));
  }
  if (!(await namespaceReady(address, deadline))) throw fail();
  return {
    address,
    stop: async () => {
      if (child.exitCode === null) {
        let timer: NodeJS.Timeout | undefined;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 15_000)))]);
        clearTimeout(timer);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
