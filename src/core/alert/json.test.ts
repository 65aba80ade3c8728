import { describe, expect, it } from 'vitest';
import { parseAlert } from './index.js';

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

describe('JSON alerts', () => {
  it('parses the DESIGN.md example with numbers as strings', () => {
    const alert = ok(
      '{"action":"buy","symbol":"OANDA:EURUSD","qty":"0.10","sl":"1.0800","tp":"1.0900","id":"abc-1","time":"2024-05-01T12:00:00Z"}',
    );
    expect(alert).toEqual({
      format: 'json',
      action: 'buy',
      symbol: 'OANDA:EURUSD',
      qty: 0.1,
      sl: 1.08,
      tp: 1.09,
      id: 'abc-1',
      time: Date.UTC(2024, 4, 1, 12),
    });
  });

  it('accepts every field and alias', () => {
    expect(ok('{"Action":"SELL","ticker":"XAUUSD","volume":2,"sl_pips":"25","tp_pips":50,"comment":"breakout"}')).toEqual({
      format: 'json',
      action: 'sell',
      symbol: 'XAUUSD',
      qty: 2,
      slPips: 25,
      tpPips: 50,
      comment: 'breakout',
    });
    expect(ok('{"action":"buy","symbol":"X","lots":"0.5"}').qty).toBe(0.5);
    expect(ok('{"action":"buy","symbol":"X","risk":1,"sl":1.1}').riskPct).toBe(1);
    expect(ok('{"action":"buy","symbol":"X","risk_pct":"0.5","sl_pips":20}').riskPct).toBe(0.5);
    expect(ok('{"action":"buy","symbol":"X","contracts":"100000"}').contracts).toBe(100000);
  });

  it('ignores unknown keys, whatever they hold', () => {
    const alert = ok('{"action":"buy","symbol":"EURUSD","strategy":"x","nested":{"a":[1,2]},"plot_0":"{{plot_0}}","leverage":1e400}');
    expect(alert).toEqual({ format: 'json', action: 'buy', symbol: 'EURUSD' });
  });

  it('treats null and "" as not given', () => {
    expect(ok('{"action":"buy","symbol":"EURUSD","qty":null,"sl":"","comment":" "}')).toEqual({
      format: 'json',
      action: 'buy',
      symbol: 'EURUSD',
    });
  });

  it('trims the symbol and keeps its case', () => {
    expect(ok('{"action":"buy","symbol":"  oanda:EurUsd "}').symbol).toBe('oanda:EurUsd');
  });

  it.each([
    'EURUSD', 'OANDA:EURUSD', 'EURUSD.m', 'XAUUSDm', 'CME_MINI:ES1!', 'BTCUSDT.P', 'EUR/USD', 'US30.cash', 'BRK.B', 'XAU_USD', '#AAPL',
  ])('accepts symbol %j', (symbol) => {
    expect(ok(JSON.stringify({ action: 'buy', symbol })).symbol).toBe(symbol);
  });

  it('close_all needs no symbol', () => {
    expect(ok('{"action":"close_all"}')).toEqual({ format: 'json', action: 'close_all' });
  });

  it('accepts epoch seconds and ms for time, and numeric ids', () => {
    expect(ok('{"action":"buy","symbol":"X","time":1714564800}').time).toBe(1714564800000);
    expect(ok('{"action":"buy","symbol":"X","time":"1714564800000"}').time).toBe(1714564800000);
    expect(ok('{"action":"buy","symbol":"X","id":42}').id).toBe('42');
  });

  describe('{{strategy.order.action}} with market_position', () => {
    it.each([
      ['buy', 'long', 'buy'],
      ['sell', 'short', 'sell'],
      ['buy', 'flat', 'close_short'],
      ['sell', 'flat', 'close_long'],
      ['sell', 'long', 'close_long'],
      ['buy', 'short', 'close_short'],
    ])('%s + %s -> %s', (action, position, expected) => {
      expect(ok(JSON.stringify({ action, market_position: position, symbol: 'EURUSD', qty: 1 })).action).toBe(expected);
    });

    it('flat closes the whole position: the order size is dropped', () => {
      const alert = ok('{"action":"sell","market_position":"flat","symbol":"EURUSD","contracts":"3","qty":1}');
      expect(alert).toEqual({ format: 'json', action: 'close_long', symbol: 'EURUSD' });
    });

    it('a partial exit keeps the order size as the volume to close', () => {
      expect(ok('{"action":"sell","market_position":"long","symbol":"EURUSD","contracts":"1"}')).toMatchObject({
        action: 'close_long',
        contracts: 1,
      });
    });

    it('an invalid size is still refused on a flattening order', () => {
      expect(rejected('{"action":"sell","market_position":"flat","symbol":"EURUSD","contracts":"NaN"}')).toMatchObject({
        code: 'invalid_number',
      });
    });

    it('rejects an unknown market_position', () => {
      expect(rejected('{"action":"buy","market_position":"neutral","symbol":"X"}')).toMatchObject({
        http: 422,
        code: 'invalid_market_position',
        field: 'market_position',
      });
    });
  });

  it('pending orders carry their price', () => {
    expect(ok('{"action":"buy_limit","symbol":"EURUSD","price":"1.0750","qty":1}')).toMatchObject({ action: 'buy_limit', price: 1.075 });
    expect(ok('{"action":"sellstop","symbol":"EURUSD","price":1.07}').action).toBe('sell_stop');
  });

  it('modify carries new stops', () => {
    expect(ok('{"action":"modify","symbol":"EURUSD","sl":1.08}')).toMatchObject({ action: 'modify', sl: 1.08 });
  });

  it('a close may carry a partial volume', () => {
    expect(ok('{"action":"close_long","symbol":"EURUSD","qty":0.5}')).toMatchObject({ action: 'close_long', qty: 0.5 });
  });

  it('a risk_pct on a close needs no stop (it is unused there)', () => {
    expect(ok('{"action":"close","symbol":"EURUSD","risk_pct":1}').action).toBe('close');
  });
});

describe('JSON alerts: 422 invalid', () => {
  it.each([
    ['{"symbol":"EURUSD"}', 'missing_action', 'action'],
    ['{"action":"hold","symbol":"EURUSD"}', 'invalid_action', 'action'],
    ['{"action":1,"symbol":"EURUSD"}', 'invalid_action', 'action'],
    ['{"action":["buy"],"symbol":"EURUSD"}', 'invalid_action', 'action'],
    ['{"action":"constructor","symbol":"EURUSD"}', 'invalid_action', 'action'],
    ['{"action":"__proto__","symbol":"EURUSD"}', 'invalid_action', 'action'],
    ['{"action":"buy"}', 'missing_symbol', 'symbol'],
    ['{"action":"close"}', 'missing_symbol', 'symbol'],
    ['{"action":"buy","symbol":""}', 'missing_symbol', 'symbol'],
    ['{"action":"buy","symbol":123}', 'invalid_symbol', 'symbol'],
    ['{"action":"buy","symbol":"EUR USD"}', 'invalid_symbol', 'symbol'],
    ['{"action":"buy","symbol":"EURUSD\\u0000"}', 'invalid_symbol', 'symbol'],
    ['{"action":"buy","symbol":"EUR\\u0007USD"}', 'invalid_symbol', 'symbol'],
    ['{"action":"buy","symbol":"\\u0415URUSD"}', 'invalid_symbol', 'symbol'],
    ['{"action":"buy","symbol":"EURUSD\\u200b"}', 'invalid_symbol', 'symbol'],
    ['{"action":"buy","symbol":"ＥＵＲＵＳＤ"}', 'invalid_symbol', 'symbol'],
    ['{"action":"buy","symbol":"\\ud800"}', 'invalid_symbol', 'symbol'],
    ['{"action":"buy","symbol":".EURUSD"}', 'invalid_symbol', 'symbol'],
    ['{"action":"buy","symbol":"EURUSD;DROP TABLE"}', 'invalid_symbol', 'symbol'],
    [JSON.stringify({ action: 'buy', symbol: 'A'.repeat(65) }), 'invalid_symbol', 'symbol'],
    ['{"action":"buy","symbol":"X","qty":0}', 'not_positive', 'qty'],
    ['{"action":"buy","symbol":"X","qty":-1}', 'not_positive', 'qty'],
    ['{"action":"buy","symbol":"X","qty":"-0.01"}', 'not_positive', 'qty'],
    ['{"action":"buy","symbol":"X","qty":"NaN"}', 'invalid_number', 'qty'],
    ['{"action":"buy","symbol":"X","qty":"Infinity"}', 'invalid_number', 'qty'],
    ['{"action":"buy","symbol":"X","qty":1e400}', 'invalid_number', 'qty'],
    ['{"action":"buy","symbol":"X","qty":"1e400"}', 'invalid_number', 'qty'],
    ['{"action":"buy","symbol":"X","qty":"ten"}', 'invalid_number', 'qty'],
    ['{"action":"buy","symbol":"X","qty":true}', 'invalid_number', 'qty'],
    ['{"action":"buy","symbol":"X","qty":{"value":1}}', 'invalid_number', 'qty'],
    ['{"action":"buy","symbol":"X","qty":1e6}', 'too_large', 'qty'],
    ['{"action":"buy","symbol":"X","volume":"0"}', 'not_positive', 'volume'],
    ['{"action":"buy","symbol":"X","contracts":0}', 'not_positive', 'contracts'],
    ['{"action":"buy","symbol":"X","contracts":1e12}', 'too_large', 'contracts'],
    ['{"action":"buy","symbol":"X","risk_pct":0,"sl":1}', 'not_positive', 'risk_pct'],
    ['{"action":"buy","symbol":"X","risk_pct":101,"sl":1}', 'too_large', 'risk_pct'],
    ['{"action":"buy","symbol":"X","risk_pct":1}', 'risk_needs_stop', 'risk_pct'],
    ['{"action":"buy","symbol":"X","risk":1,"tp":2}', 'risk_needs_stop', 'risk'],
    ['{"action":"buy_limit","symbol":"X","risk":1,"tp_pips":2,"price":1}', 'risk_needs_stop', 'risk'],
    ['{"action":"buy","symbol":"X","sl":-1}', 'not_positive', 'sl'],
    ['{"action":"buy","symbol":"X","tp":"x"}', 'invalid_number', 'tp'],
    ['{"action":"buy","symbol":"X","sl_pips":0}', 'not_positive', 'sl_pips'],
    ['{"action":"buy","symbol":"X","sl":1.1,"sl_pips":20}', 'conflicting_fields', 'sl_pips'],
    ['{"action":"buy","symbol":"X","tp":1.1,"tp_pips":20}', 'conflicting_fields', 'tp_pips'],
    ['{"action":"buy","symbol":"X","qty":1,"lots":2}', 'conflicting_fields', 'lots'],
    ['{"action":"buy","symbol":"EURUSD","ticker":"GBPUSD"}', 'conflicting_fields', 'ticker'],
    ['{"action":"buy","symbol":"X","risk":1,"risk_pct":2,"sl":1}', 'conflicting_fields', 'risk_pct'],
    ['{"action":"buy_limit","symbol":"X"}', 'missing_price', 'price'],
    ['{"action":"sell_stop","symbol":"X","price":0}', 'not_positive', 'price'],
    ['{"action":"modify","symbol":"X"}', 'nothing_to_modify', 'sl'],
    [JSON.stringify({ action: 'buy', symbol: 'X', id: 'i'.repeat(129) }), 'invalid_id', 'id'],
    ['{"action":"buy","symbol":"X","id":{"a":1}}', 'invalid_id', 'id'],
    ['{"action":"buy","symbol":"X","id":"a\\nb"}', 'invalid_id', 'id'],
    ['{"action":"buy","symbol":"X","id":"a\\udc00b"}', 'invalid_id', 'id'],
    ['{"action":"buy","symbol":"X","time":"soon"}', 'invalid_time', 'time'],
    ['{"action":"buy","symbol":"X","time":-1}', 'invalid_time', 'time'],
    [JSON.stringify({ action: 'buy', symbol: 'X', comment: 'c'.repeat(129) }), 'invalid_comment', 'comment'],
    ['{"action":"buy","symbol":"X","comment":"\\u001b[31mred"}', 'invalid_comment', 'comment'],
  ])('%s -> %s (%s)', (body, code, field) => {
    expect(rejected(body)).toMatchObject({ http: 422, code, field });
  });

  it('the same value under two spellings is not a conflict', () => {
    expect(ok('{"action":"buy","symbol":"EURUSD","ticker":"EURUSD","qty":"0.10","lots":0.1}').qty).toBe(0.1);
  });

  it('names a Cyrillic lookalike', () => {
    expect(rejected('{"action":"buy","symbol":"ЕURUSD"}').message).toContain('U+0415 at position 1');
  });

  it('quotes hostile values escaped and cut short', () => {
    const r = rejected(JSON.stringify({ action: `x\u0000${'y'.repeat(5000)}`, symbol: 'X' }));
    expect(r.message).toContain('"x\\u0000yyy');
    expect(r.message.length).toBeLessThan(300);
  });
});
