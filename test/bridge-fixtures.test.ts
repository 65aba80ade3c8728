/**
 * The bridge protocol's example files and symbol specs against the schemas, the pure protocol
 * rules, and the agreement between the TypeScript side and DcapBridge.mq5 (version, retcode
 * table, short job id rule), read from the MQL5 sources since MetaEditor cannot run here.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { parseHours } from '../src/core/hours.js';
import {
  BRIDGE_VERSION,
  CommandSchema,
  HelloSchema,
  ResultSchema,
  StateSchema,
  SymbolsFileSchema,
  TicksSchema,
  commandFileName,
  commentHasTag,
  jobTag,
  orderComment,
  parseCommandFileName,
  resultFileName,
  shortJobId,
} from '../src/bridge/protocol.js';
import { RETCODES, retcodeName } from '../src/bridge/retcodes.js';
import { fillingPolicy, levelsFromPips, normaliseVolume, pipSize, riskVolume } from '../src/bridge/rules.js';

const root = join(import.meta.dirname, '..');
const bridgeDir = join(root, 'fixtures', 'bridge');
const readJson = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));

const KINDS: Array<[RegExp, z.ZodType]> = [
  [/^cmd-/, CommandSchema],
  [/^result-/, ResultSchema],
  [/^state-/, StateSchema],
  [/^ticks/, TicksSchema],
  [/^hello/, HelloSchema],
];

function mqlSources(): string {
  const dir = join(root, 'templates', 'mql5');
  const inc = join(dir, 'Include', 'Dcap');
  return [join(dir, 'DcapBridge.mq5'), ...readdirSync(inc).map((f) => join(inc, f))]
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
}

describe('fixtures/bridge', () => {
  const files = readdirSync(bridgeDir).filter((f) => f.endsWith('.json'));

  it('has an example of every file kind, command type and result outcome', () => {
    for (const [re] of KINDS) expect(files.some((f) => re.test(f)), String(re)).toBe(true);
    const types = files.filter((f) => f.startsWith('cmd-')).map((f) => (readJson(join(bridgeDir, f)) as { type: string }).type);
    expect(new Set(types)).toEqual(new Set(['trade', 'close', 'modify', 'cancel', 'subscribe', 'deploy']));
    const results = files.filter((f) => f.startsWith('result-')).map((f) => ResultSchema.parse(readJson(join(bridgeDir, f))));
    expect(results.some((r) => r.ok)).toBe(true);
    expect(results.some((r) => !r.ok)).toBe(true);
    const modes = files.filter((f) => f.startsWith('state-')).map((f) => StateSchema.parse(readJson(join(bridgeDir, f))).account.marginMode);
    expect(new Set(modes)).toEqual(new Set(['netting', 'hedging']));
  });

  for (const file of files) {
    it(`${file} matches its schema`, () => {
      const kind = KINDS.find(([re]) => re.test(file));
      expect(kind, `${file}: name must start with cmd-, result-, state-, ticks or hello`).toBeDefined();
      const parsed = kind![1].safeParse(readJson(join(bridgeDir, file)));
      expect(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues)).toBe(true);
    });
  }

  it('results carry their job tag in the comment and a known retcode name', () => {
    for (const file of files.filter((f) => f.startsWith('result-'))) {
      const r = ResultSchema.parse(readJson(join(bridgeDir, file)));
      if (r.comment !== '') expect(commentHasTag(r.comment, jobTag(r.jobId)), file).toBe(true);
      expect(retcodeName(r.retcode), file).toBe(r.retcodeText);
      expect(RETCODES[r.retcode]!.ok, file).toBe(r.ok);
    }
  });
});

describe('command schema', () => {
  const base = { v: 1, seq: 1, jobId: 'job-1', createdAt: 1, type: 'trade', symbol: 'EURUSD' };

  it('refuses contradictory or incomplete trades with the field named', () => {
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ action: 'buy' }, 'volume'],
      [{ action: 'buy', volume: 0.1, riskPct: 1, sl: 1 }, 'volume'],
      [{ action: 'buy', riskPct: 1 }, 'riskPct'],
      [{ action: 'buy_limit', volume: 0.1 }, 'price'],
      [{ action: 'buy', volume: 0.1, side: 'sell' }, 'side'],
      [{ action: 'sell_stop', volume: 0.1, price: 1, orderType: 'limit' }, 'orderType'],
      [{ action: 'buy', volume: 0.1, sl: 1, slPips: 10 }, 'slPips'],
      [{ action: 'buy', volume: -1 }, 'volume'],
      [{ action: 'buy', volume: 0.1, jobId: '../x' }, 'jobId'],
      [{ action: 'buy', volume: 0.1, jobId: '---' }, 'jobId'],
    ];
    for (const [extra, field] of bad) {
      const r = CommandSchema.safeParse({ ...base, ...extra });
      expect(r.success, JSON.stringify(extra)).toBe(false);
      expect(r.error!.issues.map((i) => i.path.join('.')), JSON.stringify(extra)).toContain(field);
    }
  });

  it('accepts unknown fields (a newer agent may send more) and drops them', () => {
    const r = CommandSchema.parse({ ...base, action: 'sell', volume: 0.2, future: true });
    expect(r).not.toHaveProperty('future');
  });

  it('refuses a newer protocol version', () => {
    expect(CommandSchema.safeParse({ ...base, action: 'buy', volume: 0.1, v: 2 }).success).toBe(false);
  });
});

describe('names and tags', () => {
  const uuid = '0193a2f4-5c6d-7e8f-9a0b-1c2d3e4f5a6b';

  it('pads seq to 12 digits so names sort in seq order', () => {
    expect(commandFileName(41, uuid)).toBe(`cmd/000000000041-${uuid}.json`);
    expect(resultFileName(uuid)).toBe(`res/${uuid}.json`);
    const names = [10, 9, 100, 2].map((s) => commandFileName(s, 'j').slice(4)).sort();
    expect(names.map((n) => parseCommandFileName(n)!.seq)).toEqual([2, 9, 10, 100]);
    expect(parseCommandFileName('.tmp-000000000001-j.json')).toBeNull();
    expect(() => commandFileName(-1, 'j')).toThrow(RangeError);
    expect(() => commandFileName(1e12, 'j')).toThrow(RangeError);
    expect(() => commandFileName(1, 'a/b')).toThrow();
  });

  it('short job ids fit the MT5 comment with room to spare and do not prefix-match', () => {
    expect(shortJobId(uuid)).toBe('7e8f9a0b1c2d3e4f5a6b');
    expect(jobTag(uuid)).toBe('dcap:7e8f9a0b1c2d3e4f5a6b');
    expect(shortJobId('Job-1')).toBe('job1');
    expect(orderComment(uuid, 'a long strategy comment')).toHaveLength(31);
    expect(orderComment(uuid)).toBe('dcap:7e8f9a0b1c2d3e4f5a6b');
    expect(commentHasTag('dcap:job12', 'dcap:job1')).toBe(false);
    expect(commentHasTag('dcap:job1 tv', 'dcap:job1')).toBe(true);
    expect(commentHasTag('dcap:job1', 'dcap:job1')).toBe(true);
    expect(commentHasTag('[sl 1.0800]', 'dcap:job1')).toBe(false);
  });
});

describe('fixtures/symbols.json', () => {
  const file = SymbolsFileSchema.parse(readJson(join(root, 'fixtures', 'symbols.json')));

  it('has the symbols the paper terminal and the demo need', () => {
    const names = file.symbols.map((s) => s.symbol);
    for (const s of ['EURUSD', 'GBPUSD', 'USDJPY', 'XAUUSD', 'US30', 'BTCUSD']) expect(names).toContain(s);
  });

  for (const s of file.symbols) {
    it(`${s.symbol} is internally consistent`, () => {
      expect(s.point).toBeCloseTo(10 ** -s.digits, 12);
      expect(s.tickValue).toBeGreaterThan(0);
      // Tick size is a whole number of points, volumes whole numbers of steps.
      expect(Math.abs(s.tickSize / s.point - Math.round(s.tickSize / s.point))).toBeLessThan(1e-9);
      expect(Math.abs(s.volumeMin / s.volumeStep - Math.round(s.volumeMin / s.volumeStep))).toBeLessThan(1e-9);
      if (file.accountCurrency === s.currencyProfit) {
        // With the profit currency = the account currency, tick value = contract size x tick size.
        expect(s.tickValue).toBeCloseTo(s.contractSize * s.tickSize, 9);
      }
      if (s.sessions !== undefined) expect(() => parseHours(s.sessions!)).not.toThrow();
    });
  }

  it('drives the protocol rules as the EA applies them', () => {
    const spec = (n: string) => file.symbols.find((s) => s.symbol === n)!;
    expect(pipSize(spec('EURUSD'))).toBeCloseTo(0.0001, 12);
    expect(pipSize(spec('USDJPY'))).toBeCloseTo(0.01, 12);
    expect(pipSize(spec('XAUUSD'))).toBeCloseTo(0.01, 12);
    expect(normaliseVolume(spec('EURUSD'), 0.129)).toEqual({ ok: true, volume: 0.12, clamped: false });
    expect(normaliseVolume(spec('EURUSD'), 0.3)).toEqual({ ok: true, volume: 0.3, clamped: false });
    expect(normaliseVolume(spec('EURUSD'), 1000)).toEqual({ ok: true, volume: 100, clamped: true });
    expect(normaliseVolume(spec('US30'), 0.05).ok).toBe(false);
    // 1% of 10,000 = 100 USD over a 20-pip stop at 10 USD/pip/lot: 0.5 lots.
    expect(riskVolume(spec('EURUSD'), 10_000, 1, 1.085, 1.083)).toEqual({ ok: true, volume: 0.5, clamped: false });
    expect(riskVolume(spec('EURUSD'), 100, 0.1, 1.085, 1.083).ok).toBe(false);
    expect(levelsFromPips(spec('EURUSD'), 'sell', 1.085, { slPips: 20, tpPips: 40 })).toEqual({ sl: 1.087, tp: 1.081 });
    expect(fillingPolicy(spec('US30'))).toBe('ioc');
    expect(fillingPolicy({ fillingModes: [] })).toBe('return');
  });
});

describe('DcapBridge.mq5 agrees with this code', () => {
  let src = '';
  beforeAll(() => {
    src = mqlSources();
  });

  it('reports the same bridge version', () => {
    expect(src).toMatch(new RegExp(`#define\\s+DCAP_BRIDGE_VERSION\\s+"${BRIDGE_VERSION.replaceAll('.', '\\.')}"`));
  });

  it('names every retcode as the TypeScript table does', () => {
    const mql = new Map<number, string>();
    for (const m of src.matchAll(/case\s+(\d+)\s*:\s*return\s*"([A-Z_]+)"/g)) mql.set(Number(m[1]), m[2]!);
    for (const [code, info] of Object.entries(RETCODES)) expect(mql.get(Number(code)), code).toBe(info.name);
    expect(mql.size).toBe(Object.keys(RETCODES).length);
  });

  it('docs/bridge.md lists the same retcodes', () => {
    const doc = readFileSync(join(root, 'docs', 'bridge.md'), 'utf8');
    const rows = new Map<number, string>();
    for (const m of doc.matchAll(/^\| (\d+) \| ([A-Z_]+) \|/gm)) rows.set(Number(m[1]), m[2]!);
    for (const [code, info] of Object.entries(RETCODES)) expect(rows.get(Number(code)), code).toBe(info.name);
    expect(rows.size).toBe(Object.keys(RETCODES).length);
  });

  it('uses the same short-id length and tag prefix', () => {
    expect(src).toMatch(/#define\s+DCAP_SHORT_ID_LEN\s+20\b/);
    expect(src).toMatch(/#define\s+DCAP_TAG_PREFIX\s+"dcap:"/);
  });
});
