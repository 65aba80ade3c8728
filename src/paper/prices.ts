/**
 * Price sources of the paper terminal: a seeded random walk (the default) or the replay of a tick
 * CSV (`time,symbol,bid,ask`). Both hand batches of quotes to one callback; the terminal owns the
 * latest quote per symbol. Prices are rounded to each symbol's tick size with rules.ts.
 */
import { readFileSync } from 'node:fs';
import { normalisePrice } from '../bridge/rules.js';
import type { SymbolSpec } from '../bridge/symbols.js';

export interface Quote {
  symbol: string;
  bid: number;
  ask: number;
  /** UTC ms. */
  time: number;
}

export interface PriceFeed {
  /** The first quote of each symbol, available before start() (so a command can fill at once). */
  initial(): Quote[];
  start(onQuotes: (quotes: Quote[]) => void): void;
  stop(): void;
}

/** Realistic mid prices and spreads (points) for the usual symbols; a broker suffix (EURUSD.m) still matches. */
const DEFAULTS: Array<[prefix: string, mid: number, spreadPoints: number]> = [
  ['EURUSD', 1.085, 8],
  ['GBPUSD', 1.27, 10],
  ['USDJPY', 152.5, 12],
  ['XAUUSD', 2650, 14],
  ['US30', 44000, 18],
  ['BTCUSD', 90000, 1500],
];

export function defaultsFor(spec: SymbolSpec): { mid: number; spreadPoints: number } {
  const hit = DEFAULTS.find(([prefix]) => spec.symbol.toUpperCase().startsWith(prefix));
  return hit ? { mid: hit[1], spreadPoints: hit[2] } : { mid: 100, spreadPoints: 10 };
}

/** mulberry32: a tiny seeded PRNG, so a seeded walk is the same on every run and machine. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function quoteAt(spec: SymbolSpec, mid: number, spreadPoints: number, time: number): Quote {
  const spread = spreadPoints * spec.point;
  const bid = normalisePrice(spec, mid - spread / 2);
  return { symbol: spec.symbol, bid, ask: normalisePrice(spec, bid + spread), time };
}

export interface RandomWalkOptions {
  /** Ticks per second per symbol; 0 freezes prices (they then move only through setPrice). */
  tickRate: number;
  /** Spread in points for every symbol; default: per-symbol realistic values. */
  spreadPoints?: number;
  /** Standard deviation of one tick's relative move; default 2e-5 (about 2 points on EURUSD). */
  volatility?: number;
  seed?: number;
}

/** Geometric random walk: every 1/tickRate s each symbol's mid moves by exp(volatility * N(0,1)). */
export class RandomWalk implements PriceFeed {
  private readonly rand: () => number;
  private readonly mids = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly specs: SymbolSpec[],
    private readonly opts: RandomWalkOptions,
  ) {
    this.rand = prng(opts.seed ?? Date.now());
    for (const s of specs) this.mids.set(s.symbol, defaultsFor(s).mid);
  }

  initial(): Quote[] {
    const now = Date.now();
    return this.specs.map((s) => quoteAt(s, this.mids.get(s.symbol)!, this.spread(s), now));
  }

  start(onQuotes: (quotes: Quote[]) => void): void {
    if (this.opts.tickRate <= 0 || this.timer) return;
    this.timer = setInterval(() => onQuotes(this.step(Date.now())), 1000 / this.opts.tickRate);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The next tick of every symbol (exported for tests through the class). */
  step(now: number): Quote[] {
    const sigma = this.opts.volatility ?? 2e-5;
    return this.specs.map((s) => {
      // Box-Muller; 1 - rand() keeps log() away from 0.
      const z = Math.sqrt(-2 * Math.log(1 - this.rand())) * Math.cos(2 * Math.PI * this.rand());
      const mid = this.mids.get(s.symbol)! * Math.exp(sigma * z);
      this.mids.set(s.symbol, mid);
      return quoteAt(s, mid, this.spread(s), now);
    });
  }

  /** Moves a symbol's walk to a given quote (setPrice), so the walk continues from there. */
  pin(q: Quote): void {
    this.mids.set(q.symbol, (q.bid + q.ask) / 2);
  }

  private spread(s: SymbolSpec): number {
    return this.opts.spreadPoints ?? defaultsFor(s).spreadPoints;
  }
}

export interface CsvTick {
  time: number;
  symbol: string;
  bid: number;
  ask: number;
}

/**
 * Parses `time,symbol,bid,ask` (header required; time as epoch ms or ISO 8601). Throws an Error
 * naming the file, line and field at the first problem. Rows are returned in time order.
 */
export function parseTicksCsv(text: string, known: ReadonlySet<string>, file = 'prices'): CsvTick[] {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').replace(/^\uFEFF/, '').trim().toLowerCase().split(',').map((h) => h.trim());
  if (header.join(',') !== 'time,symbol,bid,ask') {
    throw new Error(`${file}:1: the header must be "time,symbol,bid,ask", got "${lines[0] ?? ''}"`);
  }
  const rows: CsvTick[] = [];
  lines.slice(1).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const at = `${file}:${i + 2}`;
    const cells = line.split(',').map((c) => c.trim());
    if (cells.length !== 4) throw new Error(`${at}: expected 4 fields (time,symbol,bid,ask), got ${cells.length}`);
    const [t, symbol, b, a] = cells as [string, string, string, string];
    const time = /^\d+$/.test(t) ? Number(t) : Date.parse(t);
    if (!Number.isFinite(time)) throw new Error(`${at}: time "${t}" is neither epoch milliseconds nor an ISO 8601 date`);
    if (!known.has(symbol)) throw new Error(`${at}: symbol "${symbol}" is not in the symbols file`);
    const bid = Number(b);
    const ask = Number(a);
    if (!(bid > 0) || !(ask > 0)) throw new Error(`${at}: bid and ask must be positive numbers, got "${b}" and "${a}"`);
    if (ask < bid) throw new Error(`${at}: ask ${ask} is below bid ${bid}`);
    rows.push({ time, symbol, bid, ask });
  });
  if (rows.length === 0) throw new Error(`${file}: no ticks after the header`);
  return rows.sort((x, y) => x.time - y.time);
}

export interface CsvReplayOptions {
  /** 2 replays twice as fast as recorded. Default 1. */
  speed?: number;
  /** Start again from the first row after the last one. Default true (a demo keeps moving). */
  loop?: boolean;
}

/**
 * Replays recorded ticks with their recorded spacing (scaled by speed). Quotes are stamped with
 * the wall clock: the agent and the relay judge freshness by it, not by the recording's dates.
 */
export class CsvReplay implements PriceFeed {
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;

  constructor(
    private readonly rows: CsvTick[],
    private readonly opts: CsvReplayOptions = {},
  ) {}

  static fromFile(file: string, known: ReadonlySet<string>, opts?: CsvReplayOptions): CsvReplay {
    return new CsvReplay(parseTicksCsv(readFileSync(file, 'utf8'), known, file), opts);
  }

  initial(): Quote[] {
    const first = new Map<string, CsvTick>();
    for (const r of this.rows) if (!first.has(r.symbol)) first.set(r.symbol, r);
    const now = Date.now();
    return [...first.values()].map((r) => ({ symbol: r.symbol, bid: r.bid, ask: r.ask, time: now }));
  }

  start(onQuotes: (quotes: Quote[]) => void): void {
    if (!this.stopped) return;
    this.stopped = false;
    const speed = this.opts.speed ?? 1;
    let i = 0;
    const next = (): void => {
      if (this.stopped) return;
      if (i >= this.rows.length) {
        if (this.opts.loop === false) return;
        i = 0;
      }
      const t = this.rows[i]!.time;
      const batch: Quote[] = [];
      const now = Date.now();
      while (i < this.rows.length && this.rows[i]!.time === t) {
        const r = this.rows[i++]!;
        batch.push({ symbol: r.symbol, bid: r.bid, ask: r.ask, time: now });
      }
      onQuotes(batch);
      const gap = i < this.rows.length ? this.rows[i]!.time - t : 1000;
      this.timer = setTimeout(next, Math.max(0, gap / speed));
    };
    next();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
