import { existsSync } from 'node:fs';
import { getAgentById } from '../store/agents.js';
import type { DB } from '../store/db.js';
import { newId } from '../store/ids.js';
import { insertJob } from '../store/jobs.js';
import { appendOutbox } from '../store/outbox.js';

/**
 * Closing a position from the TUI. The TUI reads with a read token, and a read token must never
 * trade (docs/relay.md), so the close does not go over the network at all: it is written to the
 * server's own store, like every other CLI command that changes it (`dcap strategy ...`). That
 * works when `dcap tui` runs on the server box (or points --data-dir at its store); the webhook
 * daemon notices the commit through SQLite's data_version and wakes the agent's long-poll within
 * 100 ms. A remote TUI stays read-only and says so. A trade-scoped network credential would be a
 * second kind of key to issue, rotate and revoke for one key press: not worth it yet.
 */
export interface CloseTarget {
  agentId: string;
  agent: string;
  ticket: number;
  symbol: string;
}

export interface CloseOutcome {
  jobId: string;
}

/** Creates the close job, or throws an Error whose message the TUI shows. */
export type Closer = (t: CloseTarget) => Promise<CloseOutcome>;

/**
 * A close job for one position by ticket: type 'close', payload {action:'close', ticket, symbol}
 * (what src/core/job.ts produces for a close alert, narrowed to the ticket). Bound to the agent
 * by name, as alert jobs are; no signal or strategy: an operator asked for it.
 */
export function createCloseJob(db: DB, t: CloseTarget, now: number): CloseOutcome {
  if (!Number.isInteger(t.ticket) || t.ticket <= 0) throw new Error(`position ticket ${t.ticket} is not a valid ticket`);
  // IMMEDIATE: a deferred transaction that reads first cannot upgrade to a write while the
  // daemon commits heartbeats (SQLITE_BUSY at once, no busy_timeout wait); this one queues.
  return db.transaction(() => {
    const agent = getAgentById(db, t.agentId);
    if (!agent) throw new Error(`agent "${t.agent}" (${t.agentId}) is not in this store: is --data-dir the server's?`);
    const job = {
      id: newId(),
      signalId: null,
      strategyId: null,
      agent: agent.name,
      type: 'close' as const,
      payload: { action: 'close', ticket: t.ticket, symbol: t.symbol },
      createdAt: now,
      expiresAt: null,
    };
    insertJob(db, job);
    appendOutbox(db, { aggregate: 'job', aggregateId: job.id, type: 'job.created', payload: { ...job, status: 'pending', source: 'tui' } }, now);
    return { jobId: job.id };
  }).immediate();
}

/**
 * The closer of a TUI on the server box: opens the store on first use (never creating one: a
 * missing store means this is not the server), and creates the job there.
 */
export function storeCloser(storeFile: string, open: () => DB, now: () => number = Date.now): Closer {
  return async (t) => {
    if (!existsSync(storeFile)) {
      throw new Error(`closing needs the server's store, and there is none at ${storeFile}: run dcap tui on the server (or --data-dir to its data dir)`);
    }
    return createCloseJob(open(), t, now());
  };
}
