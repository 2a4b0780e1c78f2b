import type { LogLevel as SdkLogLevel, LogMetadata, Logger as SdkLogger } from '@temporalio/common';
import pino from 'pino';
import type { LOG_LEVELS } from './config';

type Level = (typeof LOG_LEVELS)[number];

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/**
 * Field names that may hold a credential or a request's content anywhere in a log line, at the
 * top or one level down. Callers pass structured fields and never bodies or headers; this is the
 * second line, for a field someone adds later.
 */
const SECRET_FIELDS = [
  'password',
  'token',
  'authorization',
  'cookie',
  'secret',
  'apiKey',
  'body',
  'headers',
  'privateKey',
];
export const REDACTED_PATHS = [...SECRET_FIELDS, ...SECRET_FIELDS.map((f) => `*.${f}`)];

/**
 * The pino instance behind every logger of a process: one JSON object per line, with `time` (ISO),
 * `level` (a word), `component` and `msg`. `sink` receives each line (tests capture them);
 * stdout otherwise.
 */
export function createPino(component: string, level: Level = 'info', sink?: (line: string) => void) {
  return pino(
    {
      level,
      base: { component },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    sink ? { write: (line: string) => sink(line.trimEnd()) } : pino.destination({ dest: 1, sync: true }),
  );
}

export type PinoLogger = ReturnType<typeof createPino>;

/** caseflow's own log calls, on top of a pino instance. */
export function loggerOf(p: PinoLogger): Logger {
  return {
    debug: (msg, fields) => p.debug(fields ?? {}, msg),
    info: (msg, fields) => p.info(fields ?? {}, msg),
    warn: (msg, fields) => p.warn(fields ?? {}, msg),
    error: (msg, fields) => p.error(fields ?? {}, msg),
  };
}

export function createLogger(
  component: string,
  level: Level = 'info',
  sink?: (line: string) => void,
): Logger {
  return loggerOf(createPino(component, level, sink));
}

const SDK_LEVELS: Record<SdkLogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * The Temporal SDK's logger (Runtime.install({ logger })): the SDK's own messages, forwarded
 * core logs and workflow `log` calls (through the default sinks) come out as the same JSON lines,
 * marked with the SDK part that wrote them (`sdkComponent`: worker, workflow, activity, core).
 */
export function sdkLoggerOf(p: PinoLogger): SdkLogger {
  const log = (level: SdkLogLevel, message: string, meta?: LogMetadata) => {
    // Symbol keys (the SDK's timestamp) do not serialise; string keys are the metadata.
    const fields = meta ? Object.fromEntries(Object.entries(meta)) : {};
    p[SDK_LEVELS[level]](fields, message);
  };
  return {
    log,
    trace: (m, meta) => log('TRACE', m, meta),
    debug: (m, meta) => log('DEBUG', m, meta),
    info: (m, meta) => log('INFO', m, meta),
    warn: (m, meta) => log('WARN', m, meta),
    error: (m, meta) => log('ERROR', m, meta),
  };
}
