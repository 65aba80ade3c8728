import type { DB } from '../../store/db.js';

/** Thrown to every request of a batch whose commit failed: the daemon answers 503. */
export class CommitError extends Error {
  override name = 'CommitError';
}

/** What one unit of a batch gave: its value, or what it threw (it rolled back alone). */
export type UnitOutcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * Group commit: runs every unit of `batch` in ONE transaction, in order, and returns once COMMIT
 * returned. With synchronous=FULL that COMMIT fsyncs the WAL, so one fsync covers every request
 * answered after it (DESIGN.md section 4: a 2xx only after a durable commit), instead of one
 * fsync per alert. Later units see the writes of earlier ones (dedup within a batch).
 *
 * Each unit runs in its own savepoint (better-sqlite3 nests db.transaction as SAVEPOINT), so a
 * unit that throws rolls back alone and the rest of the batch still commits. When the
 * transaction cannot start or commit, nothing of the batch is kept and CommitError is thrown.
 */
export function commitBatch(db: DB, batch: readonly (() => unknown)[]): UnitOutcome[] {
  const outcomes: UnitOutcome[] = [];
  try {
    db.exec('BEGIN IMMEDIATE');
    for (const unit of batch) {
      try {
        outcomes.push({ ok: true, value: db.transaction(unit)() });
      } catch (error) {
        outcomes.push({ ok: false, error });
      }
    }
    db.exec('COMMIT');
  } catch (err) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw new CommitError(`store unavailable: ${(err as Error).message}`, { cause: err });
  }
  return outcomes;
}

/** Batches committed and units in them, for /healthz and the benchmark. */
export interface CommitStats {
  batches: number;
  units: number;
  failedBatches: number;
  /** The last commit's error; null once a later batch committed. */
  lastError: string | null;
}

export function emptyStats(): CommitStats {
  return { batches: 0, units: 0, failedBatches: 0, lastError: null };
}
