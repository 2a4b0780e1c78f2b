import type { Client } from '@temporalio/client';
import { isGrpcServiceError, WorkflowNotFoundError } from '@temporalio/client';
import express, { type Express, type RequestHandler } from 'express';
import type { CasePolicy } from '../domain/case-policy';
import type { Logger } from '../logger';
import type { CredentialVault } from '../vault/credential-vault';
import type { TargetEndpoints } from '../activities/escalation-delivery';
import { authenticate, type KeyEntry } from './auth';
import { CaseGateway } from './case-gateway';
import { auditRouter } from './audit';
import { casesRouter } from './cases';
import { codecRouter } from './codec';
import { caseStateRouter } from './case-state';
import { ElevationGateway } from './elevation-gateway';
import { elevationsRouter } from './elevations';
import { callbacksRouter, escalationsRouter } from './escalations';
import { incidentListRouter } from './incident-list';
import { docsRouter } from './docs';
import { healthRouter } from './health';
import { buildDocument, createRegistry } from './openapi';
import { type HttpProblem, notFoundRoute, problemHandler, problems } from './problem';
import { NO_SUCH_CASE } from './case-access';
import { randomBytes } from 'node:crypto';
import { OidcSignIn, type OidcSettings } from '../portal/oidc';
import { portalRouter } from '../portal/portal';
import { Sealer, Sessions } from '../portal/session';

export interface AppOptions {
  client: Client;
  keys: readonly KeyEntry[];
  taskQueue: string;
  supportModel: 'customer-led' | 'partner-led';
  providerName: string;
  policy: CasePolicy;
  /** Read by checkout only; the worker's activities write it. */
  vault?: CredentialVault;
  /** Escalation targets: the API needs their secrets to verify callbacks. */
  escalationTargets?: TargetEndpoints;
  maxBodyBytes: number;
  /** Web UI origins that may call /codec/decode from a browser (CASEFLOW_CODEC_CORS_ORIGINS). */
  codecCorsOrigins?: readonly string[];
  log: Logger;
  portal?: PortalSettings;
}

/** The web portal's own settings; it shares everything else (gateways, keys, policy) with the API. */
export interface PortalSettings {
  /** Base64 of 32 bytes sealing the session cookies; a random one per process when absent. */
  sessionKey?: string;
  sessionMinutes?: number;
  /** OpenID Connect sign-in; without it the portal offers sign-in with an API token. */
  oidc?: OidcSettings;
}

const GRPC_UNAVAILABLE = 14;
const GRPC_DEADLINE_EXCEEDED = 4;

/** What Temporal's answers mean to an HTTP caller. */
export function translateTemporalError(err: unknown): HttpProblem | undefined {
  if (err instanceof WorkflowNotFoundError) return problems.notFound(NO_SUCH_CASE);
  if (isGrpcServiceError(err)) {
    const code: number = err.code;
    if (code === GRPC_UNAVAILABLE || code === GRPC_DEADLINE_EXCEEDED) {
      return problems.unavailable('Temporal is not reachable; try again shortly.');
    }
  }
  return undefined;
}

/** Bodies are JSON only: anything else is refused before it is parsed. */
const requireJsonBody: RequestHandler = (req, _res, next) => {
  const hasBody =
    req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (hasBody && !req.is(['application/json', 'application/*+json'])) {
    throw problems.unsupportedMediaType('Send the body as application/json.');
  }
  next();
};

const securityHeaders: RequestHandler = (_req, res, next) => {
  res.set({
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
  });
  next();
};

function requestLog(log: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      log.info('request', {
        method: req.method,
        path: req.path,
        status: res.statusCode,
        principal: req.principal?.principal,
        ms: Number((process.hrtime.bigint() - started) / 1_000_000n),
      });
    });
    next();
  };
}

export function createApp(options: AppOptions): Express {
  const { client, log } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(securityHeaders, requestLog(log));

  const registry = createRegistry();
  const gateway = new CaseGateway(options);
  const elevationGateway = new ElevationGateway(client);

  // Public: probes and the API description carry no case data.
  app.use(healthRouter(client, registry));
  app.use(docsRouter());
  let document: ReturnType<typeof buildDocument> | undefined;
  app.get('/openapi.json', (_req, res) => {
    document ??= buildDocument(registry);
    res.json(document);
  });

  const escalationRoutes = {
    client,
    taskQueue: options.taskQueue,
    policy: options.policy,
    endpoints: options.escalationTargets ?? {},
    log,
  };
  // Callbacks authenticate by signature, not API key.
  app.use(callbacksRouter(escalationRoutes, options.maxBodyBytes, registry));

  // The web portal: signed-in sessions instead of API keys, the same gateways and rules.
  const portal = options.portal ?? {};
  if (!portal.sessionKey) log.warn('portal sessions use a per-process key (CASEFLOW_SESSION_KEY is not set)');
  app.get('/', (_req, res) => res.redirect(303, '/portal'));
  app.use(
    portalRouter({
      client,
      cases: gateway,
      elevations: elevationGateway,
      escalations: escalationRoutes,
      vault: options.vault,
      policy: options.policy,
      keys: options.keys,
      endpoints: options.escalationTargets ?? {},
      sessions: new Sessions(
        new Sealer(portal.sessionKey ? Buffer.from(portal.sessionKey, 'base64') : randomBytes(32)),
        (portal.sessionMinutes ?? 480) * 60_000,
      ),
      oidc: portal.oidc ? new OidcSignIn(portal.oidc) : undefined,
      groupRoles: portal.oidc?.groupRoles ?? {},
      timeZone: options.policy.calendar.timeZone,
      supportModel: options.supportModel,
      providerName: options.providerName,
      maxBodyBytes: options.maxBodyBytes,
      log,
      translateError: translateTemporalError,
    }),
  );
  // The Web UI's remote codec, when payloads are sealed; it authenticates like /v1 itself.
  const codecs = client.options.loadedDataConverter.payloadCodecs;
  if (codecs.length > 0) {
    app.use(
      codecRouter(
        {
          codecs,
          keys: options.keys,
          allowedOrigins: options.codecCorsOrigins ?? [],
          maxBodyBytes: options.maxBodyBytes,
        },
        registry,
      ),
    );
  }

  // Everything else under /v1 needs an API key.
  const v1 = express.Router();
  v1.use(authenticate(options.keys));
  v1.use(requireJsonBody, express.json({ limit: options.maxBodyBytes, strict: true }));
  v1.use(casesRouter(gateway, registry));
  v1.use(elevationsRouter(elevationGateway, options.vault, registry));
  v1.use(escalationsRouter(escalationRoutes, registry));
  v1.use(incidentListRouter(client, registry));
  v1.use(auditRouter(client, registry));
  v1.use(caseStateRouter(client, registry));
  app.use(v1);

  app.use(notFoundRoute);
  app.use(problemHandler(log, translateTemporalError));
  return app;
}
