import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Logger } from '../../log.js';
import { authenticateAgent, type AgentRow } from '../../store/agents.js';
import type { DB } from '../../store/db.js';
import { nextLeaseExpiry, type JobRow } from '../../store/jobs.js';
import { BodyTooLarge, readBody } from './body.js';
import type { Write } from './db-ops.js';
import type { JobWaiters } from './job-waiters.js';

/** State snapshots carry every open position; a megabyte is thousands of them. */
const API_BODY_LIMIT = 1024 * 1024;
/** A compile job's result carries the .ex5, base64 (src/ea/deploy-payload.ts MAX_COMPILED_EX5_BYTES). */
const RESULT_BODY_LIMIT = 8 * 1024 * 1024;
const MAX_WAIT_S = 60;

const Num = z.number().finite();
const ResultSchema = z.looseObject({
  jobId: z.string().optional(),
  ok: z.boolean(),
  retcode: z.number().int().nullable().optional(),
  retcodeText: z.string().max(200).nullable().optional(),
  error: z.string().max(2000).nullable().optional(),
});
const HeartbeatSchema = z.looseObject({
  terminalConnected: z.boolean().optional(),
  tradeAllowed: z.boolean().optional(),
  account: z.record(z.string(), z.unknown()).nullable().optional(),
  build: z.number().nullable().optional(),
  bridgeVersion: z.string().max(64).nullable().optional(),
  metrics: z.record(z.string(), z.unknown()).optional(),
  waitingFor: z.string().max(200).nullable().optional(),
});
const StateSchema = z.looseObject({
  account: z.record(z.string(), z.unknown()).optional(),
  positions: z.array(z.record(z.string(), z.unknown())).max(10_000).optional(),
  orders: z.array(z.record(z.string(), z.unknown())).max(10_000).optional(),
});
const EventsSchema = z.strictObject({
  events: z
    .array(
      z.looseObject({
        id: z.string().min(1).max(128),
        kind: z.string().min(1).max(32),
        time: Num,
        jobId: z.string().max(64).nullable().optional(),
        signalId: z.string().max(64).nullable().optional(),
        symbol: z.string().max(64).nullable().optional(),
        side: z.string().max(16).nullable().optional(),
        volume: Num.nullable().optional(),
        price: Num.nullable().optional(),
        profit: Num.nullable().optional(),
        ticket: z.union([z.string().max(64), Num]).nullable().optional(),
      }),
    )
    .max(1000),
});

export interface AgentApiOptions {
  db: DB;
  log: Logger;
  waiters: JobWaiters;
  leaseMs: number;
  now: () => number;
  isStopping: () => boolean;
  /**
   * Runs a write in the daemon's group commit (DbWorker.write): a claim woken by an alert lands
   * in the same transaction, or the next one, after the alert's job. Resolves after the commit.
   */
  write: Write;
}

type Send = (res: ServerResponse, status: number, body?: unknown) => void;

/**
 * The agent API (DESIGN.md section 5; docs/agent-api.md): long-poll job claim, results,
 * heartbeat, state and trade events, authenticated by X-Agent-Key.
 */
export class AgentApi {
  constructor(private readonly o: AgentApiOptions) {}

  /** `parts` is the path after /agents/: [id, ...rest]. */
  async handle(req: IncomingMessage, res: ServerResponse, parts: string[], send: Send): Promise<void> {
    const [id, ...rest] = parts;
    const route = rest.join('/');
    const known =
      (route === 'jobs/next' && req.method === 'GET') ||
      (['heartbeat', 'state', 'events'].includes(route) && req.method === 'POST') ||
      (rest.length === 3 && rest[0] === 'jobs' && rest[2] === 'result' && req.method === 'POST');
    if (!known) {
      req.resume();
      const exists = route === 'jobs/next' || ['heartbeat', 'state', 'events'].includes(route) || (rest[0] === 'jobs' && rest[2] === 'result');
      return send(res, exists ? 405 : 404, { error: exists ? 'method not allowed' : 'not found' });
    }
    const key = req.headers['x-agent-key'];
    const agent = id && typeof key === 'string' && key ? authenticateAgent(this.o.db, id, key) : undefined;
    if (!agent) {
      req.resume();
      this.o.log.warn({ event: 'agent.auth_failed', agentId: id?.slice(0, 36), route }, 'agent authentication failed');
      return send(res, 401, { error: 'unknown agent or wrong X-Agent-Key' });
    }
    if (route === 'jobs/next') return this.next(req, res, agent, send);
    let body: unknown;
    const limit = rest[0] === 'jobs' ? RESULT_BODY_LIMIT : API_BODY_LIMIT;
    try {
      const raw = await readBody(req, limit);
      body = JSON.parse(raw.toString('utf8'));
    } catch (err) {
      if (err instanceof BodyTooLarge) return send(res, 413, { error: `body over ${limit} bytes` });
      return send(res, 400, { error: `body is not JSON: ${(err as Error).message}` });
    }
    const now = this.o.now();
    if (route === 'heartbeat') {
      const hb = HeartbeatSchema.safeParse(body);
      if (!hb.success) return send(res, 422, { error: z.prettifyError(hb.error) });
      await this.o.write('heartbeat', agent.id, hb.data, now);
      return send(res, 200, { ok: true, serverTime: now });
    }
    if (route === 'state') {
      const st = StateSchema.safeParse(body);
      if (!st.success) return send(res, 422, { error: z.prettifyError(st.error) });
      await this.o.write('state', agent.id, st.data, now);
      return send(res, 200, { ok: true });
    }
    if (route === 'events') {
      const ev = EventsSchema.safeParse(body);
      if (!ev.success) return send(res, 422, { error: z.prettifyError(ev.error) });
      const added = await this.o.write('events', agent.id, ev.data.events, now);
      return send(res, 200, { ok: true, recorded: added, duplicates: ev.data.events.length - added });
    }
    const jobId = rest[1]!;
    const result = ResultSchema.safeParse(body);
    if (!result.success) return send(res, 422, { error: z.prettifyError(result.error) });
    if (result.data.jobId !== undefined && result.data.jobId !== jobId) {
      return send(res, 422, { error: `result is for job ${result.data.jobId}, posted to ${jobId}` });
    }
    const done = await this.o.write('result', agent.id, jobId, result.data, now);
    this.o.log.info({ event: 'job.result', agent: agent.name, jobId, ok: result.data.ok, retcode: result.data.retcode, outcome: done.outcome }, 'job result');
    if (done.outcome === 'unknown_job') return send(res, 404, { error: `no job ${jobId}` });
    if (done.outcome === 'not_claimed_by_agent') return send(res, 409, { error: `job ${jobId} was not claimed by this agent` });
    return send(res, 200, { ok: true, outcome: done.outcome, status: done.job!.status });
  }

  /** Long-poll: claim now, or wait (woken at once by a new job) until the deadline. */
  private async next(req: IncomingMessage, res: ServerResponse, agent: AgentRow, send: Send): Promise<void> {
    req.resume();
    const url = new URL(req.url ?? '/', 'http://x');
    const waitS = Math.min(MAX_WAIT_S, Math.max(0, Number(url.searchParams.get('wait') ?? 25) || 0));
    const deadline = Date.now() + waitS * 1000;
    let gone = false;
    res.on('close', () => (gone = true));
    let touched = false;
    for (;;) {
      if (gone) return;
      // Wakes that come while the claim below waits for its commit are not lost: they show as a
      // new generation, and the loop claims again instead of sleeping.
      const generation = this.o.waiters.generation;
      const job = await this.o.write('claim', { id: agent.id, name: agent.name }, this.o.now(), this.o.leaseMs, !touched);
      touched = true;
      if (job) {
        this.o.log.info({ event: 'job.claimed', agent: agent.name, jobId: job.id, attempt: job.attempts }, 'job claimed');
        return send(res, 200, { job: jobView(job) });
      }
      const left = deadline - Date.now();
      if (left <= 0 || gone || this.o.isStopping()) return send(res, 204);
      if (this.o.waiters.generation !== generation) continue;
      // A lease of ours running out also makes a job claimable: wake for it, not only for new jobs.
      const lease = nextLeaseExpiry(this.o.db, agent.id);
      await this.o.waiters.wait(lease === undefined ? left : Math.min(left, Math.max(0, lease - this.o.now()) + 5));
    }
  }
}

/** What an agent receives for a job. */
export function jobView(job: JobRow) {
  return {
    id: job.id,
    type: job.type,
    payload: job.payload,
    signalId: job.signalId,
    attempt: job.attempts,
    createdAt: job.createdAt,
    leaseUntil: job.leaseUntil,
    /** The bridge answers DCAP_EXPIRED instead of trading after this (the strategy's max age). */
    expiresAt: job.expiresAt,
  };
}
