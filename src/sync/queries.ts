import type { DB } from '../store/db.js';
import { prepared } from '../store/prepare.js';
import type { OutboxRow } from './mapping.js';

/*
 * The sync's SQL over the local `outbox` table (any dcap store has one: the webhook daemon's
 * dcap.db, and the agent's agent.db if it ever syncs directly). "Pending" is
 * `synced_at IS NULL AND dead = 0`, which the partial index outbox_unsynced(seq) covers: reads
 * of the queue cost what is waiting, not what the outbox ever held.
 */

const PENDING = 'synced_at IS NULL AND dead = 0';

/** The oldest pending rows, in seq (send) order. */
export function readBatch(db: DB, limit: number): OutboxRow[] {
  return prepared(
    db,
    `SELECT seq, id, aggregate, aggregate_id AS aggregateId, type, payload, created_at AS createdAt
     FROM outbox WHERE ${PENDING} ORDER BY seq LIMIT ?`,
  ).all(limit) as OutboxRow[];
}

/**
 * Marks the pending rows of [first, last] synced. A batch is the first N pending rows, and seq
 * only grows, so the pending rows of that range are exactly the batch minus what went dead.
 */
export function markSynced(db: DB, first: number, last: number, at: number): number {
  return prepared(db, `UPDATE outbox SET synced_at = ?, last_error = NULL WHERE seq BETWEEN ? AND ? AND ${PENDING}`).run(at, first, last).changes;
}

/** A transient or auth failure: counted on every row of the batch, the error kept for status. */
export function markFailed(db: DB, first: number, last: number, error: string): void {
  prepared(db, `UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE seq BETWEEN ? AND ? AND ${PENDING}`).run(error.slice(0, 2000), first, last);
}

export function markDead(db: DB, seqs: readonly number[], error: string): number {
  const stmt = prepared(db, `UPDATE outbox SET dead = 1, attempts = attempts + 1, last_error = ? WHERE seq = ? AND ${PENDING}`);
  return db.transaction(() => seqs.reduce((n, seq) => n + stmt.run(error.slice(0, 2000), seq).changes, 0))();
}

/** Re-queues every dead row (they go again in their original seq order); returns how many. */
export function requeueDead(db: DB): number {
  return prepared(db, 'UPDATE outbox SET dead = 0, attempts = 0 WHERE dead = 1').run().changes;
}

export function pendingCount(db: DB): number {
  return prepared(db, `SELECT count(*) FROM outbox WHERE ${PENDING}`).pluck().get() as number;
}

/** A full scan (dead rows have no index): call it at start and now and then, not per request. */
export function deadCount(db: DB): number {
  return prepared(db, 'SELECT count(*) FROM outbox WHERE dead = 1').pluck().get() as number;
}

/** created_at of the first pending row: the lag is its age. */
export function oldestPendingAt(db: DB): number | null {
  return (prepared(db, `SELECT created_at FROM outbox WHERE ${PENDING} ORDER BY seq LIMIT 1`).pluck().get() as number | undefined) ?? null;
}

/** A full scan: once at start, and for `dcap sync status`. */
export function lastSyncedAt(db: DB): number | null {
  return (prepared(db, 'SELECT max(synced_at) FROM outbox').pluck().get() as number | null) ?? null;
}

/** The dead rows with their errors, oldest first (for dcap sync status). */
export function deadRows(db: DB, limit = 20): { seq: number; id: string; type: string; attempts: number; lastError: string | null }[] {
  return prepared(db, 'SELECT seq, id, type, attempts, last_error AS lastError FROM outbox WHERE dead = 1 ORDER BY seq LIMIT ?').all(limit) as never;
}
