import { describe, expect, it } from 'vitest';
import { applyMarketPosition, isEntry, normaliseAction, normaliseMarketPosition } from './actions.js';

describe('normaliseAction', () => {
  it.each([
    ['buy', 'buy'],
    ['BUY', 'buy'],
    ['Long', 'buy'],
    ['sell', 'sell'],
    ['short', 'sell'],
    ['close', 'close'],
    ['close_long', 'close_long'],
    ['closelong', 'close_long'],
    ['Close-Long', 'close_long'],
    ['close long', 'close_long'],
    ['exit_long', 'close_long'],
    ['close_short', 'close_short'],
    ['CLOSESHORT', 'close_short'],
    ['close_all', 'close_all'],
    ['closeall', 'close_all'],
    ['flatten', 'close_all'],
    ['modify', 'modify'],
    ['newsltp', 'modify'],
    ['buy_limit', 'buy_limit'],
    ['buylimit', 'buy_limit'],
    ['sell_limit', 'sell_limit'],
    ['buystop', 'buy_stop'],
    ['sell_stop', 'sell_stop'],
    ['cancel', 'cancel'],
  ])('%j -> %s', (text, action) => {
    expect(normaliseAction(text)).toBe(action);
  });

  it.each(['', 'hold', 'constructor', '__proto__', 'toString', 'buyy', 'cancellong', 'newsltplong', 'bUy\u0000'])(
    '%j is unknown',
    (text) => {
      expect(normaliseAction(text)).toBeUndefined();
    },
  );
});

describe('applyMarketPosition', () => {
  it.each([
    ['buy', 'long', 'buy'],
    ['sell', 'short', 'sell'],
    ['buy', 'flat', 'close_short'],
    ['sell', 'flat', 'close_long'],
    ['sell', 'long', 'close_long'],
    ['buy', 'short', 'close_short'],
    ['close', 'flat', 'close'],
    ['buy_limit', 'flat', 'buy_limit'],
  ] as const)('%s + %s -> %s', (action, position, expected) => {
    expect(applyMarketPosition(action, position)).toBe(expected);
  });

  it('reads market positions in any case', () => {
    expect(normaliseMarketPosition(' FLAT ')).toBe('flat');
    expect(normaliseMarketPosition('neutral')).toBeUndefined();
  });
});

describe('isEntry', () => {
  it('entries are buy, sell and pending orders; everything else manages positions', () => {
    const entries = ['buy', 'sell', 'buy_limit', 'sell_limit', 'buy_stop', 'sell_stop'] as const;
    const others = ['close', 'close_long', 'close_short', 'close_all', 'cancel', 'modify'] as const;
    for (const a of entries) expect(isEntry(a)).toBe(true);
    for (const a of others) expect(isEntry(a)).toBe(false);
  });
});
