/**
 * Conformance: orders, closes, modifications and cancellations through the bridge files.
 * Tests marked [paper] set prices, so they run only against the paper terminal.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commentHasTag, jobTag } from '../../src/bridge/protocol.js';
import { buy, controllable, openHarness, type Harness } from './harness.js';

let h: Harness;
beforeEach(async () => {
  h = await openHarness({ account: 'hedging' });
});
afterEach(async () => {
  await h.close();
});

describe('market orders', () => {
  it('a buy fills, opens a tagged position and shows it in state.json', async () => {
    const r = await h.run(buy(h, { comment: 'tv' }));
    expect(r).toMatchObject({ ok: true, retcode: 10009, retcodeText: 'DONE', type: 'trade', source: 'executed', side: 'buy', volume: 0.01 });
    expect(r.error).toBeNull();
    expect(commentHasTag(r.comment, jobTag(r.jobId))).toBe(true);
    expect(r.ticket).toBeGreaterThan(0);
    const s = await h.waitState((st) => st.positions.some((p) => p.ticket === r.ticket));
    const p = s.positions.find((x) => x.ticket === r.ticket)!;
    expect(p).toMatchObject({ side: 'buy', volume: 0.01, openPrice: r.price, magic: h.magic, comment: r.comment });
  });

  it.skipIf(!controllable)('[paper] a buy fills at the ask and a sell at the bid', async () => {
    h.terminal!.setPrice('EURUSD', 1.1, 1.10008);
    const b = await h.run(buy(h));
    expect(b.price).toBe(1.10008);
    const s = await h.run(buy(h, { action: 'sell' }));
    expect(s).toMatchObject({ ok: true, side: 'sell', price: 1.1 });
  });

  it.skipIf(!controllable)('[paper] SL/TP given in pips are placed from the fill price; the TP closes the position', async () => {
    h.terminal!.setPrice('EURUSD', 1.1, 1.10008);
    const r = await h.run(buy(h, { slPips: 20, tpPips: 40 }));
    let s = await h.waitState((st) => st.positions.some((p) => p.ticket === r.ticket));
    expect(s.positions[0]).toMatchObject({ sl: 1.09808, tp: 1.10408 });
    const balance = s.account.balance;
    h.terminal!.setPrice('EURUSD', 1.1041, 1.10418);
    s = await h.waitState((st) => st.positions.length === 0);
    // 0.01 lot from 1.10008 to 1.1041: 40.2 pips x 0.1 USD.
    expect(s.account.balance).toBeCloseTo(balance + 4.02, 2);
  });
});

describe('maxVolume', () => {
  it('cuts a risk-sized volume to the strategy maximum, with a warning', async () => {
    // 1% of 10,000 USD at a 20-pip EURUSD stop is 0.5 lots: far above the cap of 0.02.
    const r = await h.run(buy(h, { volume: undefined, riskPct: 1, slPips: 20, maxVolume: 0.02 }));
    expect(r).toMatchObject({ ok: true, volume: 0.02 });
    expect(r.warnings?.join(' ')).toMatch(/maximum 0\.02/);
    const small = await h.run(buy(h, { volume: 0.01, maxVolume: 0.02 }));
    expect(small).toMatchObject({ ok: true, volume: 0.01 });
    expect(small.warnings).toBeUndefined();
  });
});

describe('pending orders', () => {
  it.skipIf(!controllable)('[paper] a buy limit is placed, then triggered by the price and becomes a position', async () => {
    h.terminal!.setPrice('EURUSD', 1.1, 1.10008);
    const r = await h.run(buy(h, { action: 'buy_limit', price: 1.099, sl: 1.098 }));
    expect(r).toMatchObject({ ok: true, retcode: 10008, retcodeText: 'PLACED', price: 1.099, volume: 0.01, deal: 0 });
    let s = await h.waitState((st) => st.orders.length === 1);
    expect(s.orders[0]).toMatchObject({ ticket: r.ticket, type: 'buy_limit', price: 1.099, sl: 1.098 });
    h.terminal!.setPrice('EURUSD', 1.0989, 1.09898);
    s = await h.waitState((st) => st.orders.length === 0 && st.positions.length === 1);
    expect(s.positions[0]).toMatchObject({ ticket: r.ticket, side: 'buy', openPrice: 1.09898, sl: 1.098, comment: r.comment });
  });

  it('a pending order far from the market is placed and cancelled by ticket', async () => {
    const { ask } = await h.quote();
    const price = Number((ask * 0.9).toFixed(5));
    const placed = await h.run(buy(h, { action: 'buy_limit', price }));
    expect(placed).toMatchObject({ ok: true, retcode: 10008 });
    const c = await h.run({ type: 'cancel', action: 'cancel', ticket: placed.ticket });
    expect(c).toMatchObject({ ok: true, retcode: 10009, type: 'cancel' });
    await h.waitState((s) => !s.orders.some((o) => o.ticket === placed.ticket));
  });

  it('cancel by symbol and side removes only matching orders with this magic', async () => {
    const { ask, bid } = await h.quote();
    const bl = await h.run(buy(h, { action: 'buy_limit', price: Number((ask * 0.95).toFixed(5)) }));
    const sl = await h.run(buy(h, { action: 'sell_limit', price: Number((bid * 1.05).toFixed(5)) }));
    const c = await h.run({ type: 'cancel', action: 'cancel', symbol: h.symbol, side: 'buy', magic: h.magic });
    expect(c).toMatchObject({ ok: true, retcode: 10009 });
    expect(c.items!.map((i) => i.ticket)).toEqual([bl.ticket]);
    const s = await h.waitState((st) => !st.orders.some((o) => o.ticket === bl.ticket));
    expect(s.orders.map((o) => o.ticket)).toContain(sl.ticket);
    const none = await h.run({ type: 'cancel', action: 'cancel', symbol: h.symbol, side: 'buy', magic: h.magic });
    expect(none).toMatchObject({ ok: true, retcode: 20004, retcodeText: 'DCAP_NOTHING_TO_DO', items: [] });
  });
});

describe('closing', () => {
  it('partial close by ticket leaves the rest open', async () => {
    const r = await h.run(buy(h, { volume: 0.05 }));
    const c = await h.run({ type: 'close', action: 'close', ticket: r.ticket, volume: 0.02 });
    expect(c).toMatchObject({ ok: true, retcode: 10009, volume: 0.02, ticket: r.ticket });
    expect(c.items).toHaveLength(1);
    const s = await h.waitState((st) => st.positions.some((p) => p.ticket === r.ticket && p.volume === 0.03));
    expect(s.positions.filter((p) => p.magic === h.magic)).toHaveLength(1);
  });

  it('close_long closes the buys of the symbol and keeps the sells', async () => {
    const b1 = await h.run(buy(h));
    const b2 = await h.run(buy(h));
    const s1 = await h.run(buy(h, { action: 'sell' }));
    const c = await h.run({ type: 'close', action: 'close_long', symbol: h.symbol, magic: h.magic });
    expect(c).toMatchObject({ ok: true, retcode: 10009, volume: 0.02, ticket: 0 });
    expect(c.items!.map((i) => i.ticket).sort()).toEqual([b1.ticket, b2.ticket].sort());
    const s = await h.waitState((st) => st.positions.filter((p) => p.magic === h.magic).length === 1);
    expect(s.positions.find((p) => p.magic === h.magic)!.ticket).toBe(s1.ticket);
  });

  it('close_all closes every position with the magic; a second close_all has nothing to do', async () => {
    await h.run(buy(h));
    await h.run(buy(h, { action: 'sell' }));
    const c = await h.run({ type: 'close', action: 'close_all', magic: h.magic });
    expect(c).toMatchObject({ ok: true, retcode: 10009 });
    expect(c.items).toHaveLength(2);
    await h.waitState((st) => st.positions.every((p) => p.magic !== h.magic));
    const again = await h.run({ type: 'close', action: 'close_all', magic: h.magic });
    expect(again).toMatchObject({ ok: true, retcode: 20004, items: [] });
  });

  it('close by an unknown ticket answers DCAP_NOT_FOUND', async () => {
    const c = await h.run({ type: 'close', action: 'close', ticket: 123 });
    expect(c).toMatchObject({ ok: false, retcode: 20005, retcodeText: 'DCAP_NOT_FOUND' });
    expect(c.error).toContain('#123');
  });
});

describe('modify', () => {
  it.skipIf(!controllable)('[paper] sets SL/TP on the side\'s positions; 0 removes a level; the same values again change nothing', async () => {
    h.terminal!.setPrice('EURUSD', 1.1, 1.10008);
    const r = await h.run(buy(h, { sl: 1.09, tp: 1.11 }));
    const m = await h.run({ type: 'modify', action: 'modify', symbol: h.symbol, side: 'buy', sl: 1.095, tp: 0, magic: h.magic });
    expect(m).toMatchObject({ ok: true, retcode: 10009, ticket: r.ticket });
    const s = await h.waitState((st) => st.positions[0]?.sl === 1.095);
    expect(s.positions[0]!.tp).toBe(0);
    const same = await h.run({ type: 'modify', action: 'modify', ticket: r.ticket, sl: 1.095 });
    expect(same).toMatchObject({ ok: true, retcode: 10025, retcodeText: 'NO_CHANGES' });
  });

  it('modify with nothing matching has nothing to do', async () => {
    const m = await h.run({ type: 'modify', action: 'modify', symbol: h.symbol, sl: 1, magic: h.magic });
    expect(m).toMatchObject({ ok: true, retcode: 20004 });
  });
});
