import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SymbolsFileSchema } from '../bridge/symbols.js';
import { CsvReplay, parseTicksCsv, RandomWalk } from './prices.js';

const root = join(import.meta.dirname, '..', '..');
const specs = SymbolsFileSchema.parse(JSON.parse(readFileSync(join(root, 'fixtures', 'symbols.json'), 'utf8'))).symbols;
const known = new Set(specs.map((s) => s.symbol));

describe('RandomWalk', () => {
  it('is the same for the same seed, rounds to the tick size and keeps the spread', () => {
    const a = new RandomWalk(specs, { tickRate: 5, seed: 42 });
    const b = new RandomWalk(specs, { tickRate: 5, seed: 42 });
    const qa = [a.step(1), a.step(2)];
    expect(qa).toEqual([b.step(1), b.step(2)]);
    const eur = qa[1]!.find((q) => q.symbol === 'EURUSD')!;
    expect(Math.round((eur.ask - eur.bid) / 0.00001)).toBe(8);
    expect(Number(eur.bid.toFixed(5))).toBe(eur.bid);
    const wide = new RandomWalk(specs, { tickRate: 5, seed: 1, spreadPoints: 30 }).step(1).find((q) => q.symbol === 'XAUUSD')!;
    expect(wide.ask - wide.bid).toBeCloseTo(0.3, 6);
  });

  it('emits every symbol at the configured rate while started', async () => {
    const walk = new RandomWalk(specs, { tickRate: 50, seed: 1 });
    const seen: number[] = [];
    walk.start((q) => seen.push(q.length));
    await new Promise((r) => setTimeout(r, 200));
    walk.stop();
    const n = seen.length;
    await new Promise((r) => setTimeout(r, 60));
    expect(n).toBeGreaterThan(0);
    expect(seen.length).toBe(n); // nothing after stop()
    expect(seen.every((x) => x === specs.length)).toBe(true);
  });
});

describe('tick CSV', () => {
  it('parses the fixture: header, ISO times, sorted, known symbols', () => {
    const rows = parseTicksCsv(readFileSync(join(root, 'fixtures', 'prices', 'eurusd-xauusd.csv'), 'utf8'), known);
    expect(rows.length).toBeGreaterThan(100);
    expect(new Set(rows.map((r) => r.symbol))).toEqual(new Set(['EURUSD', 'XAUUSD']));
    expect(rows.every((r, i) => i === 0 || r.time >= rows[i - 1]!.time)).toBe(true);
    expect(rows.every((r) => r.ask >= r.bid)).toBe(true);
  });

  it('names the line and the problem', () => {
    const bad: Array<[string, RegExp]> = [
      ['a,b\n', /header/],
      ['time,symbol,bid,ask\n1,EURUSD,1.1\n', /p:2: expected 4 fields/],
      ['time,symbol,bid,ask\n1,EURUSD,1.1,1.2\nyesterday,EURUSD,1,1\n', /p:3: time "yesterday"/],
      ['time,symbol,bid,ask\n1,NOPE,1,1\n', /p:2: symbol "NOPE"/],
      ['time,symbol,bid,ask\n1,EURUSD,1.2,1.1\n', /p:2: ask 1.1 is below bid 1.2/],
      ['time,symbol,bid,ask\n', /no ticks/],
    ];
    for (const [text, re] of bad) expect(() => parseTicksCsv(text, known, 'p')).toThrow(re);
  });

  it('replays the rows in order, the first quote of each symbol available before start', async () => {
    const rows = parseTicksCsv('time,symbol,bid,ask\n0,EURUSD,1.1,1.1001\n5,XAUUSD,2000,2000.2\n10,EURUSD,1.2,1.2001\n', known);
    const replay = new CsvReplay(rows, { loop: false });
    expect(replay.initial().map((q) => q.symbol)).toEqual(['EURUSD', 'XAUUSD']);
    const got: number[] = [];
    await new Promise<void>((resolve) => {
      replay.start((qs) => {
        got.push(...qs.map((q) => q.bid));
        if (got.length === 3) resolve();
      });
    });
    replay.stop();
    expect(got).toEqual([1.1, 2000, 1.2]);
  });
});
