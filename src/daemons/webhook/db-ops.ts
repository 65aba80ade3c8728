import { recordHeartbeat, recordState, touchAgent, type AgentState, type Heartbeat } from '../../store/agents.js';
import type { DB } from '../../store/db.js';
import { claimJob, completeJob } from '../../store/jobs.js';
import type { StrategyRow } from '../../store/strategies.js';
import { recordTradeEvents, type TradeEvent } from '../../store/trade-events.js';
import { Intake, type IntakeOptions, type IntakeRequest } from './intake.js';

/**
 * Every write the webhook daemon makes while serving requests, by name. The store worker
 * (db-worker-thread.ts) runs them on its own connection, in group-committed batches; the main
 * thread posts the name and arguments (plain data: they cross the thread boundary by structured
 * clone) and answers only after the batch committed. Times are taken on the main thread, when
 * the request arrived, so an injected clock still rules.
 */
export function createOps(db: DB, opts: IntakeOptions) {
  const intake = new Intake(db, opts);
  return {
    /** One alert that passed precheck: its signal, and for an accepted alert its job. */
    record: (strategy: StrategyRow, req: IntakeRequest) => intake.record(strategy, req),
    /** A long-poll's claim; `touch` records the agent as seen (its first claim of the poll). */
    claim: (agent: { id: string; name: string }, now: number, leaseMs: number, touch: boolean) => {
      if (touch) touchAgent(db, agent.id, now);
      return claimJob(db, agent, now, leaseMs);
    },
    heartbeat: (agentId: string, hb: Heartbeat, now: number) => recordHeartbeat(db, agentId, hb, now),
    state: (agentId: string, state: AgentState, now: number) => recordState(db, agentId, state, now),
    events: (agentId: string, events: TradeEvent[], now: number) => recordTradeEvents(db, agentId, events, now),
    result: (agentId: string, jobId: string, result: Parameters<typeof completeJob>[3], now: number) => completeJob(db, agentId, jobId, result, now),
  };
}

export type DbOps = ReturnType<typeof createOps>;
export type OpName = keyof DbOps;

/** Runs a named op in the daemon's group commit; resolves after the commit that holds it. */
export type Write = <K extends OpName>(op: K, ...args: Parameters<DbOps[K]>) => Promise<ReturnType<DbOps[K]>>;

/** Main thread -> worker. */
export type ToWorker = { type: 'op'; id: number; op: OpName; args: unknown[] } | { type: 'close' };

/** Worker -> main thread: a reply per op, posted only after the batch's COMMIT returned (or failed). */
export type FromWorker =
  | { type: 'ready' }
  | { type: 'batch'; replies: { id: number; ok: boolean; value?: unknown; error?: string }[]; commitError?: string; stats: import('./group-commit.js').CommitStats };
