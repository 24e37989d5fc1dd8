/**
 * Logging with winston: JSON lines (for machines) or human text (on a terminal), with the same
 * keys everywhere: `controller` (dockerpod, dockerhost), `namespace` and `name` of the object,
 * `reconcileID` (one per pass, from the work queue), `host` (the DockerHost), `error` (a message).
 *
 * Secret values never reach a log line by design (the operator logs references, never Secret
 * data, env values or registry auth); as a second line of defence, the value of any field whose
 * name says it holds a credential (password, token, auth, authconfig, authorization, identitytoken,
 * registryauth, x-registry-auth, stringdata), at any depth, is replaced by `[redacted]`.
 */
import winston from 'winston';

/** The logger interface the rest of the code depends on. */
export interface Logger {
  error(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  debug(message: string, meta?: Record<string, unknown>): void;
  child(meta: Record<string, unknown>): Logger;
}

/** Log settings (`--log-level`, `--log-format`). */
export interface LogOptions {
  level: 'error' | 'warn' | 'info' | 'debug';
  format: 'json' | 'text';
  /** Where lines go (stderr by default). */
  stream?: NodeJS.WritableStream;
}

/** Field names whose values are credentials (compared lower-case). */
export const REDACTED_FIELDS: ReadonlySet<string> = new Set(['password', 'passwd', 'token', 'bearertoken', 'auth', 'authconfig', 'authorization', 'identitytoken', 'registryauth', 'x-registry-auth', 'stringdata']);

/** `value` with the values of credential fields replaced, at any depth (up to 8 levels; cycles cut). */
export function redact(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value instanceof Error || value instanceof Date) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, REDACTED_FIELDS.has(k.toLowerCase()) ? '[redacted]' : redact(v, depth + 1)]));
}

/** Applies {@link redact} to a log entry's fields (winston keeps level and message under symbols too, which stay). */
const redaction = winston.format((info) => {
  for (const [key, value] of Object.entries(info)) info[key] = REDACTED_FIELDS.has(key.toLowerCase()) ? '[redacted]' : redact(value);
  return info;
});

const text = winston.format.printf((info) => {
  const { level, message, timestamp, ...meta } = info;
  const rest = Object.entries(meta).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
  return `${String(timestamp)} ${level.toUpperCase().padEnd(5)} ${String(message)}${rest ? ` ${rest}` : ''}`;
});

/** A logger writing to stderr (or `options.stream`). */
export function createLogger(options: LogOptions): Logger {
  const format = options.format === 'json' ? winston.format.combine(redaction(), winston.format.timestamp(), winston.format.json()) : winston.format.combine(redaction(), winston.format.timestamp(), text);
  const transport = new winston.transports.Stream({ stream: options.stream ?? process.stderr });
  return winston.createLogger({ level: options.level, format, transports: [transport] });
}

/** A logger that drops everything (tests that do not look at logs). */
export const silentLogger: Logger = {
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
  child: () => silentLogger,
};
