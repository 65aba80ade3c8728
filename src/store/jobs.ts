import { shortJobId } from '../bridge/protocol.js';
import type { JobType } from '../core/types.js';
import { applyEaJobResult, EA_JOB_TYPES } from '../ea/job-results.js';
import type { DB } from './db.js';
import { appendOutbox } from './outbox.js';
import { prepared } from './prepare.js';

export interface JobInsert {
  id: string;
  signalId: string | null;
  strategyId: string | null;
  /** Agent name; null lets any agent take it. */
  agent: string | null;
  type: JobType;
  payload: unknown;
  createdAt: number;
  /** Not executed after this time (the strategy's max age); null: waits as long as it takes. */
  expiresAt?: number | null;
}

export interface JobRow {
  id: string;
  signalId: string | null;
  strategyId: string | null;
  agent: string | null;
  type: JobType;
  payload: Record<string, unknown>;
  status: 'pending' | 'running' | 'done' | 'failed';
  attempts: number;
  leaseUntil: number | null;
  claimedBy: string | null;
  result: Record<string, unknown> | null;
  createdAt: number;
  updatedAt: number;
  expiresAt: number | null;
  completedAt: number | null;
}

interface Raw {
  id: string;
  signal_id: string | null;
  strategy_id: string | null;
  agent: string | null;
  type: JobType;
  payload: string;
  status: JobRow['status'];
  attempts: number;
  lease_until: number | null;
  claimed_by: string | null;
  result: string | null;
  created_at: number;
  updated_at: number;
  expires_at: number | null;
  completed_at: number | null;
}

export function jobFromRaw(r: Raw): JobRow {
  return {
    id: r.id,
    signalId: r.signal_id,
    strategyId: r.strategy_id,
    agent: r.agent,
    type: r.type,
    payload: JSON.parse(r.payload) as Record<string, unknown>,
    status: r.status,
    attempts: r.attempts,
    leaseUntil: r.lease_until,
    claimedBy: r.claimed_by,
    result: r.result ? (JSON.parse(r.result) as Record<string, unknown>) : null,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    expiresAt: r.expires_at,
    completedAt: r.completed_at,
  };
}

/** Inserts a `pending` job. Call inside the transaction that records its cause (signal, command). */
export function insertJob(db: DB, j: JobInsert): void {
  prepared(
    db,
    `INSERT INTO jobs (id, signal_id, strategy_id, agent, type, payload, status, created_at, updated_at, expires_at, tag)
     VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?)`,
  ).run(j.id, j.signalId, j.strategyId, j.agent, j.type, JSON.stringify(j.payload), j.createdAt, j.createdAt, j.expiresAt ?? null, shortJobId(j.id));
}

export function getJob(db: DB, id: string): JobRow | undefined {
  const r = prepared(db, 'SELECT * FROM jobs WHERE id = ?').get(id) as Raw | undefined;
  return r && jobFromRaw(r);
}

/**
 * Atomically claims the oldest job this agent may run: a pending job for it (or for any agent),
 * or one it claimed before whose lease ran out (it restarted, or lost our answer). A job is
 * never handed to a DIFFERENT agent once claimed: another terminal could not know the first
 * one already executed it (idempotency lives in each terminal), so that would risk a double order.
 * Expired jobs (older than the strategy's max age) are failed instead of handed out.
 */
export function claimJob(db: DB, agent: { id: string; name: string }, now: number, leaseMs: number): JobRow | undefined {
  return db.transaction(() => {
    failExpired(db, agent.name, now);
    const r = prepared(
      db,
      `UPDATE jobs SET status = 'running', claimed_by = @agentId, lease_until = @lease, attempts = attempts + 1, updated_at = @now
       WHERE id = (
         SELECT id FROM jobs
         WHERE (status = 'pending' AND (agent IS NULL OR agent = @name))
            OR (status = 'running' AND claimed_by = @agentId AND lease_until < @now)
         ORDER BY created_at, id LIMIT 1)
       RETURNING *`,
    ).get({ agentId: agent.id, name: agent.name, lease: now + leaseMs, now }) as Raw | undefined;
    if (!r) return undefined;
    const job = jobFromRaw(r);
    appendOutbox(db, { aggregate: 'job', aggregateId: job.id, type: 'job.claimed', payload: stateOf(job) }, now);
    return job;
  })();
}

/** When the earliest lease of a job this agent holds runs out, if it holds any. */
export function nextLeaseExpiry(db: DB, agentId: string): number | undefined {
  return (prepared(db, "SELECT min(lease_until) FROM jobs WHERE status = 'running' AND claimed_by = ?").pluck().get(agentId) as number | null) ?? undefined;
}

function failExpired(db: DB, agentName: string, now: number): void {
  const expired = prepared(
    db,
    `SELECT id FROM jobs WHERE status = 'pending' AND expires_at IS NOT NULL AND expires_at < ? AND (agent IS NULL OR agent = ?)`,
  )
    .pluck()
    .all(now, agentName) as string[];
  for (const id of expired) {
    finishJob(db, id, false, { ok: false, error: 'expired: no agent took the job within the strategy\'s max age' }, 'expired', now);
  }
}

export type CompleteOutcome = 'recorded' | 'already_recorded' | 'unknown_job' | 'not_claimed_by_agent';

/**
 * Records a job's result and its signal's final status. Idempotent: a result for a job that is
 * already done or failed changes nothing and says so (the agent re-sends after a lost answer).
 */
export function completeJob(
  db: DB,
  agentId: string,
  jobId: string,
  result: { ok: boolean; retcode?: number | null; retcodeText?: string | null; error?: string | null; [k: string]: unknown },
  now: number,
): { outcome: CompleteOutcome; job?: JobRow } {
  return db.transaction(() => {
    const job = getJob(db, jobId);
    if (!job) return { outcome: 'unknown_job' as const };
    if (job.claimedBy !== agentId) return { outcome: 'not_claimed_by_agent' as const, job };
    if (job.status === 'done' || job.status === 'failed') return { outcome: 'already_recorded' as const, job };
    const reason = result.ok ? null : failureReason(result);
    finishJob(db, jobId, result.ok, result, reason, now);
    return { outcome: 'recorded' as const, job: getJob(db, jobId)! };
  })();
}

/** "10019 NO_MONEY", or the error text when the terminal gave no retcode. */
export function failureReason(r: { retcode?: number | null; retcodeText?: string | null; error?: string | null }): string {
  if (r.retcode !== undefined && r.retcode !== null) return `${r.retcode}${r.retcodeText ? ` ${r.retcodeText}` : ''}`;
  return r.error ?? 'failed';
}

function finishJob(db: DB, jobId: string, ok: boolean, result: unknown, reason: string | null, now: number): void {
  const status = ok ? 'done' : 'failed';
  // EA jobs move their deployment or version in this same transaction (src/ea/job-results.ts).
  const type = prepared(db, 'SELECT type FROM jobs WHERE id = ?').pluck().get(jobId) as string | undefined;
  if (type !== undefined && EA_JOB_TYPES.has(type)) result = applyEaJobResult(db, jobId, type, ok, result as Record<string, unknown>, reason, now);
  const json = JSON.stringify(result);
  prepared(db, 'UPDATE jobs SET status = ?, result = ?, completed_at = ?, lease_until = NULL, updated_at = ? WHERE id = ?').run(
    status,
    json,
    now,
    now,
    jobId,
  );
  const job = getJob(db, jobId)!;
  appendOutbox(db, { aggregate: 'job', aggregateId: jobId, type: 'job.completed', payload: stateOf(job) }, now);
  if (!job.signalId) return;
  const signalStatus = ok ? 'executed' : 'failed';
  prepared(db, 'UPDATE signals SET status = ?, reason = COALESCE(?, reason), result = ?, completed_at = ?, updated_at = ? WHERE id = ?').run(
    signalStatus,
    reason,
    json,
    now,
    now,
    job.signalId,
  );
  appendOutbox(
    db,
    { aggregate: 'signal', aggregateId: job.signalId, type: 'signal.updated', payload: { id: job.signalId, status: signalStatus, reason, result, completedAt: now, updatedAt: now } },
    now,
  );
}

function stateOf(job: JobRow) {
  const { payload: _payload, ...rest } = job;
  return rest;
}
