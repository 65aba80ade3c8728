import { parseDuration } from '../../core/duration.js';
import { UserError } from '../../errors.js';
import type { DB } from '../../store/db.js';
import { strategyNameKnown, type SignalFilter } from '../../store/signals-query.js';

export const STATUSES = ['accepted', 'duplicate', 'discarded', 'blocked', 'rejected', 'executed', 'failed'] as const;

/** `--since`: an ISO date/time ("2024-05-01", "2024-05-01T12:00:00Z") or a duration ago ("15m", "24h"). */
export function parseSince(text: string, now = Date.now()): number {
  try {
    return now - parseDuration(text);
  } catch {
    // not a duration: try a date below
  }
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new UserError(`--since: "${text}" is neither an ISO date/time (2024-05-01T12:00:00Z) nor a duration ago (15m, 24h, 7d)`);
  return t;
}

export interface FilterOptions {
  strategy?: string;
  status?: string;
  since?: string;
}

/** Validates the filter flags against the store, so a typo is an error rather than an empty list. */
export function toFilter(db: DB, opts: FilterOptions): SignalFilter {
  const f: SignalFilter = {};
  if (opts.strategy !== undefined) {
    if (!strategyNameKnown(db, opts.strategy)) throw new UserError(`no strategy named "${opts.strategy}" (see dcap strategy list)`);
    f.strategy = opts.strategy;
  }
  if (opts.status !== undefined) {
    if (!(STATUSES as readonly string[]).includes(opts.status)) throw new UserError(`--status: "${opts.status}" is not one of ${STATUSES.join(', ')}`);
    f.status = opts.status;
  }
  if (opts.since !== undefined) f.since = parseSince(opts.since);
  return f;
}

export const iso = (ms: number) => new Date(ms).toISOString();
