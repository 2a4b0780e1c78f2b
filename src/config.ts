import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';

/**
 * caseflow's own settings. Each comes from an environment variable or, under its key, from the
 * optional JSON file named by CASEFLOW_CONFIG_FILE; the environment wins. The Temporal connection
 * is not here: it comes from @temporalio/envconfig (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TLS, API
 * key, or a profile file), so the same build runs against any cluster.
 */
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
  logLevel: 'CASEFLOW_LOG_LEVEL',
  devTemporalPort: 'CASEFLOW_DEV_TEMPORAL_PORT',
  devUiPort: 'CASEFLOW_DEV_UI_PORT',
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

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;

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
    logLevel: z.enum(LOG_LEVELS).default('info'),
    /** Ports of the embedded dev server that `npm start` runs when TEMPORAL_ADDRESS is not set. */
    devTemporalPort: z.coerce.number().int().min(1).max(65535).default(7233),
    devUiPort: z.coerce.number().int().min(1).max(65535).default(8233),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;

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
      if (unknownKeys) return `config file: unknown setting(s) ${unknownKeys}`;
      return `${settingName(key, filePath !== undefined && !(key in fromEnv))}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
  return { ...result.data, dataDir: resolve(result.data.dataDir) };
}
