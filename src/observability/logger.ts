/**
 * Logging with winston: JSON lines (for machines) or human text (on a terminal), with the same
 * keys everywhere (`controller`, `namespace`, `name`, `reconcileID`, `host`).
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

const text = winston.format.printf((info) => {
  const { level, message, timestamp, ...meta } = info;
  const rest = Object.entries(meta).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
  return `${String(timestamp)} ${level.toUpperCase().padEnd(5)} ${String(message)}${rest ? ` ${rest}` : ''}`;
});

/** A logger writing to stderr (or `options.stream`). */
export function createLogger(options: LogOptions): Logger {
  const format = options.format === 'json' ? winston.format.combine(winston.format.timestamp(), winston.format.json()) : winston.format.combine(winston.format.timestamp(), text);
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
