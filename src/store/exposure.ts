import { TAG_PREFIX } from '../bridge/protocol.js';
import type { RiskContext } from '../core/types.js';
import type { DB } from './db.js';
import { prepared } from './prepare.js';
import type { StrategyRow } from './strategies.js';

const TAG_RE = new RegExp(`^${TAG_PREFIX}([a-z0-9]{1,20})(?![A-Za-z0-9_])`);
const DAY_MS = 86_400_000;

/** The job tag in an order/position comment ("dcap:<tag> text"), if any. */
export function tagOf(comment: unknown): string | undefined {
  return typeof comment === 'string' ? TAG_RE.exec(comment)?.[1] : undefined;
}

interface AgentExposure {
  stateAt: number;
  /** strategy id -> open positions and their floating P&L */
  byStrategy: Map<string, { count: number; floating: number }>;
}

/**
 * What the risk gate knows about a strategy's exposure: its open positions (from the agents'
 * latest reported state, mapped back to the strategy through the `dcap:<tag>` order comment,
 * plus its entry jobs not yet visible there) and today's P&L (realised from trade events since
 * 00:00 UTC, plus floating). Unknown (undefined) until an agent has reported state, so the
 * limits apply from the first state on (documented in docs/alerts.md).
 */
export class Exposure {
  private cache = new Map<string, AgentExposure>();

  constructor(private readonly db: DB) {}

  context(strategy: StrategyRow, now: number): RiskContext {
    const s = strategy.settings;
    if (s.maxPositions === undefined && s.dailyLoss === undefined) return { now };
    const states = prepared(
      this.db,
      `SELECT id, name, state_at, state FROM agents WHERE revoked_at IS NULL AND state IS NOT NULL AND (? IS NULL OR name = ?)`,
    ).all(s.agent ?? null, s.agent ?? null) as { id: string; name: string; state_at: number; state: string }[];
    if (states.length === 0) return { now };
    let count = 0;
    let floating = 0;
    let oldestState = Infinity;
    for (const row of states) {
      const e = this.agentExposure(row);
      const mine = e.byStrategy.get(strategy.id);
      count += mine?.count ?? 0;
      floating += mine?.floating ?? 0;
      oldestState = Math.min(oldestState, row.state_at);
    }
    // Entries accepted but not yet in a reported state: pending, running, or done after that state.
    count += prepared(
      this.db,
      `SELECT count(*) FROM jobs WHERE strategy_id = ? AND type = 'trade'
         AND (status IN ('pending','running') OR (status = 'done' AND completed_at > ?))`,
    )
      .pluck()
      .get(strategy.id, oldestState) as number;
    const dayStart = now - (now % DAY_MS);
    const realised = this.realisedSince(strategy.id, dayStart);
    return { now, openPositions: count, dayPnl: realised + floating };
  }

  private agentExposure(row: { id: string; state_at: number; state: string }): AgentExposure {
    const cached = this.cache.get(row.id);
    if (cached && cached.stateAt === row.state_at) return cached;
    const byStrategy = new Map<string, { count: number; floating: number }>();
    const positions = (JSON.parse(row.state) as { positions?: { comment?: unknown; profit?: unknown; swap?: unknown }[] }).positions ?? [];
    const strategyOfTag = prepared(this.db, 'SELECT strategy_id FROM jobs WHERE tag = ? LIMIT 1').pluck();
    for (const p of positions) {
      const tag = tagOf(p.comment);
      const strategyId = tag ? (strategyOfTag.get(tag) as string | undefined) : undefined;
      if (!strategyId) continue;
      const e = byStrategy.get(strategyId) ?? { count: 0, floating: 0 };
      e.count++;
      e.floating += num(p.profit) + num(p.swap);
      byStrategy.set(strategyId, e);
    }
    const fresh = { stateAt: row.state_at, byStrategy };
    this.cache.set(row.id, fresh);
    return fresh;
  }

  /** Realised P&L of the strategy's positions closed since `since`, from trade events. */
  private realisedSince(strategyId: string, since: number): number {
    const rows = prepared(
      this.db,
      `SELECT e.profit, e.payload, j.strategy_id AS job_strategy FROM trade_events e LEFT JOIN jobs j ON j.id = e.job_id
       WHERE e.time >= ? AND e.profit IS NOT NULL AND e.kind IN ('close','sl','tp','stopout')`,
    ).all(since) as { profit: number; payload: string; job_strategy: string | null }[];
    const strategyOfTag = prepared(this.db, 'SELECT strategy_id FROM jobs WHERE tag = ? LIMIT 1').pluck();
    let sum = 0;
    for (const r of rows) {
      // The position's own comment names the job that opened it; the event's job may be the close.
      const tag = tagOf((JSON.parse(r.payload) as { comment?: unknown }).comment);
      const owner = (tag ? (strategyOfTag.get(tag) as string | undefined) : undefined) ?? r.job_strategy;
      if (owner === strategyId) sum += r.profit;
    }
    return sum;
  }
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
