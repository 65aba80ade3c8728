import { describe, expect, it } from 'vitest';
import { parseTime, positiveNumber } from './numbers.js';
import { AlertRejection } from './rejection.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    if (err instanceof AlertRejection) return err.rejection.code;
    throw err;
  }
}

describe('positiveNumber', () => {
  it.each([
    [0.1, 0.1],
    ['0.10', 0.1],
    [' 1e-2 ', 0.01],
    ['+2', 2],
    ['.5', 0.5],
    ['5.', 5],
    ['1E3', 1000],
  ])('%j -> %s', (input, expected) => {
    expect(positiveNumber(input, 'qty', { max: 1e6 })).toBe(expected);
  });

  it.each([
    ['NaN', 'invalid_number'],
    ['Infinity', 'invalid_number'],
    ['-Infinity', 'invalid_number'],
    ['1e400', 'invalid_number'],
    [Infinity, 'invalid_number'],
    [Number.NaN, 'invalid_number'],
    ['0x10', 'invalid_number'],
    ['0,10', 'invalid_number'],
    ['1 000', 'invalid_number'],
    ['abc', 'invalid_number'],
    ['1.2.3', 'invalid_number'],
    ['--1', 'invalid_number'],
    [true, 'invalid_number'],
    [{}, 'invalid_number'],
    [[1], 'invalid_number'],
    ['١', 'invalid_number'], // Arabic-Indic digit one
    [0, 'not_positive'],
    ['-0', 'not_positive'],
    [-1, 'not_positive'],
    ['-0.01', 'not_positive'],
    [1e7, 'too_large'],
    ['1e300', 'too_large'],
  ])('%j is rejected with %s', (input, code) => {
    expect(codeOf(() => positiveNumber(input, 'qty', { max: 1e6 }))).toBe(code);
  });

  it('names the field and the value in the message', () => {
    try {
      positiveNumber('abc', 'lots', { max: 10 });
      expect.unreachable();
    } catch (err) {
      expect((err as AlertRejection).rejection).toEqual({
        http: 422,
        code: 'invalid_number',
        field: 'lots',
        message: 'lots must be a number, got "abc"',
      });
    }
  });
});

describe('parseTime', () => {
  const ms = Date.UTC(2024, 4, 1, 12, 0, 0);
  it.each([
    ['2024-05-01T12:00:00Z', ms],
    ['2024-05-01T12:00:00.000Z', ms],
    ['2024-05-01T12:00Z', ms],
    ['2024-05-01 12:00:00Z', ms],
    ['2024-05-01T14:00:00+02:00', ms],
    ['2024-05-01T14:00:00+0200', ms],
    ['2024-05-01t12:00:00z', ms],
    [ms / 1000, ms],
    [ms, ms],
    [String(ms / 1000), ms],
    [String(ms), ms],
    [ms / 1000 + 0.5, ms + 500],
  ])('%j -> epoch ms', (input, expected) => {
    expect(parseTime(input, 'time')).toBe(expected);
  });

  it.each([
    '2024-05-01T12:00:00', // no zone: local time of whom?
    '2024-13-01T12:00:00Z',
    '2024-05-01',
    'yesterday',
    'May 1, 2024',
    '0',
    '-5',
    '1e400',
    '99999999999999999999',
    true,
  ])('%j is invalid_time', (input) => {
    expect(codeOf(() => parseTime(input, 'time'))).toBe('invalid_time');
  });
});
