import {
  Client,
  Connection,
  defaultGrpcRetryOptions,
  makeGrpcRetryInterceptor,
  type WorkflowClientInterceptor,
} from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import { codecFromEnv } from './codec';
import { staleClockQueryRetry } from './query-retry';
import { requestIdInterceptor } from './request-id';

/** Where and how to reach Temporal: the embedded dev server, a self-hosted cluster or Temporal Cloud. */
export interface TemporalTarget {
  address: string;
  namespace: string;
  options: NativeConnectionOptions;
  /** The payload codec every client and worker of this deployment uses (CASEFLOW_CODEC_KEYS). */
  payloadCodecs: PayloadCodec[];
}

export const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';

/**
 * Reads the connection from the standard Temporal environment (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
 * TEMPORAL_API_KEY, TEMPORAL_TLS*, TEMPORAL_PROFILE / TEMPORAL_CONFIG_FILE).
 */
export function loadTemporalTarget(env: NodeJS.ProcessEnv = process.env): TemporalTarget {
  const overrideEnvVars = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  const { connectionOptions, namespace } = loadClientConnectConfig({ overrideEnvVars });
  const address = connectionOptions.address ?? DEFAULT_TEMPORAL_ADDRESS;
  const codec = codecFromEnv(env);
  return {
    address,
    namespace: namespace ?? 'default',
    options: { ...connectionOptions, address },
    payloadCodecs: codec ? [codec] : [],
  };
}

export function localTarget(address: string, namespace = 'default'): TemporalTarget {
  return { address, namespace, options: { address }, payloadCodecs: [] };
}

export interface ClientConnectOptions {
  /**
   * Attempts per call when the server is unavailable. The SDK's default (10, with backoff up to
   * 5 s) keeps a caller waiting about 20 s before it learns Temporal is down; the API asks for
   * fewer so that an outage is answered with 503 in about a second.
   */
  maxCallAttempts?: number;
  /** More workflow client interceptors (tracing's), after the request id's. */
  interceptors?: WorkflowClientInterceptor[];
}

export async function connectClient(
  target: TemporalTarget,
  options: ClientConnectOptions = {},
): Promise<Client> {
  const { address, tls, apiKey, metadata } = target.options;
  const interceptors =
    options.maxCallAttempts === undefined
      ? undefined
      : [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: options.maxCallAttempts }))];
  const connection = await Connection.connect({ address, tls, apiKey, metadata, interceptors });
  return new Client({
    connection,
    namespace: target.namespace,
    dataConverter: { payloadCodecs: target.payloadCodecs },
    interceptors: { workflow: [...CLIENT_INTERCEPTORS.workflow, ...(options.interceptors ?? [])] },
  });
}

/**
 * Every caseflow client's: starts, signals and updates carry the HTTP request's id in their
 * headers (into the history); queries the workers' stale-clock guard refused are asked again.
 */
export const CLIENT_INTERCEPTORS = { workflow: [requestIdInterceptor, staleClockQueryRetry()] };

export async function connectWorkerConnection(target: TemporalTarget): Promise<NativeConnection> {
  return NativeConnection.connect(target.options);
}
