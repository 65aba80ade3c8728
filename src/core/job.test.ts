import { describe, expect, it } from 'vitest';
import { parseAlert } from './alert/index.js';
import { resolvedLots, toJob } from './job.js';
import type { Alert, StrategySettings } from './types.js';

const base: StrategySettings = { symbols: [], map: { 'OANDA:EURUSD': 'EURUSD.m' }, lots: 0.1, rateLimit: 20 };
const settings = (over: Partial<StrategySettings> = {}): StrategySettings => ({ ...base, ...over });
const alert = (body: object): Alert => {
  const r = parseAlert(JSON.stringify(body));
  if (!r.ok) throw new Error(JSON.stringify(r.rejection));
  return r.alert;
};

describe('toJob', () => {
  it('buy -> market trade with the broker symbol and the raw source symbol', () => {
    expect(toJob(alert({ action: 'buy', symbol: 'OANDA:EURUSD', qty: 0.5, sl: 1.08, tp: 1.09, comment: 'x' }), base)).toEqual({
      type: 'trade',
      payload: {
        action: 'buy',
        symbol: 'EURUSD.m',
        sourceSymbol: 'OANDA:EURUSD',
        side: 'buy',
        orderType: 'market',
        volume: 0.5,
        sl: 1.08,
        tp: 1.09,
        comment: 'x',
      },
    });
  });

  it('sell -> market sell', () => {
    expect(toJob(alert({ action: 'short', symbol: 'EURUSD' }), base).payload).toMatchObject({ side: 'sell', orderType: 'market' });
  });

  it.each([
    ['buy_limit', 'buy', 'limit'],
    ['sell_limit', 'sell', 'limit'],
    ['buy_stop', 'buy', 'stop'],
    ['sell_stop', 'sell', 'stop'],
  ])('%s -> trade, %s %s order with its price', (action, side, orderType) => {
    const job = toJob(alert({ action, symbol: 'EURUSD', price: 1.07, sl_pips: 20 }), base);
    expect(job.type).toBe('trade');
    expect(job.payload).toMatchObject({ side, orderType, price: 1.07, slPips: 20, volume: 0.1 });
  });

  it.each(['close', 'close_long', 'close_short'])('%s -> close job without volume (the whole position)', (action) => {
    const job = toJob(alert({ action, symbol: 'OANDA:EURUSD', sl: 1 }), base);
    expect(job).toEqual({ type: 'close', payload: { action, symbol: 'EURUSD.m', sourceSymbol: 'OANDA:EURUSD' } });
  });

  it('close_all: no symbol in the payload, even when the alert has one', () => {
    expect(toJob(alert({ action: 'close_all' }), base)).toEqual({ type: 'close', payload: { action: 'close_all' } });
    expect(toJob(alert({ action: 'close_all', symbol: 'OANDA:EURUSD' }), base)).toEqual({ type: 'close', payload: { action: 'close_all' } });
  });

  it('a close with qty or contracts is a partial close of that volume', () => {
    expect(toJob(alert({ action: 'sell', market_position: 'long', symbol: 'EURUSD', qty: 0.3 }), base)).toEqual({
      type: 'close',
      payload: { action: 'close_long', symbol: 'EURUSD', sourceSymbol: 'EURUSD', volume: 0.3 },
    });
    expect(toJob(alert({ action: 'close_short', symbol: 'EURUSD', contracts: 3 }), settings({ lotsPerContract: 0.1 })).payload.volume).toBe(0.3);
  });

  it('cancel -> cancel job', () => {
    expect(toJob(alert({ action: 'cancel', symbol: 'EURUSD' }), base)).toEqual({
      type: 'cancel',
      payload: { action: 'cancel', symbol: 'EURUSD', sourceSymbol: 'EURUSD' },
    });
  });

  it('modify -> modify job with the new stops and no size', () => {
    expect(toJob(alert({ action: 'modify', symbol: 'EURUSD', sl: 1.05, tp_pips: 30, qty: 1 }), base)).toEqual({
      type: 'modify',
      payload: { action: 'modify', symbol: 'EURUSD', sourceSymbol: 'EURUSD', sl: 1.05, tpPips: 30 },
    });
  });

  it('carries the strategy maxLots as maxVolume on entries', () => {
    expect(toJob(alert({ action: 'buy', symbol: 'X', risk_pct: 1, sl_pips: 10 }), settings({ maxLots: 2 })).payload).toMatchObject({
      riskPct: 1,
      maxVolume: 2,
    });
  });
});

describe('sizing', () => {
  const cases: Array<[string, object, Partial<StrategySettings>, { volume?: number; riskPct?: number }]> = [
    ['qty wins over everything', { qty: 0.7, contracts: 5, risk_pct: 1, sl_pips: 10 }, { riskPct: 2 }, { volume: 0.7 }],
    ['contracts x lotsPerContract', { contracts: 100000 }, { lotsPerContract: 0.00001 }, { volume: 1 }],
    ['contracts x lotsPerContract, rounded', { contracts: 3 }, { lotsPerContract: 0.1 }, { volume: 0.3 }],
    ['contracts are lots without lotsPerContract', { contracts: 2 }, {}, { volume: 2 }],
    ['contracts win over risk_pct', { contracts: 2, risk_pct: 1, sl: 1.1 }, {}, { volume: 2 }],
    ["the alert's risk_pct", { risk_pct: 0.5, sl: 1.05 }, { riskPct: 2 }, { riskPct: 0.5 }],
    ["the strategy's riskPct when the alert has a stop", { sl_pips: 20 }, { riskPct: 2 }, { riskPct: 2 }],
    ["the strategy's lots when the alert has no stop", {}, { riskPct: 2 }, { volume: 0.1 }],
    ['the default lots', {}, {}, { volume: 0.1 }],
  ];
  it.each(cases)('%s', (_name, fields, over, expected) => {
    const payload = toJob(alert({ action: 'buy', symbol: 'EURUSD', ...fields }), settings(over)).payload;
    expect({ volume: payload.volume, riskPct: payload.riskPct }).toEqual({ volume: undefined, riskPct: undefined, ...expected });
  });

  it('resolvedLots: known lots for the gate, undefined when the agent sizes by risk', () => {
    expect(resolvedLots(alert({ action: 'buy', symbol: 'X', qty: 3 }), base)).toBe(3);
    expect(resolvedLots(alert({ action: 'buy', symbol: 'X' }), base)).toBe(0.1);
    expect(resolvedLots(alert({ action: 'buy', symbol: 'X', risk_pct: 1, sl: 1 }), base)).toBeUndefined();
    expect(resolvedLots(alert({ action: 'close', symbol: 'X' }), base)).toBeUndefined();
    expect(resolvedLots(alert({ action: 'close', symbol: 'X', qty: 2 }), base)).toBe(2);
    expect(resolvedLots(alert({ action: 'modify', symbol: 'X', qty: 2, sl: 1 }), base)).toBeUndefined();
    expect(resolvedLots(alert({ action: 'cancel', symbol: 'X', qty: 2 }), base)).toBeUndefined();
  });
});
