import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { type CasePolicy } from './domain/case-policy';
import { casePolicySchema } from './schemas/case-policy-schema';
import { SEVERITIES } from './domain/categories';
import { DEFAULT_MICROSOFT_CHANNEL_RESPONSE, DEFAULT_VENDOR_RESPONSE } from './domain/escalation';
import { roleSchema } from './schemas/roles-schema';
import { DEFAULT_SLA_POLICY, type SlaPolicy } from './domain/sla';
import { severityTargetsOverrideSchema } from './schemas/sla-schema';

/**
 * caseflow's own settings. Each comes from an environment variable or, under its key, from the
 * optional JSON file named by CASEFLOW_CONFIG_FILE; the environment wins. The Temporal connection
 * is not here: it comes from @temporalio/envconfig (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TLS, API
 * key, or a profile file), so the same build runs against any cluster.
 */
/** See workerCachedWorkflows: measured by `npm run bench`. */
export const DEFAULT_WORKER_CACHED_WORKFLOWS = 1000;

export const SETTINGS = {
  port: 'PORT',
  host: 'CASEFLOW_HOST',
  dataDir: 'CASEFLOW_DATA_DIR',
  apiKeysFile: 'CASEFLOW_API_KEYS_FILE',
  taskQueue: 'CASEFLOW_TASK_QUEUE',
  supportModel: 'CASEFLOW_SUPPORT_MODEL',
  providerName: 'CASEFLOW_PROVIDER_NAME',
  timeZone: 'CASEFLOW_TIME_ZONE',
  maxBodyBytes: 'CASEFLOW_MAX_BODY_BYTES',
  maxHeaderBytes: 'CASEFLOW_MAX_HEADER_BYTES',
  headersTimeoutMs: 'CASEFLOW_HEADERS_TIMEOUT_MS',
  requestTimeoutMs: 'CASEFLOW_REQUEST_TIMEOUT_MS',
  temporalDeadlineMs: 'CASEFLOW_TEMPORAL_DEADLINE_MS',
  rateLimitPerMinute: 'CASEFLOW_RATE_LIMIT_PER_MINUTE',
  rateLimitBurst: 'CASEFLOW_RATE_LIMIT_BURST',
  callbackRateLimitPerMinute: 'CASEFLOW_CALLBACK_RATE_LIMIT_PER_MINUTE',
  callbackRateLimitBurst: 'CASEFLOW_CALLBACK_RATE_LIMIT_BURST',
  workerCachedWorkflows: 'CASEFLOW_WORKER_CACHED_WORKFLOWS',
  logLevel: 'CASEFLOW_LOG_LEVEL',
  metricsHost: 'CASEFLOW_METRICS_HOST',
  apiMetricsPort: 'CASEFLOW_API_METRICS_PORT',
  workerMetricsPort: 'CASEFLOW_WORKER_METRICS_PORT',
  otelExporter: 'CASEFLOW_OTEL_EXPORTER',
  devTemporalPort: 'CASEFLOW_DEV_TEMPORAL_PORT',
  devUiPort: 'CASEFLOW_DEV_UI_PORT',
  workingDays: 'CASEFLOW_WORKING_DAYS',
  businessHours: 'CASEFLOW_BUSINESS_HOURS',
  holidays: 'CASEFLOW_HOLIDAYS',
  sla: 'CASEFLOW_SLA',
  vendorResponse: 'CASEFLOW_VENDOR_RESPONSE',
  microsoftChannelResponse: 'CASEFLOW_MICROSOFT_CHANNEL_RESPONSE',
  unresponsiveCloseHours: 'CASEFLOW_UNRESPONSIVE_CLOSE_HOURS',
  infoReminderBeforeCloseHours: 'CASEFLOW_INFO_REMINDER_BEFORE_CLOSE_HOURS',
  sevAEngagementMinutes: 'CASEFLOW_SEV_A_ENGAGEMENT_MINUTES',
  autoCloseDays: 'CASEFLOW_AUTO_CLOSE_DAYS',
  notifyUrls: 'CASEFLOW_NOTIFY_URLS',
  notifySecret: 'CASEFLOW_NOTIFY_SECRET',
  vaultKeys: 'CASEFLOW_VAULT_KEYS',
  vaultFile: 'CASEFLOW_VAULT_FILE',
  vaultUrl: 'CASEFLOW_VAULT_URL',
  codecCorsOrigins: 'CASEFLOW_CODEC_CORS_ORIGINS',
  jitAccount: 'CASEFLOW_JIT_ACCOUNT',
  deviceWebhookUrl: 'CASEFLOW_DEVICE_WEBHOOK_URL',
  deviceWebhookSecret: 'CASEFLOW_DEVICE_WEBHOOK_SECRET',
  elevationApprovalMinutes: 'CASEFLOW_ELEVATION_APPROVAL_MINUTES',
  elevationWindowMinutes: 'CASEFLOW_ELEVATION_WINDOW_MINUTES',
  elevationMaxWindowMinutes: 'CASEFLOW_ELEVATION_MAX_WINDOW_MINUTES',
  elevationMaxTotalMinutes: 'CASEFLOW_ELEVATION_MAX_TOTAL_MINUTES',
  passwordMaxAgeMinutes: 'CASEFLOW_ELEVATION_PASSWORD_MAX_AGE_MINUTES',
  rotationFailingAfterMinutes: 'CASEFLOW_ELEVATION_ROTATION_FAILING_MINUTES',
  grantTimeoutMinutes: 'CASEFLOW_ELEVATION_GRANT_TIMEOUT_MINUTES',
  adminContacts: 'CASEFLOW_ADMIN_CONTACTS',
  escalationTargets: 'CASEFLOW_ESCALATION_TARGETS',
  archiveDir: 'CASEFLOW_ARCHIVE_DIR',
  sessionKey: 'CASEFLOW_SESSION_KEY',
  sessionMinutes: 'CASEFLOW_SESSION_MINUTES',
  oidcIssuer: 'CASEFLOW_OIDC_ISSUER',
  oidcClientId: 'CASEFLOW_OIDC_CLIENT_ID',
  oidcClientSecret: 'CASEFLOW_OIDC_CLIENT_SECRET',
  oidcRedirectUrl: 'CASEFLOW_OIDC_REDIRECT_URL',
  oidcScopes: 'CASEFLOW_OIDC_SCOPES',
  oidcGroupsClaim: 'CASEFLOW_OIDC_GROUPS_CLAIM',
  oidcPrincipalClaim: 'CASEFLOW_OIDC_PRINCIPAL_CLAIM',
  oidcGroupRoles: 'CASEFLOW_OIDC_GROUP_ROLES',
  webUiIssuer: 'CASEFLOW_WEB_UI_ISSUER',
  webUiClientId: 'CASEFLOW_WEB_UI_CLIENT_ID',
  webUiClientSecret: 'CASEFLOW_WEB_UI_CLIENT_SECRET',
  webUiRedirectUrl: 'CASEFLOW_WEB_UI_REDIRECT_URL',
  webUiPortalOrigin: 'CASEFLOW_WEB_UI_PORTAL_ORIGIN',
} as const;
type SettingKey = keyof typeof SETTINGS;

const isTimeZone = (tz: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

/** A list given as "a,b,c" in the environment or as a JSON array in the file. */
const commaList = <T extends z.ZodType>(item: T) =>
  z.preprocess(
    (v) =>
      typeof v === 'string'
        ? v
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s !== '')
        : v,
    z.array(item),
  );

const parseJsonText = (v: unknown): unknown => {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return v; // the schema then reports it as not an object
  }
};

const slaOverridesSchema = z
  .object({
    A: severityTargetsOverrideSchema.optional(),
    B: severityTargetsOverrideSchema.optional(),
    C: severityTargetsOverrideSchema.optional(),
  })
  .strict();

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export const OTEL_EXPORTERS = ['none', 'otlp', 'console'] as const;

export const configSchema = z
  .object({
    port: z.coerce.number().int().min(0).max(65535).default(3000),
    host: z.string().min(1).default('127.0.0.1'),
    dataDir: z.string().min(1).default('data'),
    apiKeysFile: z.string().min(1).optional(),
    taskQueue: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,100}$/, 'letters, digits, dot, underscore or dash only')
      .default('caseflow'),
    supportModel: z.enum(['customer-led', 'partner-led']).default('customer-led'),
    providerName: z.string().trim().min(1).max(120).default('Service desk'),
    timeZone: z.string().refine(isTimeZone, 'not an IANA time zone').default('America/Los_Angeles'),
    maxBodyBytes: z.coerce.number().int().min(1024).max(10_485_760).default(65_536),
    /** Request line and headers together; Node answers beyond it (431) before the app sees the request. */
    maxHeaderBytes: z.coerce.number().int().min(4_096).max(65_536).default(16_384),
    /** Slow clients: all headers within this, the whole request within requestTimeoutMs (else 408). */
    headersTimeoutMs: z.coerce.number().int().min(1_000).max(120_000).default(10_000),
    requestTimeoutMs: z.coerce.number().int().min(1_000).max(600_000).default(30_000),
    /** All Temporal calls of one request together; past it the answer is 503 with Retry-After. */
    temporalDeadlineMs: z.coerce.number().int().min(500).max(120_000).default(10_000),
    /** State-changing requests per principal and API process (token bucket: sustained rate and burst). */
    rateLimitPerMinute: z.coerce.number().int().min(1).max(1_000_000).default(1_200),
    rateLimitBurst: z.coerce.number().int().min(1).max(100_000).default(300),
    /** Unauthenticated callbacks per caller address and API process. */
    callbackRateLimitPerMinute: z.coerce.number().int().min(1).max(1_000_000).default(600),
    callbackRateLimitBurst: z.coerce.number().int().min(1).max(100_000).default(120),
    /**
     * Open workflows a worker keeps in memory (sticky cache); the others are replayed from their
     * history when they next have work. Chosen from the measured memory per cached case (README,
     * "Performance"), so 10,000 open cases fit one worker in 1 GiB.
     */
    workerCachedWorkflows: z.coerce
      .number()
      .int()
      .min(0)
      .max(100_000)
      .default(DEFAULT_WORKER_CACHED_WORKFLOWS),
    logLevel: z.enum(LOG_LEVELS).default('info'),
    /** Where the Prometheus endpoints listen; each is off unless its port is set. */
    metricsHost: z.string().min(1).default('127.0.0.1'),
    apiMetricsPort: z.coerce.number().int().min(1).max(65535).optional(),
    workerMetricsPort: z.coerce.number().int().min(1).max(65535).optional(),
    /** Where OpenTelemetry spans go; tracing is off (nothing of it loaded) with `none`. See src/temporal/tracing.ts. */
    otelExporter: z.enum(OTEL_EXPORTERS).default('none'),
    /** Ports of the embedded dev server that `npm start` runs when TEMPORAL_ADDRESS is not set. */
    devTemporalPort: z.coerce.number().int().min(1).max(65535).default(7233),
    devUiPort: z.coerce.number().int().min(1).max(65535).default(8233),
    /** ISO weekdays (1 = Monday) of the business-hours calendar. */
    workingDays: commaList(z.coerce.number().int().min(1).max(7)).default([1, 2, 3, 4, 5]),
    businessHours: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d-(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'HH:MM-HH:MM, e.g. 09:00-17:00')
      .default('09:00-17:00'),
    holidays: commaList(z.iso.date()).default([]),
    /** Per-severity overrides of the service's SLA table (JSON), e.g. {"B":{"resolutionMinutes":960}}. */
    sla: z.preprocess(parseJsonText, slaOverridesSchema).default({}),
    /** The vendor's response expectations per severity (same shape as CASEFLOW_SLA). */
    vendorResponse: z.preprocess(parseJsonText, slaOverridesSchema).default({}),
    /** The organisation's Microsoft channel contract per severity (same shape as CASEFLOW_SLA). */
    microsoftChannelResponse: z.preprocess(parseJsonText, slaOverridesSchema).default({}),
    unresponsiveCloseHours: z.coerce.number().positive().default(48),
    infoReminderBeforeCloseHours: z.coerce.number().positive().default(24),
    sevAEngagementMinutes: z.coerce.number().int().positive().default(120),
    autoCloseDays: z.coerce.number().positive().default(5),
    notifyUrls: z
      .union([z.string(), z.array(z.string())])
      .transform((v) => (Array.isArray(v) ? v.join(',') : v))
      .optional(),
    notifySecret: z.string().min(16, 'at least 16 characters').optional(),
    /** `keyId:base64key,…` (32-byte AES keys); the first encrypts, the rest only decrypt (rotation). */
    vaultKeys: z.string().min(1).optional(),
    vaultFile: z.string().min(1).optional(),
    /** postgres://… : the shared PostgreSQL vault for several workers and APIs (else the file vault). */
    vaultUrl: z
      .string()
      .regex(/^postgres(ql)?:\/\/\S+$/, 'a postgres:// or postgresql:// URL')
      .optional(),
    /** Web UI origins allowed to call /codec/decode from a browser, e.g. http://127.0.0.1:8080. */
    codecCorsOrigins: commaList(z.url({ protocol: /^https?$/ }).transform((u) => new URL(u).origin)).default(
      [],
    ),
    jitAccount: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/, 'a local account name')
      .default('caseflow-jit-admin'),
    deviceWebhookUrl: z.url({ protocol: /^https?$/ }).optional(),
    deviceWebhookSecret: z.string().min(16, 'at least 16 characters').optional(),
    elevationApprovalMinutes: z.coerce.number().int().positive().default(60),
    elevationWindowMinutes: z.coerce.number().int().positive().default(120),
    elevationMaxWindowMinutes: z.coerce.number().int().positive().default(240),
    elevationMaxTotalMinutes: z.coerce.number().int().positive().default(480),
    /** No checked-out JIT password stays on a device longer than this (the seed's two hours). */
    passwordMaxAgeMinutes: z.coerce.number().int().positive().max(120).default(120),
    rotationFailingAfterMinutes: z.coerce.number().int().positive().default(15),
    grantTimeoutMinutes: z.coerce.number().int().positive().default(10),
    /** Admin contact per escalation area (JSON), e.g. {"devices": "it-devices@example.org"}. */
    adminContacts: z
      .preprocess(
        parseJsonText,
        z
          .object({
            'app-packaging': z.string().min(3).optional(),
            devices: z.string().min(3).optional(),
            security: z.string().min(3).optional(),
            other: z.string().min(3).optional(),
          })
          .strict(),
      )
      .default({}),
    /** Where each escalation target is delivered (JSON of {url, secret}); parsed by parseTargetEndpoints. */
    escalationTargets: z
      .union([z.string(), z.record(z.string(), z.unknown())])
      .transform((v) => (typeof v === 'string' ? v : JSON.stringify(v)))
      .optional(),
    /** Where closed cases' audit bundles are written; archiveDirOf gives the default under dataDir. */
    archiveDir: z.string().min(1).optional(),
    /** Seals portal session cookies (base64 of 32 bytes); every API process needs the same one. */
    sessionKey: z
      .string()
      .refine((v) => Buffer.from(v, 'base64').length === 32, 'the base64 of 32 random bytes')
      .optional(),
    sessionMinutes: z.coerce
      .number()
      .int()
      .min(5)
      .max(7 * 24 * 60)
      .default(480),
    /** OpenID Connect sign-in for the portal; without an issuer the portal offers the token sign-in. */
    oidcIssuer: z.url({ protocol: /^https?$/ }).optional(),
    oidcClientId: z.string().min(1).optional(),
    oidcClientSecret: z.string().min(1).optional(),
    oidcRedirectUrl: z.url({ protocol: /^https?$/ }).optional(),
    oidcScopes: z.string().min(6).default('openid profile email'),
    oidcGroupsClaim: z.string().min(1).default('groups'),
    oidcPrincipalClaim: z.string().min(1).default('preferred_username'),
    /** Group → roles (JSON), e.g. {"Modern Workplace Roles-Support Partner": ["agent", "escalation-team"]}. */
    oidcGroupRoles: z.preprocess(parseJsonText, z.record(z.string(), z.array(roleSchema).min(1))).default({}),
    /**
     * caseflow as the Temporal Web UI's OpenID provider: its issuer URL as the UI server reaches
     * this API (`<origin>/web-ui-auth`), the client the UI server is registered as, and its callback.
     */
    webUiIssuer: z
      .url({ protocol: /^https?$/ })
      .refine((v) => new URL(v).pathname === '/web-ui-auth', 'the API origin followed by /web-ui-auth')
      .optional(),
    webUiClientId: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, dot, underscore or dash')
      .optional(),
    webUiClientSecret: z.string().min(24, 'at least 24 characters of a random secret').optional(),
    webUiRedirectUrl: z.url({ protocol: /^https?$/ }).optional(),
    /** Where browsers reach the portal when the UI server reaches the API at another address. */
    webUiPortalOrigin: z
      .url({ protocol: /^https?$/ })
      .refine((v) => new URL(v).origin === v.replace(/\/$/, ''), 'an origin only: scheme, host and port')
      .transform((v) => new URL(v).origin)
      .optional(),
  })
  .strict()
  .refine(
    (c) =>
      [c.webUiIssuer, c.webUiClientId, c.webUiClientSecret, c.webUiRedirectUrl].every(
        (v) => v === undefined,
      ) ||
      [c.webUiIssuer, c.webUiClientId, c.webUiClientSecret, c.webUiRedirectUrl].every((v) => v !== undefined),
    {
      message:
        'CASEFLOW_WEB_UI_ISSUER, _CLIENT_ID, _CLIENT_SECRET and _REDIRECT_URL go together (all or none)',
      path: ['webUiIssuer'],
    },
  )
  .refine((c) => !c.webUiPortalOrigin || c.webUiIssuer, {
    message: 'CASEFLOW_WEB_UI_PORTAL_ORIGIN goes with CASEFLOW_WEB_UI_ISSUER and the rest',
    path: ['webUiPortalOrigin'],
  })
  .refine((c) => !c.oidcIssuer || (c.oidcClientId && c.oidcRedirectUrl), {
    message: 'CASEFLOW_OIDC_CLIENT_ID and CASEFLOW_OIDC_REDIRECT_URL are required with an issuer',
    path: ['oidcIssuer'],
  })
  .refine((c) => !c.notifyUrls || c.notifySecret, {
    message: 'required when CASEFLOW_NOTIFY_URLS is set (webhooks are signed with it)',
    path: ['notifySecret'],
  })
  .refine((c) => !c.deviceWebhookUrl || c.deviceWebhookSecret, {
    message: 'required when CASEFLOW_DEVICE_WEBHOOK_URL is set (requests are signed with it)',
    path: ['deviceWebhookSecret'],
  })
  .refine((c) => c.elevationWindowMinutes <= c.elevationMaxWindowMinutes, {
    message: 'the default window cannot exceed CASEFLOW_ELEVATION_MAX_WINDOW_MINUTES',
    path: ['elevationWindowMinutes'],
  });

export type Config = z.infer<typeof configSchema>;

/**
 * The audit-bundle directory, absolute: CASEFLOW_ARCHIVE_DIR, or `<dataDir>/archive`. Resolved
 * here rather than defaulted in the schema, so it follows a dataDir set after loading.
 */
export function archiveDirOf(config: Pick<Config, 'archiveDir' | 'dataDir'>): string {
  return resolve(config.archiveDir ?? join(config.dataDir, 'archive'));
}

/** The policy every new case is opened under, from the deployment's settings. */
/** Which setting a policy field comes from, to name it when the combination is invalid. */
const POLICY_SETTING: Record<string, string> = {
  calendar: 'CASEFLOW_BUSINESS_HOURS / CASEFLOW_WORKING_DAYS / CASEFLOW_HOLIDAYS / CASEFLOW_TIME_ZONE',
  sla: 'CASEFLOW_SLA',
  unresponsiveCloseHours: 'CASEFLOW_UNRESPONSIVE_CLOSE_HOURS',
  infoReminderBeforeCloseHours: 'CASEFLOW_INFO_REMINDER_BEFORE_CLOSE_HOURS',
  sevAEngagementMinutes: 'CASEFLOW_SEV_A_ENGAGEMENT_MINUTES',
  autoCloseAfterResolutionHours: 'CASEFLOW_AUTO_CLOSE_DAYS',
  elevation: 'CASEFLOW_ELEVATION_*',
  escalation: 'CASEFLOW_ADMIN_CONTACTS / CASEFLOW_VENDOR_RESPONSE / CASEFLOW_MICROSOFT_CHANNEL_RESPONSE',
};

export function casePolicyFrom(config: Config): CasePolicy {
  const result = buildCasePolicy(config);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const field = String(issue.path[0] ?? '');
    return `${POLICY_SETTING[field] ?? field} (${issue.path.join('.')}): ${issue.message}`;
  });
  throw new ConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
}

function tableWith(base: SlaPolicy, overrides: Config['sla']): SlaPolicy {
  return {
    A: { ...base.A, ...overrides.A },
    B: { ...base.B, ...overrides.B },
    C: { ...base.C, ...overrides.C },
  };
}

function buildCasePolicy(config: Config) {
  const [dayStart, dayEnd] = config.businessHours.split('-') as [string, string];
  const sla = Object.fromEntries(
    SEVERITIES.map((severity) => [severity, { ...DEFAULT_SLA_POLICY[severity], ...config.sla[severity] }]),
  );
  return casePolicySchema.safeParse({
    version: '1',
    sla,
    calendar: {
      timeZone: config.timeZone,
      workingDays: config.workingDays,
      dayStart,
      dayEnd,
      holidays: config.holidays,
    },
    unresponsiveCloseHours: config.unresponsiveCloseHours,
    infoReminderBeforeCloseHours: config.infoReminderBeforeCloseHours,
    sevAEngagementMinutes: config.sevAEngagementMinutes,
    autoCloseAfterResolutionHours: config.autoCloseDays * 24,
    escalation: {
      adminContacts: config.adminContacts,
      vendorResponse: tableWith(DEFAULT_VENDOR_RESPONSE, config.vendorResponse),
      microsoftChannelResponse: tableWith(
        DEFAULT_MICROSOFT_CHANNEL_RESPONSE,
        config.microsoftChannelResponse,
      ),
    },
    elevation: {
      approvalTimeoutMinutes: config.elevationApprovalMinutes,
      defaultWindowMinutes: config.elevationWindowMinutes,
      maxWindowMinutes: config.elevationMaxWindowMinutes,
      maxTotalMinutes: config.elevationMaxTotalMinutes,
      passwordMaxAgeMinutes: config.passwordMaxAgeMinutes,
      rotationFailingAfterMinutes: config.rotationFailingAfterMinutes,
      grantTimeoutMinutes: config.grantTimeoutMinutes,
    },
  });
}

/** The portal's sign-in and session settings. */
export function portalSettingsFrom(config: Config) {
  return {
    sessionKey: config.sessionKey,
    sessionMinutes: config.sessionMinutes,
    oidc:
      config.oidcIssuer && config.oidcClientId && config.oidcRedirectUrl
        ? {
            issuer: config.oidcIssuer,
            clientId: config.oidcClientId,
            clientSecret: config.oidcClientSecret,
            redirectUrl: config.oidcRedirectUrl,
            scopes: config.oidcScopes,
            groupsClaim: config.oidcGroupsClaim,
            principalClaim: config.oidcPrincipalClaim,
            groupRoles: config.oidcGroupRoles,
          }
        : undefined,
  };
}

/** The Web UI's sign-in against caseflow, when configured. */
export function webUiSettingsFrom(config: Config) {
  const { webUiIssuer, webUiClientId, webUiClientSecret, webUiRedirectUrl, webUiPortalOrigin } = config;
  return webUiIssuer && webUiClientId && webUiClientSecret && webUiRedirectUrl
    ? {
        issuer: webUiIssuer,
        clientId: webUiClientId,
        clientSecret: webUiClientSecret,
        redirectUrl: webUiRedirectUrl,
        ...(webUiPortalOrigin ? { portalOrigin: webUiPortalOrigin } : {}),
      }
    : undefined;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`CASEFLOW_CONFIG_FILE: cannot read ${path}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`CASEFLOW_CONFIG_FILE: ${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`CASEFLOW_CONFIG_FILE: ${path} must hold a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

/** Names a setting the way an operator sets it: the variable, and the file key when a file is used. */
function settingName(key: string, fromFile: boolean): string {
  const envName = SETTINGS[key as SettingKey];
  if (!envName) return fromFile ? `config file key "${key}"` : key;
  return fromFile ? `${envName} (config file key "${key}")` : envName;
}

/** Loads and validates the configuration; throws a ConfigError naming every bad setting. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const filePath = env.CASEFLOW_CONFIG_FILE;
  const fromFile = filePath ? readConfigFile(filePath) : {};
  const fromEnv: Record<string, string> = {};
  for (const [key, envName] of Object.entries(SETTINGS)) {
    const value = env[envName];
    if (value !== undefined && value !== '') fromEnv[key] = value;
  }
  const result = configSchema.safeParse({ ...fromFile, ...fromEnv });
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const key = issue.path[0] !== undefined ? String(issue.path[0]) : '';
      const unknownKeys = issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : '';
      if (unknownKeys && issue.path.length > 0) {
        return `${settingName(key, filePath !== undefined && !(key in fromEnv))}: unknown key(s) ${unknownKeys} at ${issue.path.join('.')}`;
      }
      if (unknownKeys) return `config file: unknown setting(s) ${unknownKeys}`;
      return `${settingName(key, filePath !== undefined && !(key in fromEnv))}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
  return { ...result.data, dataDir: resolve(result.data.dataDir) };
}
