import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderSpec } from './render.js';
import { parseSpec, specJsonSchema } from './spec.js';
import { eaProblems } from './structure.js';
import { commentFor, magicFor, renderTemplate, TEMPLATE_DIR, TEMPLATES, templateFiles } from './template.js';

const EXAMPLE = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'examples', 'ea-spec-ema-rsi.json'), 'utf8')) as unknown;

/** What every dcap EA must have, template or generated. */
function expectSoundEa(src: string): void {
  expect(eaProblems(src)).toEqual([]);
  expect(src).toMatch(/void OnDeinit\(const int reason\)/);
  expect(src).toMatch(/^input long\s+InpMagic\s*=\s*\d+;/m);
  expect(src).toMatch(/^input double\s+InpRiskPercent\s*=/m);
  expect(src).toMatch(/^input string\s+InpComment\s*=\s*"dcap:ea\//m);
  expect(src).toMatch(/SYMBOL_TRADE_TICK_VALUE/);
  expect(src).toMatch(/SYMBOL_TRADE_TICK_SIZE/);
  for (const k of ['SYMBOL_VOLUME_STEP', 'SYMBOL_VOLUME_MIN', 'SYMBOL_VOLUME_MAX']) expect(src).toContain(k);
  expect(src).toMatch(/SetExpertMagicNumber/);
  expect(src).not.toMatch(/\{\{|\}\}/);
}

describe('templates', () => {
  it('ships exactly the four templates', () => {
    expect(templateFiles().sort()).toEqual(TEMPLATES.map((t) => `${t}.mq5`).sort());
  });

  it.each(TEMPLATES)('%s fills into a sound EA with the name, symbol, timeframe, magic and tag', (t) => {
    const src = renderTemplate(t, { name: 'gold_1', symbol: 'XAUUSD.m', timeframe: 'M15' });
    expectSoundEa(src);
    expect(src).toContain('PERIOD_M15');
    expect(src).toContain('XAUUSD.m');
    expect(src).toMatch(new RegExp(`InpMagic\\s*= ${magicFor('gold_1')};`));
    expect(src).toContain(`"${commentFor('gold_1')}"`);
    // The raw template holds markers, and nothing else unfilled.
    const raw = readFileSync(join(TEMPLATE_DIR, `${t}.mq5`), 'utf8');
    expect(new Set(raw.match(/\{\{[A-Z_]+\}\}/g))).toEqual(new Set(['{{EA_NAME}}', '{{SYMBOL}}', '{{TIMEFRAME}}', '{{MAGIC}}', '{{COMMENT}}']));
  });

  it('indicator handles are released in OnDeinit; CopyBuffer results are checked', () => {
    const src = renderTemplate('ma-cross', { name: 'x', symbol: 'EURUSD', timeframe: 'H1' });
    expect(src.match(/IndicatorRelease\(/g)).toHaveLength(2);
    expect(src).toMatch(/int copied = CopyBuffer\([^)]*\);\s*if\(copied != 2\)/);
  });

  it('magic numbers and tags are stable per name and fit MT5', () => {
    expect(magicFor('trend')).toBe(magicFor('trend'));
    expect(magicFor('trend')).not.toBe(magicFor('trend2'));
    expect(magicFor('a')).toBeGreaterThan(0);
    expect(magicFor('a')).toBeLessThanOrEqual(2_000_000_000);
    expect(commentFor('x'.repeat(60))).toHaveLength(31);
  });

  it('an unknown template is a clear error', () => {
    expect(() => renderTemplate('scalp', { name: 'x', symbol: 'EURUSD', timeframe: 'H1' })).toThrow(/unknown template "scalp": choose one of ma-cross, breakout, grid, blank/);
  });
});

describe('strategy spec -> MQL5', () => {
  it('renders the documented example into a sound EA, byte-identical on every run', () => {
    const spec = parseSpec(EXAMPLE);
    const src = renderSpec(spec, 'er');
    expectSoundEa(src);
    expect(renderSpec(parseSpec(EXAMPLE), 'er')).toBe(src);
    // One handle per indicator plus the stop's ATR, each created in OnInit and released in OnDeinit.
    const created = src.match(/^ {3}h_\w+ = i(MA|RSI|ATR|Bands)\(/gm) ?? [];
    expect(created).toHaveLength(5);
    expect(src.match(/IndicatorRelease\(h_\w+\)/g)).toHaveLength(5);
    expect(src).toContain('iBands(_Symbol, InpTimeframe, Inp_bb_period, 0, Inp_bb_deviation, PRICE_CLOSE)');
    expect(src).toContain('Load(h_bb, 1, v_bb_upper, "bb.upper")');
    expect(src).toContain('bool enterLong  = (v_fast[1] <= v_slow[1] && v_fast[0] > v_slow[0]) && (v_rsi[0] < 70.0);');
    expect(src).toContain('bool exitLong   = (v_rsi[1] <= 75.0 && v_rsi[0] > 75.0) || (p_close[0] > v_bb_upper[0]);');
    expect(src).toContain('return v_sl_atr[0] * InpStopLossAtrMultiple;');
    expect(src).toContain('if(m >= 420 && m < 1020) return true; // 07:00-17:00');
  });

  it('fixed lots, pips stops, a session past midnight, no exits', () => {
    const src = renderSpec(
      parseSpec({
        timeframe: 'M5',
        indicators: { rsi: { type: 'rsi' } },
        entry: { long: { any: [{ crossesAbove: ['rsi', 30] }] } },
        sizing: { lots: 0.05 },
        stops: { stopLoss: { pips: 15 } },
        sessions: [{ start: '22:00', end: '02:00' }],
      }),
      'night',
    );
    expectSoundEa(src);
    expect(src).toContain('input double          InpRiskPercent = 0.0;');
    expect(src).toContain('input double          InpFixedLots = 0.05;');
    expect(src).toContain('bool exitLong   = false;');
    expect(src).toContain('bool enterShort = false;');
    expect(src).toContain('if(m >= 1320 || m < 120) return true;');
    expect(src).toContain('return 0.0; // none');
  });

  it('lists every problem of a bad spec with its path', () => {
    expect(() => parseSpec({ timeframe: 'H7', entry: { long: { all: [{ above: ['close', 1] }] } }, sizing: { lots: 1 } }, 'x.json')).toThrow(
      /x\.json is not a valid strategy spec \(docs\/ea-spec\.md\):\n  timeframe: /,
    );
    let msg = '';
    try {
      parseSpec({
        indicators: { fast: { type: 'ema', period: 10 }, bb: { type: 'bollinger' } },
        entry: { long: { all: [{ crossesAbove: ['fast', 'slow'] }, { above: ['close', 'bb'] }] } },
        sizing: { riskPercent: 1 },
      });
    } catch (err) {
      msg = (err as Error).message;
    }
    expect(msg).toMatch(/entry\.long\.all\.0\.crossesAbove\.1: "slow" is not an indicator id \(declared: fast, bb\)/);
    expect(msg).toMatch(/entry\.long\.all\.1\.above\.1: "bb": a Bollinger band is bb\.upper, bb\.middle or bb\.lower/);
    expect(msg).toMatch(/stops\.stopLoss: sizing\.riskPercent needs a stop loss/);
  });

  it('docs/ea-spec.schema.json is the schema generated from the zod spec', () => {
    const onDisk = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'ea-spec.schema.json'), 'utf8')) as unknown;
    expect(onDisk).toEqual(specJsonSchema());
  });
});

describe('eaProblems', () => {
  it('finds missing entry points, cut-off code and leftover markers; ignores braces in strings and comments', () => {
    expect(eaProblems('#property version "1.00"\nint OnInit() { return 0; }\n')).toEqual(['no OnTick() entry point (void OnTick())']);
    expect(eaProblems('#include <Trade\\Trade.mqh>\nint OnInit() { return 0; }\nvoid OnTick() { if(x) {\n')).toEqual(['unclosed "{" from line 3 (the code looks cut off)']);
    expect(eaProblems('int OnInit() { return 0; }\nvoid OnTick() { Print("}"); } // }\n')).toEqual(['no #property or #include line: this does not look like an MQL5 source file']);
    expect(eaProblems('#property x\nint OnInit() { return {{MAGIC}}; }\nvoid OnTick() {}\n')).toEqual(['an unreplaced template marker {{MAGIC}}']);
  });
});
