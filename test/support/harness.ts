import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { inject } from 'vitest';
import type { TargetEndpoints } from '../../src/activities/escalation-delivery';
import { createApp, type PortalSettings } from '../../src/api/app';
import type { ApiMetrics } from '../../src/api/metrics';
import { requestSpans } from '../../src/api/request-spans';
import type { Tracing } from '../../src/temporal/tracing';
import { generateKey, type KeyEntry } from '../../src/api/auth';
import type { RateLimits } from '../../src/api/rate-limit';
import { type CasePolicy } from '../../src/domain/case-policy';
import { casePolicySchema } from '../../src/schemas/case-policy-schema';
import type { Role } from '../../src/domain/roles';
import { createLogger } from '../../src/logger';
import { decodeJsonPayloads } from '../../src/temporal/codec';
import { CLIENT_INTERCEPTORS, connectClient, loadTemporalTarget } from '../../src/temporal/connection';
import { createFileVault } from '../../src/vault/credential-vault';
import type { Classifier } from '../../src/activities/classification';
import { parseVaultKeys } from '../../src/vault/keyring';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalNamespace: string;
    taskQueue: string;
    temporalCli: string;
    webhookReceiverUrl: string;
    vaultFile: string;
    vaultKeys: string;
    /** The recording device-webhook receiver: GET /received lists every password change. */
    deviceReceiverUrl: string;
    /** JSON of the shared worker's escalation targets ({target: {url, secret}}). */
    escalationTargets: string;
    /** Where the shared worker archives closed cases' audit bundles. */
    archiveDir: string;
    /** Set by the cluster profile's setup (test/cluster): JSON of a ClusterContext. */
    cluster?: string;
  }
}

/** What the cluster profile's setup hands the tests (npm run test:cluster). */
export interface ClusterContext {
  apiUrls: string[];
  apiLogFiles: string[];
  /** TEMPORAL_* settings with the mTLS client certificate. */
  temporalEnv: Record<string, string>;
  codecKeys: string;
  /** Principals issued before the API processes started; each startApi claims one set. */
  principalSets: Record<string, TestPrincipal>[];
  claimDir: string;
  baseDir: string;
  postgresPort: number;
}

export const CLUSTER_PRINCIPAL_SETS = 40;

export function clusterContext(): ClusterContext | undefined {
  const json = inject('cluster');
  return json ? (JSON.parse(json) as ClusterContext) : undefined;
}

export interface TestPrincipal {
  principal: string;
  token: string;
  roles: Role[];
}

export interface RunningApi {
  url: string;
  client: Client;
  as: Record<string, TestPrincipal>;
  logs: string[];
  request(
    path: string,
    init?: { method?: string; token?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<Response>;
  close(): Promise<void>;
}

const runFile = promisify(execFile);

/** Principals every integration test can act as; the suffix keeps them apart across runs. */
export const PRINCIPALS: Record<string, Role[]> = {
  agent: ['agent'],
  escalation: ['agent', 'escalation-team'],
  admin: ['it-admin'],
  ops: ['service-ops'],
  auditor: ['auditor'],
  /** Holds both roles: separation of duties must still stop them approving their own request. */
  escadmin: ['escalation-team', 'it-admin'],
};

/**
 * The real API (express, on a free loopback port) wired to the harness's Temporal dev server and
 * worker: tests talk to it over HTTP exactly as a helpdesk would.
 */
export interface ApiOptions {
  /** Another task queue than the shared worker's (a test with its own worker process). */
  taskQueue?: string;
  vaultFile?: string;
  vaultKeys?: string;
  policy?: CasePolicy;
  /** Escalation targets (url and secret): the API verifies their callbacks with the secrets. */
  escalationTargets?: TargetEndpoints;
  /** The portal's sign-in settings (OpenID Connect for the browser tests that need it). */
  portal?: PortalSettings;
  /** A port chosen beforehand (when a party must know the URL first); a free one otherwise. */
  port?: number;
  /** Rate limits other than the service's defaults (tests of the 429). */
  rateLimits?: RateLimits;
  /** Request metrics the test serves and scrapes itself. */
  metrics?: ApiMetrics;
  /** Principals besides PRINCIPALS (name: roles), under `as` like them. */
  extraPrincipals?: Record<string, Role[]>;
  /** Tracing as the API wires it when it is on: request spans and the client's interceptors. */
  tracing?: Pick<Tracing, 'tracer' | 'clientInterceptors'>;
  /** Another intake classifier than the shipped one; `null` leaves classification to the workflow. */
  classifyIntake?: Classifier | null;
}

export async function startApi(options: ApiOptions = {}): Promise<RunningApi> {
  const cluster = clusterContext();
  if (cluster) return clusterApi(cluster);
  const suffix = randomUUID().slice(0, 8);
  const keys: KeyEntry[] = [];
  const as: Record<string, TestPrincipal> = {};
  for (const [name, roles] of Object.entries({ ...PRINCIPALS, ...options.extraPrincipals })) {
    const { entry, token } = generateKey(`${name}-${suffix}`, roles);
    keys.push(entry);
    as[name] = { principal: entry.principal, token, roles };
  }
  const connection = await Connection.connect({ address: inject('temporalAddress') });
  const client = new Client({
    connection,
    namespace: inject('temporalNamespace'),
    interceptors: {
      workflow: [...CLIENT_INTERCEPTORS.workflow, ...(options.tracing?.clientInterceptors ?? [])],
    },
  });
  const logs: string[] = [];
  const app = createApp({
    client,
    keys,
    taskQueue: options.taskQueue ?? inject('taskQueue'),
    supportModel: 'partner-led',
    providerName: 'Test Provider AB',
    policy: options.policy ?? TEST_POLICY,
    escalationTargets:
      options.escalationTargets ??
      (JSON.parse(inject('escalationTargets')) as Record<string, { url: string; secret: string }>),
    vault: createFileVault({
      path: options.vaultFile ?? inject('vaultFile'),
      keyring: parseVaultKeys(options.vaultKeys ?? inject('vaultKeys')),
    }),
    maxBodyBytes: 16_384,
    rateLimits: options.rateLimits,
    portal: options.portal,
    metrics: options.metrics,
    requestTracing: options.tracing ? requestSpans(options.tracing.tracer) : undefined,
    classifyIntake: options.classifyIntake,
    log: createLogger('api', 'debug', (line) => logs.push(line)),
  });
  const server = app.listen(options.port ?? 0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    client,
    as,
    logs,
    request: (path, init = {}) =>
      fetch(`${url}${path}`, {
        method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
        headers: {
          ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
          ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...init.headers,
        },
        body:
          init.body === undefined
            ? undefined
            : typeof init.body === 'string'
              ? init.body
              : JSON.stringify(init.body),
      }),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await connection.close();
    },
  };
}

/**
 * On the cluster profile the API is the cluster's two API processes: requests alternate between
 * them, and the client is a client of the cluster (mTLS, payload codec) like theirs.
 */
async function clusterApi(cluster: ClusterContext): Promise<RunningApi> {
  mkdirSync(cluster.claimDir, { recursive: true });
  let set = 0;
  // Test files run in separate processes: a directory made exclusively claims a principal set.
  for (; set < cluster.principalSets.length; set++) {
    try {
      mkdirSync(join(cluster.claimDir, String(set)));
      break;
    } catch {
      // Taken by another startApi.
    }
  }
  const as = cluster.principalSets[set];
  if (!as) throw new Error('the cluster setup issued too few principal sets for this many startApi calls');
  const target = loadTemporalTarget({ ...cluster.temporalEnv, CASEFLOW_CODEC_KEYS: cluster.codecKeys });
  const client = await connectClient(target);
  let next = 0;
  const api: RunningApi = {
    url: cluster.apiUrls[0] as string,
    client,
    as,
    logs: [],
    request: (path, init = {}) => {
      const url = cluster.apiUrls[next++ % cluster.apiUrls.length] as string;
      return fetch(`${url}${path}`, {
        method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
        headers: {
          ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
          ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...init.headers,
        },
        body:
          init.body === undefined
            ? undefined
            : typeof init.body === 'string'
              ? init.body
              : JSON.stringify(init.body),
      });
    },
    close: () => client.connection.close(),
  };
  // The API processes' own log lines, read when a test looks (e.g. for leaked secrets).
  Object.defineProperty(api, 'logs', {
    get: () =>
      cluster.apiLogFiles.flatMap((file) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n') : [])),
  });
  return api;
}

/** The service's defaults, with admin contacts for every area but security. */
export const TEST_POLICY: CasePolicy = casePolicySchema.parse({
  escalation: {
    adminContacts: {
      devices: 'it-devices@example.org',
      'app-packaging': 'apps@example.org',
      other: 'it@example.org',
    },
  },
});

/** A realistic intake; every field can be overridden. */
export function intake(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: 'Skrivaren på plan 3 skriver inte ut',
    description: 'Nätverksskrivaren på plan 3 tar emot jobben men inget kommer ut sedan i morse.',
    requester: { id: `u-${randomUUID().slice(0, 8)}`, name: 'Anna Berg', contact: 'anna.berg@example.org' },
    device: { serial: `SN${randomUUID().slice(0, 8).toUpperCase()}`, group: 'broad' },
    severity: 'C',
    channel: 'phone',
    externalTicketId: `HD-${Math.floor(Math.random() * 1e6)}`,
    ...overrides,
  };
}

/** Runs the `temporal` CLI (built by scripts/setup.sh) against the harness's server. */
export async function temporalCli(args: string[]): Promise<string> {
  // On the cluster profile the CLI is a client like any other: it needs the client certificate.
  const env = clusterContext()?.temporalEnv;
  const tls = env
    ? [
        '--tls-ca-path',
        env.TEMPORAL_TLS_SERVER_CA_CERT_PATH ?? '',
        '--tls-cert-path',
        env.TEMPORAL_TLS_CLIENT_CERT_PATH ?? '',
        '--tls-key-path',
        env.TEMPORAL_TLS_CLIENT_KEY_PATH ?? '',
        '--tls-server-name',
        env.TEMPORAL_TLS_SERVER_NAME ?? '',
      ]
    : [];
  const { stdout } = await runFile(
    inject('temporalCli'),
    [...args, '--address', inject('temporalAddress'), '--namespace', inject('temporalNamespace'), ...tls],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  return stdout;
}

/** A workflow's history exactly as `temporal workflow show --output json` prints it. */
export async function cliHistoryJson(workflowId: string): Promise<string> {
  const json = await temporalCli(['workflow', 'show', '--workflow-id', workflowId, '--output', 'json']);
  const cluster = clusterContext();
  if (!cluster) return json;
  // Payloads are sealed on the cluster profile: read them as an operator would, through the codec.
  const opened = await decodeJsonPayloads(
    JSON.parse(json) as unknown,
    loadTemporalTarget({
      CASEFLOW_CODEC_KEYS: cluster.codecKeys,
    }).payloadCodecs,
  );
  return JSON.stringify(opened, null, 2);
}

/** POSTs as a principal and insists on success: for steps that only set a scene. */
export async function postOk(
  api: RunningApi,
  path: string,
  token: string,
  body: unknown,
): Promise<Record<string, unknown>> {
  const res = await api.request(path, { token, body });
  const json = (await res.json()) as Record<string, unknown>;
  if (res.status >= 300) throw new Error(`${path} answered ${res.status}: ${JSON.stringify(json)}`);
  return json;
}
