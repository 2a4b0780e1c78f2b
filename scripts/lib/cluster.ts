import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { Connection, type TLSConfig } from '@temporalio/client';
import { SearchAttributeType } from '@temporalio/common';
import { google, temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from '../../src/temporal/search-attributes';
import { repoRoot, temporalServerPath, temporalSqlToolPath, temporalUiServerPath } from '../tools';
import { type LocalPostgres, POSTGRES_USER, startLocalPostgres } from './postgres';

const run = promisify(execFile);

/**
 * The scaled topology on one machine, without containers: PostgreSQL; the Temporal services
 * (frontend, history, matching, internal worker) as separate processes from one config file with
 * several history shards; the frontend speaking only mTLS with certificates made here; the Web UI
 * server on loopback with caseflow's codec endpoint; caseflow workers and API processes sharing
 * the PostgreSQL vault and the payload codec. `npm run cluster` and `npm run test:cluster` use it.
 */

export const FRONTEND_SERVER_NAME = 'caseflow-frontend';
const HISTORY_SHARDS = 4;

export interface ClusterPorts {
  postgres: number;
  frontend: number;
  frontendHttp: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
  ui: number;
  apis: number[];
}

export interface ClusterOptions {
  /** Everything the cluster keeps: PostgreSQL's data, certificates, configs, logs. */
  baseDir: string;
  ports: ClusterPorts;
  workers: number;
  /** Settings of every caseflow process (keys, vault and codec keys, task queue, …). */
  caseflowEnv: NodeJS.ProcessEnv;
  /** Start the Web UI server too (the tests do without it). */
  ui: boolean;
  log: (line: string) => void;
  /** Where each process's output goes: prefixed lines to `log`, or only to its log file. */
  echoProcessOutput: boolean;
}

export interface TlsFiles {
  ca: string;
  cert: string;
  key: string;
}

export interface RunningCluster {
  frontendAddress: string;
  namespace: string;
  tls: TlsFiles;
  /** TEMPORAL_* settings of a client holding the client certificate. */
  temporalEnv: Record<string, string>;
  apiUrls: string[];
  uiUrl: string | null;
  postgres: LocalPostgres;
  processes: Map<string, ChildProcess>;
  /** (Re)starts caseflow worker `index` (0-based) with the cluster's settings. */
  startWorker(index: number): ChildProcess;
  /** Resolves when any process stops without being asked (the launcher then stops everything). */
  unexpectedExit: Promise<string>;
  stop(): Promise<void>;
}

// ---- certificates ---------------------------------------------------------------------------

async function openssl(args: string[], cwd: string): Promise<void> {
  await run('openssl', args, { cwd });
}

/** A CA, the frontend's server certificate and one client certificate, made once and kept. */
export async function ensureCertificates(
  dir: string,
): Promise<TlsFiles & { serverCert: string; serverKey: string }> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const files = {
    ca: path.join(dir, 'ca.pem'),
    cert: path.join(dir, 'client.pem'),
    key: path.join(dir, 'client.key'),
    serverCert: path.join(dir, 'frontend.pem'),
    serverKey: path.join(dir, 'frontend.key'),
  };
  if (Object.values(files).every((file) => existsSync(file))) return files;
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await openssl(
    [
      'req',
      '-x509',
      ...ec,
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '3650',
      '-subj',
      '/CN=caseflow cluster CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  const issue = async (name: string, subject: string, extensions: string) => {
    await openssl(['req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject], dir);
    writeFileSync(path.join(dir, `${name}.ext`), extensions);
    await openssl(
      [
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        `${name}.pem`,
        '-days',
        '825',
        '-extfile',
        `${name}.ext`,
      ],
      dir,
    );
  };
  await issue(
    'frontend',
    `/CN=${FRONTEND_SERVER_NAME}`,
    `subjectAltName=DNS:${FRONTEND_SERVER_NAME},DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=critical,digitalSignature\n`,
  );
  await issue('client', '/CN=caseflow', 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n');
  return files;
}

export function clientTls(files: TlsFiles): TLSConfig {
  return {
    serverNameOverride: FRONTEND_SERVER_NAME,
    serverRootCACertificate: readFileSync(files.ca),
    clientCertPair: { crt: readFileSync(files.cert), key: readFileSync(files.key) },
  };
}

// ---- Temporal configuration ---------------------------------------------------------------------

function temporalConfig(o: {
  ports: ClusterPorts;
  certs: Awaited<ReturnType<typeof ensureCertificates>>;
  dynamicConfigFile: string;
}): unknown {
  const { ports, certs } = o;
  const store = (database: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName: database,
      connectAddr: `127.0.0.1:${ports.postgres}`,
      connectProtocol: 'tcp',
      user: POSTGRES_USER,
      password: '',
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const service = (grpcPort: number, membershipPort: number, httpPort?: number) => ({
    rpc: { grpcPort, membershipPort, bindOnLocalHost: true, ...(httpPort ? { httpPort } : {}) },
  });
  return {
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'default',
      visibilityStore: 'visibility',
      numHistoryShards: HISTORY_SHARDS,
      datastores: { default: store('temporal', 20), visibility: store('temporal_visibility', 10) },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' },
      tls: {
        // Every client of the frontend, the Web UI and Temporal's own system worker included,
        // must present a certificate from the cluster's CA.
        frontend: {
          server: {
            certFile: certs.serverCert,
            keyFile: certs.serverKey,
            requireClientAuth: true,
            clientCaFiles: [certs.ca],
          },
          client: { serverName: FRONTEND_SERVER_NAME, rootCaFiles: [certs.ca] },
        },
        systemWorker: {
          certFile: certs.cert,
          keyFile: certs.key,
          client: { serverName: FRONTEND_SERVER_NAME, rootCaFiles: [certs.ca] },
        },
      },
    },
    services: {
      frontend: service(ports.frontend, ports.frontendMembership, ports.frontendHttp),
      history: service(ports.history, ports.historyMembership),
      matching: service(ports.matching, ports.matchingMembership),
      worker: service(ports.worker, ports.workerMembership),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: {
          enabled: true,
          initialFailoverVersion: 1,
          rpcName: 'frontend',
          rpcAddress: `127.0.0.1:${ports.frontend}`,
        },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } },
    namespaceDefaults: { archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } } },
    dynamicConfigClient: { filepath: o.dynamicConfigFile, pollInterval: '10s' },
  };
}

/** What the cluster changes from Temporal's defaults, and why. */
export const CLUSTER_DYNAMIC_CONFIG = {
  // caseflow's lists and the tests read visibility far more than 10 times a second per host.
  'frontend.namespaceRPS.visibility': [{ value: 200 }],
  'frontend.namespaceBurstRatio.visibility': [{ value: 2 }],
  // No machine here reaches the internet.
  'frontend.enableServerVersionCheck': [{ value: false }],
  // New search attributes take effect at once rather than after the cache's next refresh.
  'system.forceSearchAttributesCacheRefreshOnRead': [{ value: true }],
  // Activities a workflow task schedules on the worker's own queue come back with the task's
  // answer instead of through matching (as on the dev server; README, "Performance").
  'system.enableActivityEagerExecution': [{ value: true }],
};

// ---- processes ------------------------------------------------------------------------------

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

/** Set while a cluster starts: a process that died makes every wait fail at once. */
let startFailure: string | undefined;

async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (startFailure) throw new Error(`${startFailure} while waiting for ${what}`);
    try {
      if (await probe()) return;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(
    `${what} did not come up within ${timeoutMs / 1000}s${lastError instanceof Error ? `: ${lastError.message}` : ''}`,
  );
}

export async function startCluster(options: ClusterOptions): Promise<RunningCluster> {
  const { baseDir, ports, log } = options;
  for (const tool of [
    temporalServerPath,
    temporalSqlToolPath,
    ...(options.ui ? [temporalUiServerPath] : []),
  ]) {
    if (!existsSync(tool)) throw new Error(`${tool} is missing: run bash scripts/cluster-setup.sh`);
  }
  const logDir = path.join(baseDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const processes = new Map<string, ChildProcess>();
  let stopping = false;
  let starting = true;
  startFailure = undefined;
  let reportExit: (name: string) => void = () => undefined;
  const unexpectedExit = new Promise<string>((resolve) => {
    reportExit = resolve;
  });

  const launch = (name: string, command: string, args: string[], env: NodeJS.ProcessEnv, cwd = repoRoot) => {
    const proc = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const file = createWriteStream(path.join(logDir, `${name}.log`), { flags: 'a' });
    for (const stream of [proc.stdout, proc.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        file.write(`${line}\n`);
        // Temporal's own services log to their files only: their warnings would drown caseflow's lines.
        if (options.echoProcessOutput && !name.startsWith('temporal-')) log(`[${name}] ${line}`);
      });
    }
    proc.on('exit', (code, signal) => {
      file.end();
      if (processes.get(name) !== proc || stopping) return;
      const why = `${name} exited (${signal ?? `code ${code}`}); its output is in ${path.join(logDir, `${name}.log`)}`;
      log(why);
      if (starting) startFailure = why;
      reportExit(name);
    });
    processes.set(name, proc);
    // For operators and tests that need to find (or kill) one process of the cluster.
    if (proc.pid) writeFileSync(path.join(logDir, `${name}.pid`), `${proc.pid}\n`);
    return proc;
  };

  const stopProcesses = async (names: string[], timeoutMs: number) => {
    const procs = names.map((n) => processes.get(n)).filter((p): p is ChildProcess => p !== undefined);
    for (const proc of procs) proc.kill('SIGTERM');
    await Promise.all(procs.map((proc) => waitForExit(proc, timeoutMs)));
  };

  let postgres: LocalPostgres | undefined;
  const stop = async () => {
    stopping = true;
    const names = [...processes.keys()];
    await stopProcesses(
      names.filter((n) => n.startsWith('caseflow-')),
      20_000,
    );
    await stopProcesses(
      names.filter((n) => n === 'temporal-ui'),
      5_000,
    );
    await stopProcesses(
      names.filter((n) => n === 'temporal-frontend' || n === 'temporal-worker'),
      15_000,
    );
    await stopProcesses(
      names.filter((n) => n.startsWith('temporal-')),
      15_000,
    );
    await postgres?.stop();
  };

  try {
    // PostgreSQL, kept in the base directory so cases survive a restart.
    postgres = await startLocalPostgres({
      port: ports.postgres,
      dataDir: path.join(baseDir, 'postgres'),
      log,
    });
    const pg = postgres;
    const exists = async (database: string) =>
      (await pg.psql(`SELECT 1 FROM pg_database WHERE datname = '${database}'`)).trim() === '1';
    const sqlTool = (database: string, args: string[]) =>
      run(temporalSqlToolPath, [
        '--plugin',
        'postgres12',
        '--ep',
        '127.0.0.1',
        '-p',
        String(ports.postgres),
        '-u',
        POSTGRES_USER,
        '--db',
        database,
        ...args,
      ]);
    for (const [database, schema] of [
      ['temporal', 'postgresql/v12/temporal'],
      ['temporal_visibility', 'postgresql/v12/visibility'],
    ] as const) {
      if (!(await exists(database))) {
        log(`creating the ${database} database`);
        await sqlTool(database, ['create-database']);
        await sqlTool(database, ['setup-schema', '-v', '0.0']);
      }
      // Brings an existing database up to this server version's schema; a no-op when current.
      await sqlTool(database, ['update-schema', '--schema-name', schema]);
    }
    if (!(await exists('caseflow_vault'))) await pg.createDatabase('caseflow_vault');

    const certs = await ensureCertificates(path.join(baseDir, 'tls'));
    const configDir = path.join(baseDir, 'config');
    mkdirSync(configDir, { recursive: true });
    const dynamicConfigFile = path.join(configDir, 'dynamic.yaml');
    // JSON is YAML: no YAML library needed to write either file.
    writeFileSync(dynamicConfigFile, `${JSON.stringify(CLUSTER_DYNAMIC_CONFIG, null, 2)}\n`);
    const configFile = path.join(configDir, 'temporal.yaml');
    writeFileSync(
      configFile,
      `${JSON.stringify(temporalConfig({ ports, certs, dynamicConfigFile }), null, 2)}\n`,
    );

    const startService = (service: string) =>
      launch(
        `temporal-${service}`,
        temporalServerPath,
        ['--config-file', configFile, '--allow-no-auth', 'start', '--service', service],
        { ...process.env },
        baseDir,
      );
    // On a fresh database the first service writes the cluster's metadata; services starting
    // together would race to insert it, so the others wait until it is there.
    startService('history');
    await waitFor(
      'the cluster metadata',
      async () =>
        Number((await pg.psql('SELECT count(*) FROM cluster_metadata_info', 'temporal')).trim()) > 0,
      60_000,
    );
    for (const service of ['matching', 'frontend', 'worker']) startService(service);
    const frontendAddress = `127.0.0.1:${ports.frontend}`;
    const tls = clientTls(certs);
    const connection = await (async () => {
      let connected: Connection | undefined;
      await waitFor(
        'the Temporal frontend',
        async () => {
          connected ??= await Connection.connect({ address: frontendAddress, tls, connectTimeout: 2_000 });
          await connected.withDeadline(Date.now() + 2_000, () =>
            connected!.workflowService.getSystemInfo({}),
          );
          return true;
        },
        120_000,
      );
      return connected as Connection;
    })();
    try {
      await ensureNamespace(connection, 'default', log);
    } finally {
      await connection.close();
    }

    const temporalEnv: Record<string, string> = {
      TEMPORAL_ADDRESS: frontendAddress,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TLS: 'true',
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.ca,
      TEMPORAL_TLS_CLIENT_CERT_PATH: certs.cert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: certs.key,
      TEMPORAL_TLS_SERVER_NAME: FRONTEND_SERVER_NAME,
    };
    const uiUrl = options.ui ? `http://127.0.0.1:${ports.ui}` : null;
    const apiUrls = ports.apis.map((port) => `http://127.0.0.1:${port}`);
    // The Web UI signs in with caseflow (the first API is its OpenID provider) and passes the
    // access token it gets to the codec endpoint. A fresh client secret every start: the UI's
    // configuration is written anew too.
    const webUiClient = uiUrl
      ? {
          issuer: `${apiUrls[0]}/web-ui-auth`,
          clientId: 'temporal-web-ui',
          clientSecret: randomBytes(32).toString('base64url'),
          callbackUrl: `${uiUrl}/auth/sso/callback`,
        }
      : null;
    const ownEnv: NodeJS.ProcessEnv = {
      // Every API process seals and opens sessions and the UI's tokens alike.
      CASEFLOW_SESSION_KEY: randomBytes(32).toString('base64'),
      ...options.caseflowEnv,
      ...temporalEnv,
      CASEFLOW_VAULT_URL: pg.url('caseflow_vault'),
      ...(uiUrl && webUiClient
        ? {
            CASEFLOW_CODEC_CORS_ORIGINS: uiUrl,
            CASEFLOW_WEB_UI_ISSUER: webUiClient.issuer,
            CASEFLOW_WEB_UI_CLIENT_ID: webUiClient.clientId,
            CASEFLOW_WEB_UI_CLIENT_SECRET: webUiClient.clientSecret,
            CASEFLOW_WEB_UI_REDIRECT_URL: webUiClient.callbackUrl,
          }
        : {}),
    };
    const caseflowEnv: NodeJS.ProcessEnv = { ...process.env, ...ownEnv };

    // What a further worker or API process of this cluster needs (tests start one); secrets inside, 0600.
    writeFileSync(path.join(baseDir, 'caseflow.env.json'), JSON.stringify(ownEnv), { mode: 0o600 });
    const startWorker = (index: number) =>
      launch(
        `caseflow-worker-${index + 1}`,
        process.execPath,
        ['--import', 'tsx', 'src/worker.ts'],
        caseflowEnv,
      );
    for (let i = 0; i < options.workers; i++) startWorker(i);
    ports.apis.forEach((port, i) => {
      launch(`caseflow-api-${i + 1}`, process.execPath, ['--import', 'tsx', 'src/server.ts'], {
        ...caseflowEnv,
        PORT: String(port),
        CASEFLOW_HOST: '127.0.0.1',
      });
    });
    await Promise.all(
      apiUrls.map((url) =>
        waitFor(`the API at ${url}`, async () => (await fetch(`${url}/readyz`)).ok, 120_000),
      ),
    );

    // After the APIs: the UI server reads its OpenID provider's discovery document as it starts.
    if (options.ui && uiUrl && webUiClient) {
      const uiDir = path.join(configDir, 'ui');
      mkdirSync(path.join(uiDir, 'config'), { recursive: true });
      writeFileSync(path.join(uiDir, 'config', 'base.yaml'), '{}\n');
      writeFileSync(
        path.join(uiDir, 'config', 'cluster.yaml'),
        `${JSON.stringify(
          {
            temporalGrpcAddress: frontendAddress,
            host: '127.0.0.1',
            port: ports.ui,
            enableUi: true,
            defaultNamespace: 'default',
            notifyOnNewVersion: false,
            tls: {
              caFile: certs.ca,
              certFile: certs.cert,
              keyFile: certs.key,
              serverName: FRONTEND_SERVER_NAME,
              enableHostVerification: true,
            },
            // Operators sign in with caseflow's sign-in (the portal's), caseflow acting as the
            // UI's OpenID provider; only case readers get in.
            auth: {
              enabled: true,
              providers: [
                {
                  label: 'caseflow',
                  type: 'oidc',
                  providerUrl: webUiClient.issuer,
                  clientId: webUiClient.clientId,
                  clientSecret: webUiClient.clientSecret,
                  scopes: ['openid', 'profile'],
                  callbackUrl: webUiClient.callbackUrl,
                },
              ],
            },
            // Payloads are sealed; the browser asks caseflow's codec endpoint to open them with
            // the signed-in user's access token.
            codec: { endpoint: `${apiUrls[0]}/codec`, passAccessToken: true, includeCredentials: false },
            cors: { allowOrigins: [uiUrl], cookieInsecure: true },
          },
          null,
          2,
        )}\n`,
      );
      launch(
        'temporal-ui',
        temporalUiServerPath,
        ['--root', uiDir, '--config', 'config', '--env', 'cluster', 'start'],
        {
          ...process.env,
        },
      );
    }

    if (uiUrl) await waitFor('the Web UI server', async () => (await fetch(uiUrl)).status < 500, 60_000);

    starting = false;
    return {
      frontendAddress,
      namespace: 'default',
      tls: { ca: certs.ca, cert: certs.cert, key: certs.key },
      temporalEnv,
      apiUrls,
      uiUrl,
      postgres: pg,
      processes,
      startWorker,
      unexpectedExit,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

const INDEXED_TYPES: Record<SearchAttributeType, temporal.api.enums.v1.IndexedValueType> = {
  [SearchAttributeType.TEXT]: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  [SearchAttributeType.KEYWORD]: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  [SearchAttributeType.INT]: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
  [SearchAttributeType.DOUBLE]: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  [SearchAttributeType.BOOL]: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  [SearchAttributeType.DATETIME]: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  [SearchAttributeType.KEYWORD_LIST]: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

/** The namespace and caseflow's search attributes, created when missing. */
async function ensureNamespace(
  connection: Connection,
  namespace: string,
  log: (line: string) => void,
): Promise<void> {
  const describe = () => connection.workflowService.describeNamespace({ namespace });
  const found = await describe().then(
    () => true,
    () => false,
  );
  if (!found) {
    log(`registering the ${namespace} namespace`);
    await connection.workflowService
      .registerNamespace({
        namespace,
        workflowExecutionRetentionPeriod: google.protobuf.Duration.fromObject({ seconds: 7 * 24 * 3600 }),
      })
      .catch((error: { code?: number }) => {
        // ALREADY_EXISTS: another start got there first.
        if (error.code !== 6) throw error;
      });
    await waitFor('the namespace', async () => (await describe(), true), 60_000);
  }
  // A new namespace reaches the frontend's cache a few seconds after it is registered.
  await waitFor(
    "caseflow's search attributes",
    async () => {
      const existing = await connection.operatorService.listSearchAttributes({ namespace });
      const missing = SEARCH_ATTRIBUTES.filter((key) => !(key.name in (existing.customAttributes ?? {})));
      if (missing.length === 0) return true;
      log(`adding search attributes ${missing.map((k) => k.name).join(', ')}`);
      await connection.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: Object.fromEntries(missing.map((key) => [key.name, INDEXED_TYPES[key.type]])),
      });
      return false;
    },
    90_000,
  );
}
