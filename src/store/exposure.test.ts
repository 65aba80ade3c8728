import { describe, expect, it } from 'vitest';
import { jobTag } from '../bridge/protocol.js';
import { defaultSettings } from '../core/settings.js';
import { pairAgent, recordState } from './agents.js';
import { openDb } from './db.js';
import { Exposure, tagOf } from './exposure.js';
import { insertJob } from './jobs.js';
import { createStrategy } from './strategies.js';
import { recordTradeEvents } from './trade-events.js';
import { newId } from './ids.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 20, 12, 0, 0);

function setup() {
  const db = openDb(':memory:');
  const a = createStrategy(db, 'a', { ...defaultSettings(), maxPositions: 2, dailyLoss: 100 }, NOW - DAY).strategy;
  const b = createStrategy(db, 'b', { ...defaultSettings(), maxPositions: 2 }, NOW - DAY).strategy;
  const agent = pairAgent(db, 'vps', NOW - DAY).agent;
  const job = (strategyId: string, status = 'done', completedAt = NOW - 60_000) => {
    const id = newId();
    insertJob(db, { id, signalId: null, strategyId, agent: null, type: 'trade', payload: {}, createdAt: NOW - 120_000 });
    db.prepare('UPDATE jobs SET status = ?, completed_at = ? WHERE id = ?').run(status, completedAt, id);
    return id;
  };
  return { db, a, b, agent, job };
}

describe('Exposure', () => {
  it('reads the job tag from an order comment', () => {
    const id = newId();
    expect(tagOf(`${jobTag(id)} my note`)).toBe(jobTag(id).slice(5));
    expect(tagOf('manual trade')).toBeUndefined();
    expect(tagOf(42)).toBeUndefined();
  });

  it('is unknown until an agent reports state, and then counts positions per strategy by their tag', () => {
    const { db, a, b, agent, job } = setup();
    const ex = new Exposure(db);
    expect(ex.context(a, NOW)).toEqual({ now: NOW });
    const ja = job(a.id);
    const jb = job(b.id);
    recordState(
      db,
      agent.id,
      {
        positions: [
          { ticket: 1, comment: jobTag(ja), profit: -30, swap: -1 },
          { ticket: 2, comment: jobTag(jb), profit: 50, swap: 0 },
          { ticket: 3, comment: 'manual', profit: 999, swap: 0 },
        ],
      },
      NOW - 1000,
    );
    expect(ex.context(a, NOW)).toMatchObject({ openPositions: 1, dayPnl: -31 });
    expect(ex.context(b, NOW)).toMatchObject({ openPositions: 1, dayPnl: 50 });
    // An entry accepted but not yet in the reported state counts too.
    job(a.id, 'pending', 0);
    expect(ex.context(a, NOW).openPositions).toBe(2);
  });

  it("adds today's realised P&L from close events of the strategy's positions", () => {
    const { db, a, agent, job } = setup();
    const ja = job(a.id);
    recordState(db, agent.id, { positions: [] }, NOW - 1000);
    recordTradeEvents(
      db,
      agent.id,
      [
        { id: 'e1', kind: 'sl', time: NOW - 3_600_000, profit: -80, comment: jobTag(ja) },
        { id: 'e2', kind: 'close', time: NOW - DAY, profit: -500, comment: jobTag(ja) },
        { id: 'e3', kind: 'fill', time: NOW - 60_000, profit: -5, comment: jobTag(ja) },
      ],
      NOW,
    );
    expect(new Exposure(db).context(a, NOW)).toMatchObject({ openPositions: 0, dayPnl: -80 });
  });
});
