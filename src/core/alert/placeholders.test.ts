import { describe, expect, it } from 'vitest';
import { findPlaceholder, unquotedPlaceholder } from './placeholders.js';

describe('findPlaceholder', () => {
  it.each([
    ['{{ticker}}', '{{ticker}}'],
    ['OANDA:{{ticker}}', '{{ticker}}'],
    ['{{strategy.order.id}}-{{timenow}}', '{{strategy.order.id}}'],
    ['{{ strategy.order.contracts }}', '{{ strategy.order.contracts }}'],
    ['{{}}', '{{}}'],
  ])('%j -> %j', (text, expected) => {
    expect(findPlaceholder(text)).toBe(expected);
  });

  it.each(['EURUSD', '{ticker}', '{{ticker}', 'a{b}c'])('%j has none', (text) => {
    expect(findPlaceholder(text)).toBeUndefined();
  });
});

describe('unquotedPlaceholder', () => {
  it('finds an unquoted placeholder and the key it belongs to', () => {
    expect(unquotedPlaceholder('{"action":"buy","qty": {{strategy.order.contracts}}}')).toEqual({
      placeholder: '{{strategy.order.contracts}}',
      field: 'qty',
    });
  });

  it('reports the first of several', () => {
    expect(unquotedPlaceholder('{"qty":{{a}},"sl":{{b}}}')).toEqual({ placeholder: '{{a}}', field: 'qty' });
  });

  it('ignores placeholders inside strings, including after escaped quotes', () => {
    expect(unquotedPlaceholder('{"comment":"say \\"{{x}}\\"", "qty": }')).toBeUndefined();
  });

  it('finds one in an array value without a key', () => {
    expect(unquotedPlaceholder('{"x":[{{close}}]}')).toEqual({ placeholder: '{{close}}', field: undefined });
  });

  it('a body that is only a placeholder', () => {
    expect(unquotedPlaceholder('{{strategy.order.alert_message}}')).toEqual({
      placeholder: '{{strategy.order.alert_message}}',
      field: undefined,
    });
  });

  it('does not blame a placeholder when the JSON is broken anyway', () => {
    expect(unquotedPlaceholder('{"qty": {{strategy.order.contracts}}, "action": ')).toBeUndefined();
    expect(unquotedPlaceholder('{"action":"buy"')).toBeUndefined();
  });
});
