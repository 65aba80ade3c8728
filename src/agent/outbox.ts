/**
 * The agent's own store, `<data-dir>/agent.db`: every job it claimed (with its bridge seq and
 * stage) and everything it owes the server (results, state, trade events), kept across
 * `kill -9` and server outages, delivered in order. Never the daemon's dcap.db: an agent runs
 * on the MT5 machine, far from the daemon's data dir.
 */
import { join } from 'node:path';
import { openDb, type DB, type Migration } from '../store/db.js';
import { prepared } from '../store/prepare.js';
import type { ServerJob } from './client.js';

export const AGENT_DB_FILE = 'agent.db';

const SCHEMA = `
CREATE TABLE jobs (
  job_id      TEXT PRIMARY KEY,
  seq         INTEGER NOT NULL UNIQUE,   -- the bridge seq of its command file
  signal_id   TEXT,
  type        TEXT NOT NULL,
  job         TEXT NOT NULL,             -- the job as the server handed it out (to write its command later)
  -- claimed: recorded, command maybe not written yet; written: command file renamed into cmd/;
  -- result: the bridge's result is in deliveries; done: the server has it.
  stage       TEXT NOT NULL CHECK (stage IN ('claimed', 'written', 'result', 'done')),
  command     TEXT,                      -- the command JSON (null: answered locally, never written)
  result      TEXT,
  attempt     INTEGER NOT NULL,
  claimed_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);
CREATE INDEX jobs_open ON jobs(seq) WHERE stage IN ('claimed', 'written');

CREATE TABLE deliveries (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,  -- send order
  kind         TEXT NOT NULL CHECK (kind IN ('result', 'state', 'events')),
  job_id       TEXT,
  body         TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  attempts     INTEGER NOT NULL DEFAULT 0,
  last_error   TEXT,
  delivered_at INTEGER,
  dead         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX deliveries_pending ON deliveries(id) WHERE delivered_at IS NULL AND dead = 0;

CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
`;

export const AGENT_MIGRATIONS: readonly Migration[] = [{ version: 1, name: 'agent', sql: SCHEMA }];

export type Stage = 'claimed' | 'written' | 'result' | 'done';

export interface AgentJob {
  jobId: string;
  seq: number;
  signalId: string | null;
  type: string;
  job: ServerJob;
  stage: Stage;
  command: Record<string, unknown> | null;
  result: Record<string, unknown> | null;
  attempt: number;
  claimedAt: number;
  updatedAt: number;
}

export interface Delivery {
  id: number;
  kind: 'result' | 'state' | 'events';
  jobId: string | null;
  body: unknown;
  attempts: number;
}

interface RawJob {
  job_id: string;
  seq: number;
  signal_id: string | null;
  type: string;
  job: string;
  stage: Stage;
  command: string | null;
  result: string | null;
  attempt: number;
  claimed_at: number;
  updated_at: number;
}

const fromRaw = (r: RawJob): AgentJob => ({
  jobId: r.job_id,
  seq: r.seq,
  signalId: r.signal_id,
  type: r.type,
  job: JSON.parse(r.job) as ServerJob,
  stage: r.stage,
  command: r.command ? (JSON.parse(r.command) as Record<string, unknown>) : null,
  result: r.result ? (JSON.parse(r.result) as Record<string, unknown>) : null,
  attempt: r.attempt,
  claimedAt: r.claimed_at,
  updatedAt: r.updated_at,
});

/**
 * The agent's store. Every write is one transaction; which of them are fsynced (synchronous=FULL)
 * follows from what each failure can lose:
 *  - kill -9 loses no commit: a WAL commit is in the page cache once the call returns, whatever
 *    `synchronous` says. Only a power loss (or an OS crash) can drop the last commits, and then
 *    never out of order: the WAL is replayed up to its last synced frame, so one FULL commit makes
 *    every earlier NORMAL one durable too.
 *  - `recordResult` is FULL: the result file is deleted right after, and it is the only other copy.
 *  - `markWritten` is FULL, right after the command file is renamed into cmd/: from then on the
 *    claim is durable, and a command file lost with the power is written again by reconciliation
 *    (stage written, gone from cmd/, no result; the EA's processed-job memory or the `dcap:` tag
 *    answers it if it ran already).
 *  - `claim` is NORMAL, before the command is written: a kill -9 after it leaves the row and
 *    reconciliation writes the command. A power loss in the few ms until markWritten's fsync may
 *    drop the row (with or without the command file); the server still holds the job as running
 *    and hands it out again when its lease runs out, and a re-handed job the agent does not know
 *    is first looked for in res/ and cmd/ (JobLoop.handle): nothing runs twice, nothing is lost.
 *    Fsyncing here too cost one more fsync before every command file (bench/latency.mjs).
 *  - `delivered` is NORMAL: a mark lost with the power means the row is sent again, and the server
 *    answers a repeated result with `already_recorded`.
 * The command file itself is fsynced before its rename (bridge/file.ts): without that, a power loss
 * can leave a zero-length file under its final name, which the EA would answer as a broken command.
 */
export class AgentStore {
  readonly db: DB;

  constructor(dataDir: string) {
    this.db = openDb(join(dataDir, AGENT_DB_FILE), {}, AGENT_MIGRATIONS);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  getJob(jobId: string): AgentJob | undefined {
    const r = prepared(this.db, 'SELECT * FROM jobs WHERE job_id = ?').get(jobId) as RawJob | undefined;
    return r && fromRaw(r);
  }

  /** Jobs whose result is not yet in the outbox, in seq order. */
  openJobs(): AgentJob[] {
    return (prepared(this.db, "SELECT * FROM jobs WHERE stage IN ('claimed', 'written') ORDER BY seq").all() as RawJob[]).map(fromRaw);
  }

  countOpen(): number {
    return prepared(this.db, "SELECT count(*) FROM jobs WHERE stage IN ('claimed', 'written')").pluck().get() as number;
  }

  /**
   * Records a claimed job with the next seq BEFORE its command is written, so a crash between the
   * two leaves a row that reconciliation finishes. `minSeq`: the EA's lastSeq or the highest seq
   * seen in cmd/, so a lost agent.db never reuses a seq the terminal already passed. Not fsynced:
   * markWritten's fsync covers it (see the class comment).
   */
  claim(j: ServerJob, minSeq: number, now: number): AgentJob {
    return this.relaxed(() => {
      const last = Number(prepared(this.db, "SELECT value FROM meta WHERE key = 'seq'").pluck().get() ?? 0);
      const seq = Math.max(last, minSeq) + 1;
      prepared(this.db, "INSERT INTO meta (key, value) VALUES ('seq', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(String(seq));
      prepared(
        this.db,
        `INSERT INTO jobs (job_id, seq, signal_id, type, job, stage, attempt, claimed_at, updated_at) VALUES (?, ?, ?, ?, ?, 'claimed', ?, ?, ?)`,
      ).run(j.id, seq, j.signalId, j.type, JSON.stringify(j), j.attempt, now, now);
      return this.getJob(j.id)!;
    });
  }

  /** A rewrite after a lost command file takes a fresh seq, so the EA sees it after everything it passed. */
  reseq(jobId: string, minSeq: number, now: number): number {
    return this.db.transaction(() => {
      const last = Number(prepared(this.db, "SELECT value FROM meta WHERE key = 'seq'").pluck().get() ?? 0);
      const seq = Math.max(last, minSeq) + 1;
      prepared(this.db, "UPDATE meta SET value = ? WHERE key = 'seq'").run(String(seq));
      prepared(this.db, 'UPDATE jobs SET seq = ?, updated_at = ? WHERE job_id = ?').run(seq, now, jobId);
      return seq;
    })();
  }

  /** Fsynced: the point from which the claim and its command survive a power loss. */
  markWritten(jobId: string, command: Record<string, unknown>, now: number): void {
    prepared(this.db, "UPDATE jobs SET stage = 'written', command = ?, updated_at = ? WHERE job_id = ? AND stage IN ('claimed', 'written')").run(
      JSON.stringify(command),
      now,
      jobId,
    );
  }

  setAttempt(jobId: string, attempt: number, now: number): void {
    prepared(this.db, 'UPDATE jobs SET attempt = max(attempt, ?), updated_at = ? WHERE job_id = ?').run(attempt, now, jobId);
  }

  /**
   * Stores a job's result and queues its delivery in one transaction. False when the job already
   * has one (a result file seen twice), so nothing is queued twice.
   */
  recordResult(jobId: string, result: Record<string, unknown>, events: unknown[], now: number): boolean {
    return this.db.transaction(() => {
      const changed = prepared(
        this.db,
        "UPDATE jobs SET stage = 'result', result = ?, updated_at = ? WHERE job_id = ? AND stage IN ('claimed', 'written')",
      ).run(JSON.stringify(result), now, jobId).changes;
      if (changed === 0) return false;
      this.enqueue('result', jobId, result, now);
      if (events.length > 0) this.enqueue('events', null, { events }, now);
      return true;
    })();
  }

  /** Queues a job's stored result again (the server handed out a job whose result it lost or never got). */
  requeueResult(jobId: string, now: number): boolean {
    return this.db.transaction(() => {
      const job = this.getJob(jobId);
      if (!job?.result || (job.stage !== 'result' && job.stage !== 'done')) return false;
      const queued = prepared(this.db, 'SELECT 1 FROM deliveries WHERE job_id = ? AND delivered_at IS NULL AND dead = 0').get(jobId);
      if (!queued) this.enqueue('result', jobId, job.result, now);
      prepared(this.db, "UPDATE jobs SET stage = 'result', updated_at = ? WHERE job_id = ?").run(now, jobId);
      return true;
    })();
  }

  /** State is a snapshot: a newer one replaces any older one still waiting. */
  queueState(state: unknown, now: number): void {
    this.db.transaction(() => {
      prepared(this.db, "DELETE FROM deliveries WHERE kind = 'state' AND delivered_at IS NULL").run();
      this.enqueue('state', null, state, now);
    })();
  }

  queueEvents(events: unknown[], now: number): void {
    if (events.length > 0) this.enqueue('events', null, { events }, now);
  }

  private enqueue(kind: Delivery['kind'], jobId: string | null, body: unknown, now: number): void {
    prepared(this.db, 'INSERT INTO deliveries (kind, job_id, body, created_at) VALUES (?, ?, ?, ?)').run(kind, jobId, JSON.stringify(body), now);
  }

  /** The oldest undelivered row: deliveries go strictly in order. */
  nextDelivery(): Delivery | undefined {
    const r = prepared(this.db, 'SELECT id, kind, job_id, body, attempts FROM deliveries WHERE delivered_at IS NULL AND dead = 0 ORDER BY id LIMIT 1').get() as
      | { id: number; kind: Delivery['kind']; job_id: string | null; body: string; attempts: number }
      | undefined;
    return r && { id: r.id, kind: r.kind, jobId: r.job_id, body: JSON.parse(r.body) as unknown, attempts: r.attempts };
  }

  pendingDeliveries(): number {
    return prepared(this.db, 'SELECT count(*) FROM deliveries WHERE delivered_at IS NULL AND dead = 0').pluck().get() as number;
  }

  /** Not fsynced: lost with the power, the row is only sent again (the server deduplicates). */
  delivered(d: Delivery, now: number): void {
    this.relaxed(() => {
      // Delivered snapshots are worthless and come every second while prices move: drop them.
      if (d.kind === 'state') prepared(this.db, 'DELETE FROM deliveries WHERE id = ?').run(d.id);
      else prepared(this.db, 'UPDATE deliveries SET delivered_at = ?, attempts = attempts + 1 WHERE id = ?').run(now, d.id);
      if (d.kind === 'result' && d.jobId) prepared(this.db, "UPDATE jobs SET stage = 'done', updated_at = ? WHERE job_id = ? AND stage = 'result'").run(now, d.jobId);
    });
  }

  failedAttempt(d: Delivery, error: string): void {
    prepared(this.db, 'UPDATE deliveries SET attempts = attempts + 1, last_error = ? WHERE id = ?').run(error.slice(0, 2000), d.id);
  }

  /** A delivery the server refuses for good (4xx): kept for inspection, no longer blocking the queue. */
  dead(d: Delivery, error: string): void {
    prepared(this.db, 'UPDATE deliveries SET dead = 1, attempts = attempts + 1, last_error = ? WHERE id = ?').run(error.slice(0, 2000), d.id);
  }

  /**
   * One transaction committed with synchronous=NORMAL: safe from kill -9, not fsynced; the next
   * FULL commit makes it durable (the WAL keeps the order). SQLite refuses to change the pragma
   * inside a transaction: nested in one, the outer commit decides.
   */
  private relaxed<T>(fn: () => T): T {
    if (this.db.inTransaction) return this.db.transaction(fn)();
    this.db.pragma('synchronous = NORMAL');
    try {
      return this.db.transaction(fn)();
    } finally {
      this.db.pragma('synchronous = FULL');
    }
  }

  getMeta(key: string): string | undefined {
    return prepared(this.db, 'SELECT value FROM meta WHERE key = ?').pluck().get(key) as string | undefined;
  }

  setMeta(key: string, value: string): void {
    prepared(this.db, 'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }
}
