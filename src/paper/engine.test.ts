import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SymbolsFileSchema } from '../bridge/symbols.js';
import { marginFor } from './checks.js';
import { PaperEngine } from './engine.js';

const specs = SymbolsFileSchema.parse(JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'symbols.json'), 'utf8'))).symbols;
const spec = (s: string) => specs.find((x) => x.symbol === s)!;
const T = 1_763_700_000_000;

function engine(marginMode: 'hedging' | 'netting', balance = 10_000): PaperEngine {
  const e = new PaperEngine({ specs, marginMode, balance, currency: 'USD', leverage: 100, login: 1, server: 'x' });
  e.onQuotes([{ symbol: 'EURUSD', bid: 1.1, ask: 1.10008, time: T }], T);
  return e;
}
const order = { symbol: 'EURUSD', sl: 0, tp: 0, comment: 'c', magic: 1 };

describe('PaperEngine netting', () => {
  it('adds to, reduces, and reverses the one position of a symbol, booking the profit', () => {
    const e = engine('netting');
    const a = e.market({ ...order, side: 'buy', volume: 0.1 }, T);
    e.onQuotes([{ symbol: 'EURUSD', bid: 1.101, ask: 1.10108, time: T }], T);
    const b = e.market({ ...order, side: 'buy', volume: 0.1 }, T);
    expect(b.ticket).toBe(a.ticket);
    expect(e.positions()).toHaveLength(1);
    expect(e.positions()[0]).toMatchObject({ volume: 0.2, openPrice: 1.10058 });
    // Sell 0.3 at 1.101: closes 0.2 (profit 0.2 lot x 4.2 pips x 10 = 8.4) and opens 0.1 short.
    const c = e.market({ ...order, side: 'sell', volume: 0.3 }, T);
    expect(c).toMatchObject({ retcode: 10009, ticket: a.ticket, price: 1.101 });
    expect(e.positions()[0]).toMatchObject({ side: 'sell', volume: 0.1, openPrice: 1.101 });
    expect(e.account(true).balance).toBeCloseTo(10_008.4, 2);
    expect(e.deals().map((d) => d.entry)).toEqual(['in', 'in', 'inout']);
    const d = e.market({ ...order, side: 'buy', volume: 0.1 }, T);
    expect(d.retcode).toBe(10009);
    expect(e.positions()).toHaveLength(0);
  });

  it('reducing a position needs no margin even when the account could not open it', () => {
    const e = engine('netting', 1200);
    expect(e.market({ ...order, side: 'buy', volume: 1 }, T).retcode).toBe(10009);
    e.onQuotes([{ symbol: 'EURUSD', bid: 1.095, ask: 1.09508, time: T }], T);
    expect(e.account(true).freeMargin).toBeLessThan(0);
    expect(e.market({ ...order, side: 'sell', volume: 0.5 }, T).retcode).toBe(10009);
  });
});

describe('PaperEngine hedging', () => {
  it('opens one position per order with the order ticket and closes by ticket', () => {
    const e = engine('hedging');
    const a = e.market({ ...order, side: 'buy', volume: 0.1 }, T);
    const b = e.market({ ...order, side: 'sell', volume: 0.1 }, T);
    expect(a.ticket).toBe(a.order);
    expect(e.positions().map((p) => p.ticket)).toEqual([a.ticket, b.ticket]);
    expect(e.close(a.ticket, 0.1, 'x', T)).toMatchObject({ retcode: 10009, price: 1.1 });
    expect(e.close(a.ticket, 0.1, 'x', T).retcode).toBe(10036);
    expect(e.close(b.ticket, 0.2, 'x', T).retcode).toBe(10038);
  });

  it('margin follows the calculation mode: leveraged forex, unleveraged cfd', () => {
    expect(marginFor(spec('EURUSD'), 1, 1.1, 100)).toBeCloseTo(1100, 6);
    expect(marginFor(spec('USDJPY'), 1, 152.5, 100)).toBeCloseTo((100_000 * 152.5 * 0.65359) / 100 / 100, 2);
    expect(marginFor(spec('BTCUSD'), 0.01, 90_000, 100)).toBeCloseTo(900, 6);
  });

  it('hits SL at the bid for a buy and records the level in the closing deal', () => {
    const e = engine('hedging');
    e.market({ ...order, side: 'buy', volume: 0.1, sl: 1.099 }, T);
    const events = e.onQuotes([{ symbol: 'EURUSD', bid: 1.0985, ask: 1.09858, time: T }], T + 1);
    expect(events).toMatchObject([{ kind: 'sl', price: 1.0985 }]);
    expect(e.positions()).toHaveLength(0);
    expect(e.deals().at(-1)).toMatchObject({ entry: 'out', reason: 'sl', comment: '[sl 1.09900]', price: 1.0985 });
    expect(e.account(true).balance).toBeCloseTo(10_000 - 15.8, 2);
  });

  it('expires a pending order at its expiration and rejects one that cannot be paid at activation', () => {
    const e = engine('hedging', 500);
    const o1 = e.pending({ symbol: 'EURUSD', type: 'buy_stop', volume: 1, price: 1.101, sl: 0, tp: 0, comment: 'a', magic: 1, expiration: 0 }, T);
    const o2 = e.pending({ symbol: 'EURUSD', type: 'sell_limit', volume: 0.01, price: 1.2, sl: 0, tp: 0, comment: 'b', magic: 1, expiration: T + 10 }, T);
    expect([o1.retcode, o2.retcode]).toEqual([10008, 10008]);
    const events = e.onQuotes([{ symbol: 'EURUSD', bid: 1.101, ask: 1.10108, time: T }], T + 10);
    expect(events.map((x) => x.kind).sort()).toEqual(['expired', 'rejected']);
    expect(e.orders()).toHaveLength(0);
    expect(e.historyOrders().map((h) => h.state).sort()).toEqual(['expired', 'rejected']);
    expect(e.positions()).toHaveLength(0);
  });

  it('refuses a pending price on the wrong side (INVALID_PRICE) or inside the stops level (INVALID_STOPS)', () => {
    const e = engine('hedging');
    const base = { symbol: 'EURUSD', volume: 0.1, sl: 0, tp: 0, comment: 'a', magic: 1, expiration: 0 };
    expect(e.pending({ ...base, type: 'buy_limit', price: 1.1001 }, T).retcode).toBe(10015);
    expect(e.pending({ ...base, type: 'buy_limit', price: 1.10005 }, T).retcode).toBe(10016);
    expect(e.pending({ ...base, type: 'sell_stop', price: 1.1002 }, T).retcode).toBe(10015);
  });

  it('round-trips its state through toJSON/load and refuses the other margin mode', () => {
    const e = engine('hedging');
    e.market({ ...order, side: 'buy', volume: 0.1 }, T);
    const saved = JSON.parse(JSON.stringify(e.toJSON()));
    const f = engine('hedging');
    f.load(saved);
    expect(f.positions()).toEqual(e.positions());
    expect(() => engine('netting').load(saved)).toThrow(/hedging, not netting/);
  });
});
