import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A private PostgreSQL server in a directory of its own (initdb, pg_ctl), listening on loopback
 * only: what the cluster profile and the PostgreSQL vault tests run against. PostgreSQL refuses
 * to run as root, so as root it runs as the `postgres` account the Debian package creates.
 */
export interface LocalPostgres {
  port: number;
  dataDir: string;
  /** A connection URL for `database` as the superuser (trust authentication on loopback). */
  url(database?: string): string;
  /** Runs SQL as the superuser through psql, against the `postgres` database unless told. */
  psql(sql: string, database?: string): Promise<string>;
  createDatabase(name: string): Promise<string>;
  /** pg_dump of a database's rows as SQL text: what a backup or a stolen disk would show. */
  dump(database: string): Promise<string>;
  stop(): Promise<void>;
}

export const POSTGRES_USER = 'postgres';

/** The newest PostgreSQL under /usr/lib/postgresql (Debian's layout), or CASEFLOW_PG_BIN. */
export function findPostgresBin(): string | undefined {
  const configured = process.env.CASEFLOW_PG_BIN;
  if (configured) return existsSync(path.join(configured, 'pg_ctl')) ? configured : undefined;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => /^\d+$/.test(v) && existsSync(path.join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(root, versions[0], 'bin') : undefined;
}

const isRoot = (): boolean => userInfo().uid === 0;

/** Runs a PostgreSQL binary as a non-root account when we are root. */
async function asServerUser(bin: string, args: string[]): Promise<string> {
  const [command, fullArgs] = isRoot() ? ['runuser', ['-u', POSTGRES_USER, '--', bin, ...args]] : [bin, args];
  const { stdout } = await run(command, fullArgs, { maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

export async function startLocalPostgres(options: {
  port: number;
  /** Where the data directory goes; a fresh temp directory (removed on stop) when absent. */
  dataDir?: string;
  log?: (line: string) => void;
}): Promise<LocalPostgres> {
  const bin = findPostgresBin();
  if (!bin) {
    throw new Error(
      'PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/pg_ctl); run scripts/setup.sh',
    );
  }
  const temporary = options.dataDir === undefined;
  const base = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'caseflow-pg-'));
  const dataDir = temporary ? path.join(base, 'data') : base;
  mkdirSync(base, { recursive: true, mode: 0o700 });
  if (isRoot()) {
    const { stdout } = await run('id', ['-u', POSTGRES_USER]);
    const { stdout: gid } = await run('id', ['-g', POSTGRES_USER]);
    chownSync(base, Number(stdout.trim()), Number(gid.trim()));
  }
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    options.log?.(`initialising a PostgreSQL data directory in ${dataDir}`);
    await asServerUser(path.join(bin, 'initdb'), [
      '-D',
      dataDir,
      '-U',
      POSTGRES_USER,
      '-A',
      'trust',
      '-E',
      'UTF8',
      '--no-instructions',
    ]);
  }
  const serverOptions = [
    `-p ${options.port}`,
    '-c listen_addresses=127.0.0.1',
    `-c unix_socket_directories=${dataDir}`,
    '-c max_connections=200',
    // A throwaway test server need not survive a power cut; a kept data directory should.
    ...(temporary ? ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off'] : []),
  ].join(' ');
  await asServerUser(path.join(bin, 'pg_ctl'), [
    '-D',
    dataDir,
    '-l',
    path.join(dataDir, 'server.log'),
    '-o',
    serverOptions,
    '-w',
    '-t',
    '60',
    'start',
  ]);
  const url = (database = 'postgres') =>
    `postgres://${POSTGRES_USER}@127.0.0.1:${options.port}/${encodeURIComponent(database)}`;
  const psql = (sql: string, database = 'postgres') =>
    asServerUser(path.join(bin, 'psql'), [
      '-X',
      '-q',
      '-v',
      'ON_ERROR_STOP=1',
      '-At',
      '-h',
      '127.0.0.1',
      '-p',
      String(options.port),
      '-U',
      POSTGRES_USER,
      '-d',
      database,
      '-c',
      sql,
    ]);
  let stopped = false;
  return {
    port: options.port,
    dataDir,
    url,
    psql,
    async createDatabase(name) {
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new TypeError(`not a plain database name: ${name}`);
      await psql(`CREATE DATABASE ${name}`);
      return url(name);
    },
    dump: (database) =>
      asServerUser(path.join(bin, 'pg_dump'), [
        '--data-only',
        '-h',
        '127.0.0.1',
        '-p',
        String(options.port),
        '-U',
        POSTGRES_USER,
        database,
      ]),
    async stop() {
      if (stopped) return;
      stopped = true;
      await asServerUser(path.join(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'fast', '-w', 'stop']).catch(
        () => undefined,
      );
      if (temporary) rmSync(base, { recursive: true, force: true });
    },
  };
}
