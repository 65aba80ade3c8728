import type { DB } from './db.js';
import { appendOutbox } from './outbox.js';
import { prepared } from './prepare.js';

export interface TradeEvent {
  /** Chosen by the agent, so a re-sent event is recognised. */
  id: string;
  kind: string;
  jobId?: string | null;
  signalId?: string | null;
  symbol?: string | null;
  side?: string | null;
  volume?: number | null;
  price?: number | null;
  profit?: number | null;
  ticket?: string | number | null;
  time: number;
  [k: string]: unknown;
}

/** Inserts new events, ignoring ids seen before; returns how many were new. */
export function recordTradeEvents(db: DB, agentId: string, events: TradeEvent[], now: number): number {
  return db.transaction(() => {
    let added = 0;
    const insert = prepared(
      db,
      `INSERT INTO trade_events (id, agent_id, job_id, signal_id, kind, symbol, side, volume, price, profit, ticket, time, payload, received_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
    );
    for (const e of events) {
      const r = insert.run(
        e.id,
        agentId,
        e.jobId ?? null,
        e.signalId ?? null,
        e.kind,
        e.symbol ?? null,
        e.side ?? null,
        e.volume ?? null,
        e.price ?? null,
        e.profit ?? null,
        e.ticket === undefined || e.ticket === null ? null : String(e.ticket),
        e.time,
        JSON.stringify(e),
        now,
      );
      if (r.changes === 0) continue;
      added++;
      appendOutbox(db, { aggregate: 'trade_event', aggregateId: e.id, type: 'trade_event.recorded', payload: { ...e, agentId } }, now);
    }
    return added;
  })();
}
