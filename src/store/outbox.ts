import type { DB } from './db.js';
import { newId } from './ids.js';
import { prepared } from './prepare.js';

export interface OutboxEvent {
  aggregate: string;
  aggregateId: string;
  type: string;
  payload: unknown;
}

/**
 * Appends one event to the outbox. Call it inside the transaction that makes the change it
 * describes, so the change and its event commit (or vanish) together.
 */
export function appendOutbox(db: DB, event: OutboxEvent, now: number): string {
  const id = newId();
  prepared(
    db,
    'INSERT INTO outbox (id, aggregate, aggregate_id, type, payload, created_at) VALUES (?, ?, ?, ?, ?, ?)',
  ).run(id, event.aggregate, event.aggregateId, event.type, JSON.stringify(event.payload), now);
  return id;
}
