import { describe, expect, it } from 'vitest';
import { INVALID_CODES, NOT_PARSEABLE_CODES, parseAlert } from './index.js';

function rejected(body: string) {
  const r = parseAlert(body);
  if (r.ok) throw new Error(`expected a rejection, got ${JSON.stringify(r.alert)}`);
  return r.rejection;
}

describe('parseAlert: 400 not parseable', () => {
  it.each([
    ['', 'empty_body'],
    ['   \n\t ', 'empty_body'],
    ['\uFEFF', 'empty_body'],
    ['{', 'invalid_json'],
    ['{"action":"buy"', 'invalid_json'],
    ['{"action":"buy",}', 'invalid_json'],
    ["{'action':'buy'}", 'invalid_json'],
    ['{"action":"buy","symbol":"X","qty":NaN}', 'invalid_json'],
    ['{"qty":Infinity}', 'invalid_json'],
    ['[1,2', 'invalid_json'],
    ['"unterminated', 'invalid_json'],
    ['[]', 'not_an_object'],
    ['[{"action":"buy","symbol":"EURUSD"}]', 'not_an_object'],
    ['"buy EURUSD"', 'not_an_object'],
    ['42', 'not_an_object'],
    ['null', 'not_an_object'],
    ['true', 'not_an_object'],
    ['false', 'not_an_object'],
    ['hello', 'unrecognized_format'],
    ['buy EURUSD 0.1', 'unrecognized_format'],
    ['1,buy,EURUSD\n1,sell,EURUSD', 'unrecognized_format'],
    ['<xml>buy</xml>', 'unrecognized_format'],
    ['\u0000\u0000\u0000', 'unrecognized_format'],
  ])('%j -> %s', (body, code) => {
    const r = rejected(body);
    expect(r).toMatchObject({ http: 400, code });
    expect(r.field).toBeUndefined();
    expect(r.message.length).toBeGreaterThan(10);
  });

  it('5000 nested arrays are just not an object', () => {
    expect(rejected('['.repeat(5000) + ']'.repeat(5000))).toMatchObject({ http: 400, code: 'not_an_object' });
    expect(rejected('['.repeat(5000))).toMatchObject({ http: 400, code: 'invalid_json' });
  });

  it('deep nesting inside a used field is an invalid number, not a crash', () => {
    const body = `{"action":"buy","symbol":"X","qty":${'['.repeat(5000)}1${']'.repeat(5000)}}`;
    expect(rejected(body)).toMatchObject({ http: 422, code: 'invalid_number', field: 'qty' });
  });

  it('keeps control characters out of the invalid JSON message', () => {
    expect(rejected('{"a":\u0001\u0002}').message).not.toMatch(/[\u0000-\u001f]/);
  });
});

describe('parseAlert: placeholders', () => {
  it('an unquoted placeholder making the JSON invalid is 422 naming it and its field', () => {
    expect(rejected('{"action":"buy","symbol":"EURUSD","qty": {{strategy.order.contracts}}}')).toMatchObject({
      http: 422,
      code: 'placeholder',
      field: 'qty',
    });
    expect(rejected('{"action":"buy","symbol":"EURUSD","qty": {{strategy.order.contracts}}}').message).toContain(
      '{{strategy.order.contracts}}',
    );
  });

  it('a quoted placeholder in a used field is 422 naming it', () => {
    const r = rejected('{"action":"buy","symbol":"{{ticker}}"}');
    expect(r).toMatchObject({ http: 422, code: 'placeholder', field: 'symbol' });
    expect(r.message).toContain('{{ticker}}');
  });

  it('reports placeholders before other problems, in field order', () => {
    expect(rejected('{"action":"{{strategy.order.action}}","symbol":"{{ticker}}"}')).toMatchObject({ field: 'action' });
    expect(rejected('{"symbol":"EURUSD","qty":"abc","comment":"{{plot_0}}"}')).toMatchObject({
      code: 'placeholder',
      field: 'comment',
    });
  });

  it('a placeholder inside a longer value still counts', () => {
    expect(rejected('{"action":"buy","symbol":"OANDA:{{ticker}}"}')).toMatchObject({ code: 'placeholder' });
  });

  it('an unreplaced {{strategy.order.alert_message}} body', () => {
    expect(rejected('{{strategy.order.alert_message}}')).toMatchObject({ http: 422, code: 'placeholder', field: 'body' });
  });

  it('placeholders in ignored keys do not matter', () => {
    expect(parseAlert('{"action":"buy","symbol":"EURUSD","note":"{{close}}"}').ok).toBe(true);
  });
});

describe('parseAlert: never trusts input', () => {
  it('__proto__ and constructor keys do not pollute or leak into the alert', () => {
    const r = parseAlert('{"__proto__":{"polluted":1,"qty":5},"constructor":{"prototype":{"polluted":2}},"action":"buy","symbol":"EURUSD"}');
    expect(r).toEqual({ ok: true, alert: { format: 'json', action: 'buy', symbol: 'EURUSD' } });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    if (r.ok) {
      expect(Object.getPrototypeOf(r.alert)).toBe(Object.prototype);
      expect((r.alert as unknown as Record<string, unknown>).qty).toBeUndefined();
    }
  });

  it('a symbol named like a prototype property is just a symbol', () => {
    const r = parseAlert('{"action":"buy","symbol":"constructor"}');
    expect(r.ok && r.alert.symbol).toBe('constructor');
  });

  it('an alert without a size does not pick one up from Object.prototype', () => {
    const r = parseAlert('{"action":"buy","symbol":"toString"}');
    expect(r.ok && r.alert.qty).toBeUndefined();
  });

  it('never throws on hostile strings', () => {
    const samples = [
      '\ud800',
      '{"action":"buy","symbol":"\ud800"}',
      '{"action":"\udfff"}',
      '1,\ud800,\udc00',
      '\u0000'.repeat(1000),
      '{'.repeat(16384),
      '{{'.repeat(8000),
      '"'.repeat(16384),
      ','.repeat(16384),
      '1,buy,EURUSD,' + 'x='.repeat(5000),
      '1,buy,EURUSD,comment="unterminated',
      JSON.stringify({ action: 'buy', symbol: 'X', qty: '9'.repeat(400) }),
      JSON.stringify({ action: 'buy', symbol: 'X', qty: `1e${'9'.repeat(50)}` }),
      '{"action":"buy","symbol":"X","qty":' + '9'.repeat(400) + '}',
      '{"a":' + '{"a":'.repeat(3000) + '1' + '}'.repeat(3001),
    ];
    for (const body of samples) {
      const r = parseAlert(body);
      if (!r.ok) expect([400, 422]).toContain(r.rejection.http);
    }
  });

  it('random bodies always give a well-formed result', () => {
    // A small deterministic fuzz over characters that matter to the parsers.
    const alphabet = ['{', '}', '[', ']', '"', ',', ':', '=', '\\', ' ', 'buy', 'EURUSD', 'qty', '1', '-', 'e', '{{x}}', '\u0000', '\ud800', 'é'];
    let seed = 12345;
    const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let n = 0; n < 2000; n++) {
      let body = '';
      const len = Math.floor(rand() * 30);
      for (let i = 0; i < len; i++) body += alphabet[Math.floor(rand() * alphabet.length)];
      const r = parseAlert(body);
      if (r.ok) {
        expect(r.alert.action).toBeTypeOf('string');
      } else {
        expect(r.rejection.http === 400 ? NOT_PARSEABLE_CODES : INVALID_CODES).toContain(r.rejection.code);
        if (r.rejection.http === 422) expect(r.rejection.field).toBeTypeOf('string');
      }
    }
  });
});
