import { describe, expect, it } from 'vitest';
import { parseAlert } from './alert/index.js';
import { BLOCK_REASONS, riskGate } from './risk.js';
import type { Alert, RiskContext, StrategySettings } from './types.js';

const base: StrategySettings = { symbols: [], map: {}, lots: 0.1, rateLimit: 20 };
const settings = (over: Partial<StrategySettings> = {}): StrategySettings => ({ ...base, ...over });
const alert = (body: object): Alert => {
  const r = parseAlert(JSON.stringify(body));
  if (!r.ok) throw new Error(JSON.stringify(r.rejection));
  return r.alert;
};
// Monday 2024-05-06 12:00 UTC.
const NOON = Date.UTC(2024, 4, 6, 12);
const ctx = (over: Partial<RiskContext> = {}): RiskContext => ({ now: NOON, ...over });

const buy = alert({ action: 'buy', symbol: 'OANDA:EURUSD', qty: 1 });
const EXITS = [
  alert({ action: 'close', symbol: 'EURUSD' }),
  alert({ action: 'close_long', symbol: 'EURUSD' }),
  alert({ action: 'close_short', symbol: 'EURUSD', qty: 50 }),
  alert({ action: 'close_all' }),
  alert({ action: 'cancel', symbol: 'EURUSD' }),
  alert({ action: 'modify', symbol: 'EURUSD', sl: 1.05 }),
];

describe('riskGate', () => {
  it('passes a plain alert with no limits set', () => {
    expect(riskGate(buy, base, ctx())).toBeNull();
  });

  it('symbol_not_allowed', () => {
    expect(riskGate(buy, settings({ symbols: ['GBPUSD', 'XAUUSD'] }), ctx())).toEqual({
      reason: 'symbol_not_allowed',
      message: "symbol OANDA:EURUSD is not in this strategy's symbols (GBPUSD, XAUUSD)",
    });
    expect(riskGate(buy, settings({ symbols: ['EURUSD'] }), ctx())).toBeNull();
  });

  it('outside_hours, read at ctx.now', () => {
    const s = settings({ hours: 'Mon-Fri 07:00-20:00 UTC' });
    expect(riskGate(buy, s, ctx())).toBeNull();
    const saturday = riskGate(buy, s, ctx({ now: Date.UTC(2024, 4, 11, 12) }));
    expect(saturday).toEqual({
      reason: 'outside_hours',
      message: '2024-05-11T12:00:00.000Z is outside the trading hours "Mon-Fri 07:00-20:00 UTC"',
    });
  });

  it('invalid_hours fails closed for entries', () => {
    expect(riskGate(buy, settings({ hours: 'Mon-Fry 07:00-20:00 UTC' }), ctx())).toMatchObject({ reason: 'invalid_hours' });
  });

  it('too_old, with the age and the maximum', () => {
    const old = alert({ action: 'buy', symbol: 'EURUSD', time: new Date(NOON - 95_000).toISOString() });
    expect(riskGate(old, settings({ maxAgeMs: 60_000 }), ctx())).toEqual({
      reason: 'too_old',
      message: 'alert time 2024-05-06T11:58:25.000Z is 95s old, more than the maximum age 1m',
    });
    expect(riskGate(old, settings({ maxAgeMs: 120_000 }), ctx())).toBeNull();
    expect(riskGate(old, base, ctx())).toBeNull(); // no maxAge: no age check
  });

  it('an alert without time is not age-checked', () => {
    expect(riskGate(buy, settings({ maxAgeMs: 1000 }), ctx())).toBeNull();
  });

  it('future_time beyond the allowed skew', () => {
    const ahead = (ms: number) => alert({ action: 'buy', symbol: 'EURUSD', time: NOON + ms });
    expect(riskGate(ahead(10_000), settings({ maxAgeMs: 60_000 }), ctx())).toBeNull();
    expect(riskGate(ahead(120_000), settings({ maxAgeMs: 60_000 }), ctx())).toMatchObject({ reason: 'future_time' });
  });

  it('too_old applies to exits too (a stale exit could close a newer position)', () => {
    const staleClose = alert({ action: 'close', symbol: 'EURUSD', time: NOON - 3_600_000 });
    expect(riskGate(staleClose, settings({ maxAgeMs: 60_000 }), ctx())).toMatchObject({ reason: 'too_old' });
  });

  it('lots_above_max on resolved lots: qty, contracts, default lots', () => {
    const s = settings({ maxLots: 0.5 });
    expect(riskGate(buy, s, ctx())).toEqual({ reason: 'lots_above_max', message: '1 lots is more than the maximum 0.5 lots' });
    expect(riskGate(alert({ action: 'buy', symbol: 'X', contracts: 10 }), settings({ maxLots: 0.5, lotsPerContract: 0.1 }), ctx())).toMatchObject({
      reason: 'lots_above_max',
    });
    expect(riskGate(alert({ action: 'buy', symbol: 'X' }), settings({ maxLots: 0.5, lots: 0.1 }), ctx())).toBeNull();
    expect(riskGate(alert({ action: 'buy', symbol: 'X', qty: 0.5 }), s, ctx())).toBeNull(); // equal is allowed
    // Risk-sized: lots unknown here; the job carries maxVolume for the agent.
    expect(riskGate(alert({ action: 'buy', symbol: 'X', risk_pct: 1, sl_pips: 5 }), s, ctx())).toBeNull();
  });

  it('max_positions only when the open positions are known', () => {
    const s = settings({ maxPositions: 3 });
    expect(riskGate(buy, s, ctx())).toBeNull();
    expect(riskGate(buy, s, ctx({ openPositions: 2 }))).toBeNull();
    expect(riskGate(buy, s, ctx({ openPositions: 3 }))).toEqual({
      reason: 'max_positions',
      message: '3 positions are open, the maximum is 3',
    });
  });

  it('daily_loss only when the day P&L is known', () => {
    const s = settings({ dailyLoss: 500 });
    expect(riskGate(buy, s, ctx())).toBeNull();
    expect(riskGate(buy, s, ctx({ dayPnl: -499.99 }))).toBeNull();
    expect(riskGate(buy, s, ctx({ dayPnl: 1000 }))).toBeNull();
    expect(riskGate(buy, s, ctx({ dayPnl: -500 }))).toEqual({
      reason: 'daily_loss',
      message: "today's P&L is -500, at or beyond the daily loss limit of -500",
    });
  });

  it('pending orders are entries', () => {
    const limit = alert({ action: 'buy_limit', symbol: 'EURUSD', price: 1.07 });
    expect(riskGate(limit, settings({ maxPositions: 1 }), ctx({ openPositions: 1 }))).toMatchObject({ reason: 'max_positions' });
  });

  it('exits, cancel and modify are never blocked by hours, lots, positions or loss limits', () => {
    const strict = settings({ hours: 'Sat 00:00-01:00 UTC', maxLots: 0.01, maxPositions: 1, dailyLoss: 1 });
    for (const a of EXITS) {
      expect(riskGate(a, strict, ctx({ openPositions: 99, dayPnl: -1e6 })), a.action).toBeNull();
      expect(riskGate(a, settings({ hours: 'garbage' }), ctx()), a.action).toBeNull();
    }
    // ... while the same limits do block an entry.
    expect(riskGate(buy, strict, ctx({ openPositions: 99, dayPnl: -1e6 }))).not.toBeNull();
  });

  it('checks in a fixed order: symbol, age, hours, lots, positions, loss', () => {
    const everything = settings({ symbols: ['GBPUSD'], maxAgeMs: 1, hours: 'Sat 00:00-01:00 UTC', maxLots: 0.01, maxPositions: 1, dailyLoss: 1 });
    const old = alert({ action: 'buy', symbol: 'EURUSD', qty: 1, time: NOON - 10_000 });
    const order: string[] = [];
    let s = everything;
    for (;;) {
      const b = riskGate(old, s, ctx({ openPositions: 5, dayPnl: -5 }));
      if (!b) break;
      order.push(b.reason);
      if (b.reason === 'symbol_not_allowed') s = { ...s, symbols: [] };
      if (b.reason === 'too_old') s = { ...s, maxAgeMs: undefined };
      if (b.reason === 'outside_hours') s = { ...s, hours: undefined };
      if (b.reason === 'lots_above_max') s = { ...s, maxLots: undefined };
      if (b.reason === 'max_positions') s = { ...s, maxPositions: undefined };
      if (b.reason === 'daily_loss') s = { ...s, dailyLoss: undefined };
    }
    expect(order).toEqual(['symbol_not_allowed', 'too_old', 'outside_hours', 'lots_above_max', 'max_positions', 'daily_loss']);
    for (const r of order) expect(BLOCK_REASONS).toContain(r);
  });
});
