import { pino, type Logger } from 'pino';
import type { LogLevel } from './config.js';

export type { Logger };

/**
 * Structured logs: one JSON line per event on stderr (stdout stays free for command output
 * and `--json`). Synchronous writes, so nothing logged just before a crash is lost.
 * Never log a secret or key: log `secretPrefix()` instead.
 */
export function createLogger(level: LogLevel, name = 'dcap'): Logger {
  return pino(
    { name, level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime },
    pino.destination({ fd: 2, sync: true }),
  );
}

/** The only part of a secret that may appear in a log line. */
export function secretPrefix(secret: string): string {
  return secret.slice(0, 8);
}
