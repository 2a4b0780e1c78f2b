import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../src/config';
import { devServerSearchAttributeArgs } from '../src/temporal/search-attributes';
import { temporalCliPath } from './tools';

export interface DevServerOptions {
  dataDir: string;
  ip: string;
  port: number;
  /** The Web UI's port, or null for none (tests run headless). */
  uiPort: number | null;
  /**
   * The server's HTTP API and metrics ports. Left out, the CLI picks free ports itself; tests and
   * benchmarks choose them, so a port they picked for something else cannot be handed out twice.
   */
  httpPort?: number;
  metricsPort?: number;
}

/**
 * `temporal server start-dev` as caseflow runs it: state in a SQLite file under the data
 * directory (cases survive restarts), caseflow's search attributes registered, the Web UI on its
 * own port, and no call home to check for newer versions.
 */
export function devServerArgs(o: DevServerOptions): string[] {
  return [
    'server',
    'start-dev',
    '--db-filename',
    join(o.dataDir, 'temporal.sqlite'),
    '--ip',
    o.ip,
    '--port',
    String(o.port),
    ...(o.uiPort === null ? ['--headless'] : ['--ui-port', String(o.uiPort)]),
    ...(o.httpPort === undefined ? [] : ['--http-port', String(o.httpPort)]),
    ...(o.metricsPort === undefined ? [] : ['--metrics-port', String(o.metricsPort)]),
    '--namespace',
    'default',
    '--log-level',
    'warn',
    '--dynamic-config-value',
    'frontend.enableServerVersionCheck=false',
    // An activity a workflow task schedules on the worker's own queue comes back with the task's
    // answer instead of through matching: one round trip and a task-queue write fewer for each
    // notification, the work every fired SLA target does (README, "Performance"). Its timeouts and
    // retries are the same as a polled activity's.
    '--dynamic-config-value',
    'system.enableActivityEagerExecution=true',
    // Write-ahead logging: a commit appends to the log instead of rewriting pages through a
    // rollback journal, and readers do not block the writer. synchronous=FULL keeps every commit
    // on disk before the server answers (WAL's usual NORMAL could lose the last commits on power
    // loss), so a case the API answered for survives a crash of the machine too (README).
    '--sqlite-pragma',
    'journal_mode=WAL',
    '--sqlite-pragma',
    'synchronous=FULL',
    ...devServerSearchAttributeArgs(),
  ];
}

export function startDevServer(o: DevServerOptions, stdio: 'inherit' | 'pipe' = 'inherit'): ChildProcess {
  mkdirSync(o.dataDir, { recursive: true });
  return spawn(temporalCliPath, devServerArgs(o), { stdio: ['ignore', stdio, stdio] });
}

if (require.main === module) {
  const config = loadConfig();
  const child = startDevServer({
    dataDir: config.dataDir,
    ip: '127.0.0.1',
    port: config.devTemporalPort,
    uiPort: config.devUiPort,
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code) => process.exit(code ?? 0));
}
