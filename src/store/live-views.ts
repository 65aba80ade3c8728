/**
 * Read queries behind the relay's signals/positions/agents channels (what `dcap up` pushes to
 * subscribers, and seeds their snapshots with). Nothing here writes.
 */
import type { AgentView, PositionsView, SignalView } from '../relay/protocol.js';
import { getAgentById, listAgents, type AgentRow } from './agents.js';
import type { DB } from './db.js';
import { prepared } from './prepare.js';

const SIGNAL = `SELECT sg.id, st.name AS strategy, sg.symbol, sg.action, sg.status, sg.reason, sg.received_at AS receivedAt,
  sg.updated_at AS updatedAt, sg.completed_at AS completedAt, sg.result, sg.job_id AS jobId
  FROM signals sg JOIN strategies st ON st.id = sg.strategy_id`;

type RawSignal = Omit<SignalView, 'result' | 'latencyMs'> & { result: string | null };

function toView(r: RawSignal): SignalView {
  return {
    ...r,
    result: r.result ? (JSON.parse(r.result) as Record<string, unknown>) : null,
    latencyMs: r.completedAt === null ? null : r.completedAt - r.receivedAt,
  };
}

export function signalView(db: DB, id: string): SignalView | undefined {
  const r = prepared(db, `${SIGNAL} WHERE sg.id = ?`).get(id) as RawSignal | undefined;
  return r && toView(r);
}

/** The signal a job was created for. */
export function signalViewOfJob(db: DB, jobId: string): SignalView | undefined {
  const id = prepared(db, 'SELECT signal_id FROM jobs WHERE id = ?').pluck().get(jobId) as string | null | undefined;
  return id ? signalView(db, id) : undefined;
}

/** The latest `limit` signals, oldest first (the order a subscriber would have received them in). */
export function recentSignalViews(db: DB, limit: number): SignalView[] {
  const rows = prepared(db, `${SIGNAL} ORDER BY sg.received_at DESC, sg.id DESC LIMIT ?`).all(limit) as RawSignal[];
  return rows.reverse().map(toView);
}

export function agentView(a: AgentRow): AgentView {
  const hb = a.heartbeat ?? {};
  return {
    id: a.id,
    name: a.name,
    heartbeatAt: a.heartbeatAt,
    terminalConnected: hb.terminalConnected ?? null,
    tradeAllowed: hb.tradeAllowed ?? null,
    bridgeVersion: hb.bridgeVersion ?? null,
    waitingFor: hb.waitingFor ?? null,
    account: hb.account ?? null,
  };
}

export function positionsView(a: AgentRow): PositionsView | undefined {
  if (!a.state || a.stateAt === null) return undefined;
  return {
    agentId: a.id,
    agent: a.name,
    time: a.stateAt,
    account: a.state.account ?? null,
    positions: a.state.positions ?? [],
    orders: a.state.orders ?? [],
  };
}

export function agentRow(db: DB, id: string): AgentRow | undefined {
  return getAgentById(db, id);
}

export function allAgents(db: DB): AgentRow[] {
  return listAgents(db);
}
