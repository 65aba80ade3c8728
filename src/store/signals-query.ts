/**
 * Read queries over recorded signals, for `dcap signals list|show|export`. The intake writes
 * them (src/store/signals.ts); nothing here writes.
 */
import type { DB } from './db.js';
import { prepared } from './prepare.js';

/** Every column of a signal, plus its strategy's name. JSON columns are parsed. */
export interface SignalRecord {
  id: string;
  strategyId: string;
  strategy: string;
  receivedAt: number;
  sourceIp: string | null;
  contentType: string | null;
  rawBody: string;
  bodyHash: string;
  format: string | null;
  alertId: string | null;
  parsed: unknown;
  symbol: string | null;
  action: string | null;
  outcome: string;
  status: string;
  reason: string | null;
  error: unknown;
  httpStatus: number;
  duplicateOf: string | null;
  jobId: string | null;
  updatedAt: number;
  /** The bridge result once the job finished (fill price, volume, ticket, retcode, error). */
  result: Record<string, unknown> | null;
  completedAt: number | null;
}

export interface SignalFilter {
  /** Strategy name (removed strategies included: their signals stay). */
  strategy?: string;
  status?: string;
  /** received_at >= since (ms). */
  since?: number;
}

const SELECT = `SELECT sg.id, sg.strategy_id AS strategyId, st.name AS strategy, sg.received_at AS receivedAt,
  sg.source_ip AS sourceIp, sg.content_type AS contentType, sg.raw_body AS rawBody, sg.body_hash AS bodyHash,
  sg.format, sg.alert_id AS alertId, sg.parsed, sg.symbol, sg.action, sg.outcome, sg.status, sg.reason, sg.error,
  sg.http_status AS httpStatus, sg.duplicate_of AS duplicateOf, sg.job_id AS jobId, sg.updated_at AS updatedAt,
  sg.result, sg.completed_at AS completedAt
  FROM signals sg JOIN strategies st ON st.id = sg.strategy_id`;

function where(f: SignalFilter): { sql: string; params: (string | number)[] } {
  const clauses: string[] = [];
  const params: (string | number)[] = [];
  if (f.strategy !== undefined) {
    clauses.push('st.name = ?');
    params.push(f.strategy);
  }
  if (f.status !== undefined) {
    clauses.push('sg.status = ?');
    params.push(f.status);
  }
  if (f.since !== undefined) {
    clauses.push('sg.received_at >= ?');
    params.push(f.since);
  }
  return { sql: clauses.length ? ` WHERE ${clauses.join(' AND ')}` : '', params };
}

function toRecord(r: Record<string, unknown>): SignalRecord {
  return {
    ...(r as unknown as SignalRecord),
    parsed: typeof r.parsed === 'string' ? JSON.parse(r.parsed) : null,
    error: typeof r.error === 'string' ? JSON.parse(r.error) : null,
    result: typeof r.result === 'string' ? (JSON.parse(r.result) as Record<string, unknown>) : null,
  };
}

/** Newest first; ties (same ms) by id, which is time-ordered (UUIDv7). */
export function listSignals(db: DB, f: SignalFilter & { limit: number }): SignalRecord[] {
  const w = where(f);
  const rows = prepared(db, `${SELECT}${w.sql} ORDER BY sg.received_at DESC, sg.id DESC LIMIT ?`).all(...w.params, f.limit);
  return (rows as Record<string, unknown>[]).map(toRecord);
}

/** Oldest first, streamed: an export of a busy store must not hold every body in memory. */
export function* iterateSignals(db: DB, f: SignalFilter): Generator<SignalRecord> {
  const w = where(f);
  // Not the prepared() cache: an iterating statement is busy until the loop ends.
  for (const r of db.prepare(`${SELECT}${w.sql} ORDER BY sg.received_at ASC, sg.id ASC`).iterate(...w.params)) {
    yield toRecord(r as Record<string, unknown>);
  }
}

/**
 * Signals whose id starts with `prefix` (at most `max`, to tell "unique" from "ambiguous").
 * A range scan on the primary key rather than LIKE, whose wildcards the prefix could contain.
 */
export function findSignalsByPrefix(db: DB, prefix: string, max = 5): SignalRecord[] {
  const p = prefix.toLowerCase();
  const rows = prepared(db, `${SELECT} WHERE sg.id >= ? AND sg.id < ? ORDER BY sg.id LIMIT ?`).all(p, `${p}\uffff`, max);
  return (rows as Record<string, unknown>[]).map(toRecord);
}

/** Whether any strategy (removed ones included) ever had this name. */
export function strategyNameKnown(db: DB, name: string): boolean {
  return prepared(db, 'SELECT 1 FROM strategies WHERE name = ? LIMIT 1').get(name) !== undefined;
}
