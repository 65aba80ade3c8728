import type { DB } from './db.js';
import { prepared } from './prepare.js';

/** A signal row as the intake writes it (times in ms). Read queries live in signals-query.ts. */
export interface SignalInsert {
  id: string;
  strategyId: string;
  receivedAt: number;
  sourceIp: string | null;
  contentType: string | null;
  rawBody: string;
  bodyHash: string;
  format: string | null;
  alertId: string | null;
  parsed: unknown | null;
  symbol: string | null;
  action: string | null;
  outcome: string;
  reason: string | null;
  error: unknown | null;
  httpStatus: number;
  duplicateOf: string | null;
  jobId: string | null;
}

export function insertSignal(db: DB, s: SignalInsert): void {
  prepared(
    db,
    `INSERT INTO signals (id, strategy_id, received_at, source_ip, content_type, raw_body, body_hash, format, alert_id,
       parsed, symbol, action, outcome, status, reason, error, http_status, duplicate_of, job_id, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    s.id,
    s.strategyId,
    s.receivedAt,
    s.sourceIp,
    s.contentType,
    s.rawBody,
    s.bodyHash,
    s.format,
    s.alertId,
    s.parsed === null ? null : JSON.stringify(s.parsed),
    s.symbol,
    s.action,
    s.outcome,
    s.outcome,
    s.reason,
    s.error === null ? null : JSON.stringify(s.error),
    s.httpStatus,
    s.duplicateOf,
    s.jobId,
    s.receivedAt,
  );
}

/**
 * The earlier valid (accepted or blocked) signal of this strategy with this explicit alert id.
 * Uses the partial index signals_alert_id. An explicit id dedups for the strategy's whole life.
 */
export function findByAlertId(db: DB, strategyId: string, alertId: string): string | undefined {
  return prepared(
    db,
    // "+received_at": without it the planner sorts through signals_strategy_time and scans every
    // signal of the strategy (replay of 4,000 alerts with ids: 1,000/s and falling; with it, flat).
    `SELECT id FROM signals WHERE strategy_id = ? AND alert_id = ? AND outcome IN ('accepted','blocked')
     ORDER BY +received_at LIMIT 1`,
  )
    .pluck()
    .get(strategyId, alertId) as string | undefined;
}

/** The latest valid signal of this strategy with an identical body received at or after `since`. */
export function findByBodyHash(db: DB, strategyId: string, bodyHash: string, since: number): string | undefined {
  return prepared(
    db,
    `SELECT id FROM signals WHERE strategy_id = ? AND body_hash = ? AND received_at >= ? AND outcome IN ('accepted','blocked')
     ORDER BY received_at DESC LIMIT 1`,
  )
    .pluck()
    .get(strategyId, bodyHash, since) as string | undefined;
}
