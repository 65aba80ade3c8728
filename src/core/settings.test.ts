import { describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { DEFAULT_LOTS, StrategySettingsSchema, STRATEGY_NAME_RE, defaultSettings, hasSettingsOptions, parseStrategiesFile, settingsFromOptions } from './settings.js';
import { DEFAULT_RATE_LIMIT } from './types.js';

const problemsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as Error).message.split('\n').slice(1).map((l) => l.trim());
  }
  throw new Error('expected a UserError');
};

describe('StrategySettingsSchema', () => {
  it('fills defaults and rejects unknown keys', () => {
    expect(defaultSettings()).toEqual({ symbols: [], map: {}, lots: DEFAULT_LOTS, rateLimit: DEFAULT_RATE_LIMIT });
    expect(StrategySettingsSchema.safeParse({ lot: 1 }).success).toBe(false);
  });

  it('accepts real symbol spellings and refuses lookalikes and separators', () => {
    const ok = ['OANDA:EURUSD', 'CME_MINI:ES1!', 'EURUSD.m', 'XAUUSDm', '#AAPL', 'BINANCE:BTCUSDT.P', 'US30.cash'];
    expect(StrategySettingsSchema.safeParse({ symbols: ok }).success).toBe(true);
    for (const bad of ['EUR USD', 'EURUSD,GBPUSD', 'ЕURUSD' /* Cyrillic Е */, 'A=B', '', '__proto__', 'EUR\u0000USD']) {
      expect(StrategySettingsSchema.safeParse({ symbols: [bad] }).success, bad).toBe(false);
    }
  });

  it('checks default lots against max lots', () => {
    expect(StrategySettingsSchema.safeParse({ lots: 2, maxLots: 1 }).success).toBe(false);
    expect(StrategySettingsSchema.safeParse({ lots: 1, maxLots: 1 }).success).toBe(true);
  });
});

describe('settingsFromOptions', () => {
  it('turns flags into settings', () => {
    const s = settingsFromOptions({
      symbols: 'EURUSD, XAUUSD,EURUSD',
      map: ['OANDA:EURUSD=EURUSD.m', 'OANDA:XAUUSD = XAUUSD.m'],
      suffix: '.m',
      lots: '0.1',
      maxLots: '1',
      riskPct: '1.5',
      lotsPerContract: '0.01',
      maxPositions: '3',
      dailyLoss: '500',
      hours: 'Mon-Fri 07:00-20:00 UTC',
      maxAge: '60s',
      agent: 'vps-1',
      rateLimit: '0',
    });
    expect(s).toEqual({
      symbols: ['EURUSD', 'XAUUSD'],
      map: { 'OANDA:EURUSD': 'EURUSD.m', 'OANDA:XAUUSD': 'XAUUSD.m' },
      suffix: '.m',
      lots: 0.1,
      maxLots: 1,
      riskPct: 1.5,
      lotsPerContract: 0.01,
      maxPositions: 3,
      dailyLoss: 500,
      hours: 'Mon-Fri 07:00-20:00 UTC',
      maxAgeMs: 60_000,
      agent: 'vps-1',
      rateLimit: 0,
    });
    expect(hasSettingsOptions({})).toBe(false);
    expect(hasSettingsOptions({ maxAge: '' })).toBe(true);
  });

  it('changes only the given flags of a base; "" resets, SRC= removes a map entry', () => {
    const base = settingsFromOptions({ symbols: 'EURUSD', map: ['A=B', 'C=D'], lots: '0.5', maxLots: '2', agent: 'x', hours: 'Mon 00:00-12:00 UTC' });
    const s = settingsFromOptions({ map: ['A=', 'E=F'], maxLots: '', agent: '', lots: '' }, base);
    expect(s).toEqual({ symbols: ['EURUSD'], map: { C: 'D', E: 'F' }, lots: DEFAULT_LOTS, hours: 'Mon 00:00-12:00 UTC', rateLimit: DEFAULT_RATE_LIMIT });
    expect(settingsFromOptions({ symbols: '', map: [''] }, base)).toMatchObject({ symbols: [], map: {} });
    // The base itself is not modified.
    expect(base.map).toEqual({ A: 'B', C: 'D' });
  });

  it('reports every problem at once, naming the flag', () => {
    const problems = problemsOf(() =>
      settingsFromOptions({
        lots: 'abc',
        maxPositions: '1.5',
        map: ['nonsense', 'A=B', 'A=C', 'OK=Ä'],
        maxAge: '5q',
        hours: 'Mon-Xyz 07:00-08:00',
        agent: 'a b',
        rateLimit: '-1',
        riskPct: '101',
        suffix: 'has space',
        symbols: 'EURUSD,EUR USD',
      }),
    );
    expect(problems).toEqual([
      '--map: "nonsense" is not SOURCE=BROKER (e.g. OANDA:EURUSD=EURUSD.m)',
      '--map: "A" is mapped twice (to "B" and "C")',
      '--lots: "abc" is not a number',
      '--max-age: "5q" is not a duration (examples: 500ms, 10s, 5m, 24h, 2d)',
      expect.stringMatching(/^--symbols: "EUR USD" is not a symbol/),
      expect.stringMatching(/^--map: "Ä" is not a symbol/),
      expect.stringMatching(/^--suffix: /),
      '--risk-pct: must be at most 100',
      '--max-positions: must be a whole number',
      expect.stringMatching(/^--hours: .*Xyz/),
      expect.stringMatching(/^--agent: /),
      '--rate-limit: must be at least 0',
    ]);
  });

  it('names max lots below default lots', () => {
    expect(problemsOf(() => settingsFromOptions({ maxLots: '0.001' }))).toEqual(['--lots: default lots 0.01 exceed max lots 0.001']);
  });
});

describe('STRATEGY_NAME_RE', () => {
  it('allows url- and shell-safe names only', () => {
    for (const ok of ['trend', 'EURUSD-breakout_2', 'a']) expect(STRATEGY_NAME_RE.test(ok), ok).toBe(true);
    for (const bad of ['', '-x', '_x', 'a b', 'a/b', 'x'.repeat(65), 'ünicode']) expect(STRATEGY_NAME_RE.test(bad), bad).toBe(false);
  });
});

describe('parseStrategiesFile', () => {
  it('reads an export, applying defaults', () => {
    const items = parseStrategiesFile(JSON.stringify({ version: 1, strategies: [{ name: 'a', settings: { lots: 0.2 } }, { name: 'b', enabled: false, settings: {} }] }), 'f.json');
    expect(items).toEqual([
      { name: 'a', settings: { symbols: [], map: {}, lots: 0.2, rateLimit: DEFAULT_RATE_LIMIT } },
      { name: 'b', enabled: false, settings: defaultSettings() },
    ]);
  });

  it('reports every problem with its path', () => {
    const text = JSON.stringify({
      version: 1,
      strategies: [
        { name: 'a', settings: { lots: 'x' } },
        { name: 'bad name', settings: {} },
        { name: 'a', settings: { hours: 'never' }, extra: true },
      ],
    });
    const problems = problemsOf(() => parseStrategiesFile(text, 'f.json'));
    expect(problems).toEqual([
      'strategies[0].settings.lots: expected number',
      expect.stringMatching(/^strategies\[1\]\.name: /),
      expect.stringMatching(/^strategies\[2\]\.settings\.hours: /),
      expect.stringMatching(/^strategies\[2\]: Unrecognized key: "extra"/),
    ]);
    expect(problemsOf(() => parseStrategiesFile('{"version":2,"strategies":[]}', 'f.json'))).toEqual(['version: must be 1']);
    expect(() => parseStrategiesFile('{', 'f.json')).toThrow(/f\.json is not valid JSON/);
  });

  it('reports a duplicate name once the entries are valid', () => {
    const text = JSON.stringify({ version: 1, strategies: [{ name: 'a', settings: {} }, { name: 'a', settings: {} }] });
    expect(problemsOf(() => parseStrategiesFile(text, 'f.json'))).toEqual(['strategies[1].name: "a" already appears at strategies[0]']);
  });
});
