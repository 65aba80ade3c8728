import { createHash } from 'node:crypto';
import { parseAlert } from '../../core/alert/index.js';
import { toJob } from '../../core/job.js';
import { riskGate } from '../../core/risk.js';
import type { Alert, JobSpec } from '../../core/types.js';
import { Exposure } from '../../store/exposure.js';
import type { DB } from '../../store/db.js';
import { newId } from '../../store/ids.js';
import { insertJob } from '../../store/jobs.js';
import { appendOutbox } from '../../store/outbox.js';
import { findByAlertId, findByBodyHash, insertSignal, type SignalInsert } from '../../store/signals.js';
import type { StrategyRow } from '../../store/strategies.js';
import { RateLimiter } from './rate-limit.js';

/** TradingView alert messages are short; anything larger is refused before it is read. */
export const BODY_LIMIT = 16 * 1024;

export interface IntakeRequest {
  /** The raw body, decoded as UTF-8. */
  body: string;
  /** Its size on the wire, when known (decoding turns each invalid byte into 3). */
  bytes?: number;
  contentType?: string;
  sourceIp?: string;
  /** When the request arrived (ms). Replay passes the recorded time, so outcomes are reproducible. */
  receivedAt: number;
}

export type IntakeStatus = 'accepted' | 'duplicate' | 'discarded' | 'blocked' | 'rejected';

export interface IntakeBody {
  status: IntakeStatus;
  signalId?: string;
  jobId?: string;
  reason?: string;
  message?: string;
  error?: { code: string; message: string; field?: string };
}

/** The HTTP answer to one alert. 404, 413 and 429 carry no body (DESIGN.md section 4). */
export interface IntakeReply {
  httpStatus: number;
  body?: IntakeBody;
}

export interface IntakeOptions {
  /** Identical bodies for one strategy within this window are duplicates. */
  dedupWindowMs: number;
}

/**
 * The alert intake: everything after the secret lookup. The webhook daemon and in-process
 * replay both run it, so a replay gives exactly the daemon's outcomes.
 */
export class Intake {
  private readonly limiter = new RateLimiter();
  private readonly exposure: Exposure;

  constructor(
    private readonly db: DB,
    private readonly opts: IntakeOptions,
  ) {
    this.exposure = new Exposure(db);
  }

  /**
   * The answers that need no store write: unknown secret, oversized body, rate limit.
   * Returns null when the request should be recorded.
   */
  precheck(strategy: StrategyRow | undefined, req: IntakeRequest): IntakeReply | null {
    if (!strategy) return { httpStatus: 404 };
    if ((req.bytes ?? Buffer.byteLength(req.body, 'utf8')) > BODY_LIMIT) return { httpStatus: 413 };
    if (!this.limiter.take(strategy.id, strategy.settings.rateLimit, req.receivedAt)) return { httpStatus: 429 };
    return null;
  }

  /** precheck, then record. MUST run inside a transaction (see GroupCommit and replay). */
  handle(strategy: StrategyRow | undefined, req: IntakeRequest): IntakeReply {
    return this.precheck(strategy, req) ?? this.record(strategy!, req);
  }

  /**
   * Records one request that reached `strategy`: the signal, and for an accepted alert its job,
   * each with its outbox row. MUST run inside a transaction: the caller answers only after commit.
   */
  record(strategy: StrategyRow, req: IntakeRequest): IntakeReply {
    const db = this.db;
    const now = req.receivedAt;
    const signal: SignalInsert = {
      id: newId(),
      strategyId: strategy.id,
      receivedAt: now,
      sourceIp: req.sourceIp ?? null,
      contentType: req.contentType ?? null,
      rawBody: req.body,
      bodyHash: createHash('sha256').update(req.body).digest('hex'),
      format: null,
      alertId: null,
      parsed: null,
      symbol: null,
      action: null,
      outcome: 'rejected',
      reason: null,
      error: null,
      httpStatus: 200,
      duplicateOf: null,
      jobId: null,
    };
    const parsed = parseAlert(req.body);
    let alert: Alert | undefined;
    if (parsed.ok) {
      alert = parsed.alert;
      Object.assign(signal, {
        format: alert.format,
        alertId: alert.id ?? null,
        parsed: alert,
        symbol: alert.symbol ?? null,
        action: alert.action,
      });
    }
    const { job, ...reply } = this.decide(strategy, signal, parsed.ok ? undefined : parsed.rejection, alert, now);
    signal.httpStatus = reply.httpStatus;
    signal.outcome = reply.body!.status;
    reply.body!.signalId ??= signal.id;
    insertSignal(db, signal);
    appendOutbox(db, { aggregate: 'signal', aggregateId: signal.id, type: 'signal.recorded', payload: signal }, now);
    if (job) {
      const maxAge = strategy.settings.maxAgeMs;
      const row = {
        id: signal.jobId!,
        signalId: signal.id,
        strategyId: strategy.id,
        agent: strategy.settings.agent ?? null,
        ...job,
        createdAt: now,
        // A trade that waits for an offline agent longer than the strategy's max age is not executed late.
        expiresAt: maxAge ? now + maxAge : null,
      };
      insertJob(db, row);
      appendOutbox(db, { aggregate: 'job', aggregateId: row.id, type: 'job.created', payload: { ...row, status: 'pending' } }, now);
    }
    return reply;
  }

  private decide(
    strategy: StrategyRow,
    signal: SignalInsert,
    rejection: { http: 400 | 422; code: string; message: string; field?: string } | undefined,
    alert: Alert | undefined,
    now: number,
  ): IntakeReply & { job?: JobSpec } {
    if (!strategy.enabled) {
      signal.reason = 'strategy_disabled';
      return { httpStatus: 200, body: { status: 'discarded', reason: 'strategy_disabled' } };
    }
    if (rejection || !alert) {
      const error = { code: rejection!.code, message: rejection!.message, ...(rejection!.field ? { field: rejection!.field } : {}) };
      signal.reason = error.code;
      signal.error = error;
      return { httpStatus: rejection!.http, body: { status: 'rejected', error } };
    }
    const original = alert.id
      ? findByAlertId(this.db, strategy.id, alert.id)
      : findByBodyHash(this.db, strategy.id, signal.bodyHash, now - this.opts.dedupWindowMs);
    if (original) {
      signal.duplicateOf = original;
      signal.reason = alert.id ? 'same_id' : 'same_body';
      return { httpStatus: 200, body: { status: 'duplicate', signalId: original, reason: signal.reason } };
    }
    const ctx = this.exposure.context(strategy, now);
    const block = riskGate(alert, strategy.settings, ctx);
    if (block) {
      signal.reason = block.reason;
      return { httpStatus: 200, body: { status: 'blocked', reason: block.reason, message: block.message } };
    }
    const jobId = newId();
    signal.jobId = jobId;
    return { httpStatus: 200, body: { status: 'accepted', signalId: signal.id, jobId }, job: toJob(alert, strategy.settings) };
  }
}
