import type { Client } from '@temporalio/client';
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
import { notFoundRoute, problemHandler, problems } from './problem';
import { budgetedLogger, UNAUTHENTICATED_LOG_LINES_PER_MINUTE } from './log-budget';
import { callbackCaller, changeBy, DEFAULT_RATE_LIMITS, rateLimit, type RateLimits } from './rate-limit';
import { limitRequestTarget, refuseUnreadableTarget, refuseUnsafeInput } from './request-limits';
import { temporalDeadline } from './temporal-deadline';
import { translateTemporalError } from './temporal-errors';
import { randomBytes } from 'node:crypto';
import { OidcSignIn, type OidcSettings } from '../portal/oidc';
import { portalErrorPages, type PortalOptions, portalRouter } from '../portal/portal';
import { Sealer, Sessions } from '../portal/session';
import { ApiMetrics } from './metrics';
import { requestIds } from './request-id';
import type { PersonalIndex } from '../temporal/personal-index';
import { WebUiSignIn, type WebUiSignInSettings } from './web-ui-sign-in';
import type { Classifier } from '../activities/classification';

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
  /** How long a request's Temporal calls may take in all before it is answered 503 (CASEFLOW_TEMPORAL_DEADLINE_MS). */
  temporalDeadlineMs?: number;
  /** Per-principal and per-caller limits (CASEFLOW_RATE_LIMIT_*, CASEFLOW_CALLBACK_RATE_LIMIT_*). */
  rateLimits?: RateLimits;
  /** Web UI origins that may call /codec/decode from a browser (CASEFLOW_CODEC_CORS_ORIGINS). */
  codecCorsOrigins?: readonly string[];
  /** caseflow as the Web UI's OpenID provider (CASEFLOW_WEB_UI_*): the UI's tokens open payloads. */
  webUi?: WebUiSignInSettings;
  /** Keyed hashes of requester ids and device serials for search attributes (CASEFLOW_SEARCH_ATTRIBUTE_KEYS). */
  personalIndex?: PersonalIndex;
  /** Classifies intake before a case starts (default: the shipped model); `null` leaves it to the workflow. */
  classifyIntake?: Classifier | null;
  log: Logger;
  portal?: PortalSettings;
  /** Request counts and durations; the caller serves them (CASEFLOW_API_METRICS_PORT). */
  metrics?: ApiMetrics;
  /** A span per request (`requestSpans`, src/api/request-spans.ts) when tracing is on; nothing otherwise. */
  requestTracing?: RequestHandler;
}

/** The web portal's own settings; it shares everything else (gateways, keys, policy) with the API. */
export interface PortalSettings {
  /** Base64 of 32 bytes sealing the session cookies; a random one per process when absent. */
  sessionKey?: string;
  sessionMinutes?: number;
  /** OpenID Connect sign-in; without it the portal offers sign-in with an API token. */
  oidc?: OidcSettings;
}

export { translateTemporalError } from './temporal-errors';

export const DEFAULT_TEMPORAL_DEADLINE_MS = 10_000;

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

/** One line per request; those without a principal go through a budget, so they cannot flood the log. */
function requestLog(log: Logger, anonymous: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      (req.principal ? log : anonymous).info('request', {
        requestId: req.requestId,
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
  // Every line an unauthenticated request can cause shares this one budget.
  const anonymousLog = budgetedLogger(log, UNAUTHENTICATED_LOG_LINES_PER_MINUTE);
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  if (options.requestTracing) app.use(options.requestTracing);
  app.use(
    requestIds,
    securityHeaders,
    requestLog(log, anonymousLog),
    (options.metrics ?? new ApiMetrics()).middleware(),
    limitRequestTarget,
    refuseUnreadableTarget,
  );
  // Every Temporal call a request makes shares one deadline: an outage is a prompt 503, never a hang.
  app.use(temporalDeadline(client, options.temporalDeadlineMs ?? DEFAULT_TEMPORAL_DEADLINE_MS));
  const rateLimits = options.rateLimits ?? DEFAULT_RATE_LIMITS;
  // One limiter for every state-changing request, /v1 and portal forms alike: one bucket a principal.
  const limitChanges = rateLimit(rateLimits.principal, changeBy);

  const registry = createRegistry();
  const gateway = new CaseGateway(options);
  const elevationGateway = new ElevationGateway(client, options.personalIndex);

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
  // Callbacks authenticate by signature, not API key; they are limited per caller before any work.
  app.use('/v1/callbacks', rateLimit(rateLimits.callback, callbackCaller));
  app.use(callbacksRouter(escalationRoutes, options.maxBodyBytes, registry));

  // The web portal: signed-in sessions instead of API keys, the same gateways and rules.
  const portal = options.portal ?? {};
  if (!portal.sessionKey) log.warn('portal sessions use a per-process key (CASEFLOW_SESSION_KEY is not set)');
  const sealer = new Sealer(portal.sessionKey ? Buffer.from(portal.sessionKey, 'base64') : randomBytes(32));
  const sessions = new Sessions(sealer, (portal.sessionMinutes ?? 480) * 60_000);
  // The Temporal Web UI signs in with caseflow's sign-in (the portal's) as its OpenID provider.
  const webUi = options.webUi ? new WebUiSignIn(options.webUi, sealer, sessions, log) : undefined;
  if (webUi) app.use(webUi.router());
  app.get('/', (_req, res) => res.redirect(303, '/portal'));
  const portalOptions: PortalOptions = {
    client,
    cases: gateway,
    elevations: elevationGateway,
    escalations: escalationRoutes,
    vault: options.vault,
    policy: options.policy,
    keys: options.keys,
    endpoints: options.escalationTargets ?? {},
    sessions,
    oidc: portal.oidc ? new OidcSignIn(portal.oidc) : undefined,
    groupRoles: portal.oidc?.groupRoles ?? {},
    timeZone: options.policy.calendar.timeZone,
    supportModel: options.supportModel,
    providerName: options.providerName,
    maxBodyBytes: options.maxBodyBytes,
    limitChanges,
    log,
    anonymousLog,
    translateError: translateTemporalError,
  };
  app.use(portalRouter(portalOptions));
  // Errors on portal paths are pages, also those raised before the portal saw the request.
  app.use('/portal', portalErrorPages(portalOptions));
  // The Web UI's remote codec, when payloads are sealed; it authenticates like /v1 itself.
  const codecs = client.options.loadedDataConverter.payloadCodecs;
  if (codecs.length > 0) {
    app.use(
      codecRouter(
        {
          codecs,
          keys: options.keys,
          allowedOrigins: options.codecCorsOrigins ?? [],
          webUiTokens: webUi ? (token) => webUi.principalOf(token) : undefined,
          maxBodyBytes: options.maxBodyBytes,
        },
        registry,
      ),
    );
  }

  // Everything else under /v1 needs an API key.
  const v1 = express.Router();
  v1.use(authenticate(options.keys));
  v1.use(limitChanges);
  v1.use(requireJsonBody, express.json({ limit: options.maxBodyBytes, strict: true }), refuseUnsafeInput);
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
