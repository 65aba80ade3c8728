import { describe, expect, it } from 'vitest';
import { parseAlert } from './index.js';
import { looksLikePine } from './pine.js';

function ok(body: string) {
  const r = parseAlert(body);
  if (!r.ok) throw new Error(`expected ok, got ${JSON.stringify(r.rejection)}`);
  return r.alert;
}
function rejected(body: string) {
  const r = parseAlert(body);
  if (r.ok) throw new Error(`expected a rejection, got ${JSON.stringify(r.alert)}`);
  return r.rejection;
}

describe('PineConnector lines', () => {
  it('parses the DESIGN.md example: risk is %, sl/tp are pips', () => {
    expect(ok('60123456789,buy,EURUSD,risk=1,sl=20,tp=40')).toEqual({
      format: 'pine',
      action: 'buy',
      symbol: 'EURUSD',
      riskPct: 1,
      slPips: 20,
      tpPips: 40,
    });
  });

  it.each([
    ['1,buy,EURUSD', 'buy'],
    ['1,sell,EURUSD', 'sell'],
    ['1,long,EURUSD', 'buy'],
    ['1,short,EURUSD', 'sell'],
    ['1,buylimit,EURUSD,price=1.07', 'buy_limit'],
    ['1,selllimit,EURUSD,price=1.07', 'sell_limit'],
    ['1,buystop,EURUSD,price=1.07', 'buy_stop'],
    ['1,sellstop,EURUSD,price=1.07', 'sell_stop'],
    ['1,closelong,EURUSD', 'close_long'],
    ['1,closeshort,EURUSD', 'close_short'],
    ['1,closeall,EURUSD', 'close_all'],
    ['1,cancel,EURUSD', 'cancel'],
    ['1,newsltp,EURUSD,sl=10', 'modify'],
    ['1,BUY,EURUSD', 'buy'],
    ['1,CloseLong,EURUSD', 'close_long'],
  ])('%s -> %s', (line, action) => {
    expect(ok(line).action).toBe(action);
  });

  it('closeall without a symbol', () => {
    expect(ok('60123456789,closeall')).toEqual({ format: 'pine', action: 'close_all' });
  });

  it('tolerates spaces, a trailing comma, a trailing newline and case in keys', () => {
    expect(ok(' 60123456789 , sell , GBPJPY , SL=50 , Risk=1 ,\n')).toEqual({
      format: 'pine',
      action: 'sell',
      symbol: 'GBPJPY',
      slPips: 50,
      riskPct: 1,
    });
  });

  it('reads qty/lots/vol_lots, absolute stops, price, id, comment and time', () => {
    expect(
      ok('1,buylimit,XAUUSD,vol_lots=0.2,price=2300.5,sl_price=2290,tp_price=2330,id=abc,comment="Long, breakout",time=1714564800'),
    ).toEqual({
      format: 'pine',
      action: 'buy_limit',
      symbol: 'XAUUSD',
      qty: 0.2,
      price: 2300.5,
      sl: 2290,
      tp: 2330,
      id: 'abc',
      comment: 'Long, breakout',
      time: 1714564800000,
    });
    expect(ok('1,buy,EURUSD,lots=1').qty).toBe(1);
    expect(ok('1,buy,EURUSD,qty=1').qty).toBe(1);
  });

  it('ignores unknown PineConnector parameters and the license id', () => {
    expect(ok('{{license}},buy,EURUSD,betrigger=10,trailtrig=5,secret=abc,spread=2')).toEqual({
      format: 'pine',
      action: 'buy',
      symbol: 'EURUSD',
    });
  });

  it.each([
    ['1,hold,EURUSD', 'invalid_action', 'command'],
    ['1,cancellong,EURUSD', 'invalid_action', 'command'],
    ['buy,EURUSD,risk=1', 'invalid_action', 'command'],
    ['1,,EURUSD', 'missing_action', 'command'],
    ['1,risk=1', 'missing_action', 'command'],
    ['1,buy', 'missing_symbol', 'symbol'],
    ['1,buy,risk=1,sl=10', 'missing_symbol', 'symbol'],
    ['1,buy,EURUSD,GBPUSD', 'invalid_param', 'params'],
    ['1,buy,EURUSD,risk=1', 'risk_needs_stop', 'risk'],
    ['1,buy,EURUSD,risk=0,sl=10', 'not_positive', 'risk'],
    ['1,buy,EURUSD,sl=abc', 'invalid_number', 'sl'],
    ['1,buy,EURUSD,sl=20,sl_pips=30', 'conflicting_fields', 'sl_pips'],
    ['1,buy,EURUSD,sl=20,sl_price=1.05', 'conflicting_fields', 'sl'],
    ['1,buy,EURUSD,qty=1,lots=2', 'conflicting_fields', 'lots'],
    ['1,buylimit,EURUSD', 'missing_price', 'price'],
    ['1,newsltp,EURUSD', 'nothing_to_modify', 'sl'],
    ['1,buy,ЕURUSD', 'invalid_symbol', 'symbol'],
    ['1,buy,{{ticker}}', 'placeholder', 'symbol'],
    ['1,{{strategy.order.action}},EURUSD', 'placeholder', 'command'],
    ['1,buy,EURUSD,risk={{strategy.order.contracts}},sl=20', 'placeholder', 'risk'],
  ])('%s -> %s (%s)', (line, code, field) => {
    expect(rejected(line)).toMatchObject({ http: 422, code, field });
  });

  it('hints that the license id is missing', () => {
    expect(rejected('buy,EURUSD').message).toContain('start with a license id');
  });

  it('only single lines with a comma, not starting like JSON, are pine lines', () => {
    expect(looksLikePine('1,buy,EURUSD')).toBe(true);
    expect(looksLikePine('1,buy,EURUSD\n1,sell,EURUSD')).toBe(false);
    expect(looksLikePine('buy EURUSD')).toBe(false);
    expect(looksLikePine('{"a":1,"b":2')).toBe(false);
  });
});
