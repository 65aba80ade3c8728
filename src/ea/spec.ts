import { z } from 'zod';
import { UserError } from '../errors.js';
import { TIMEFRAMES } from './projects.js';

/**
 * The declarative strategy spec `dcap ea generate --from` renders into an EA (docs/ea-spec.md,
 * docs/ea-spec.schema.json is generated from this file). Rules read closed bars only (bar 1,
 * and bar 2 for crosses), so a signal never appears and vanishes within a bar.
 */

/** Indicator ids become MQL5 identifiers (h_<id>, v_<id>), so they are kept to that alphabet. */
const Id = z.string().regex(/^[a-z][a-z0-9_]{0,23}$/, 'an id: a lower-case letter, then up to 23 of a-z 0-9 _');
export const SYMBOL = /^[A-Za-z0-9._#+-]{1,32}$/;
const Price = z.enum(['close', 'open', 'high', 'low', 'median', 'typical', 'weighted']).default('close').describe('applied price');
const Period = z.int().min(1).max(1000);

export const IndicatorSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('sma'), period: Period, price: Price }).describe('simple moving average'),
  z.strictObject({ type: z.literal('ema'), period: Period, price: Price }).describe('exponential moving average'),
  z.strictObject({ type: z.literal('rsi'), period: Period.default(14), price: Price }).describe('relative strength index, 0-100'),
  z.strictObject({ type: z.literal('atr'), period: Period.default(14) }).describe('average true range, in price units'),
  z
    .strictObject({ type: z.literal('bollinger'), period: Period.default(20), deviation: z.number().positive().max(10).default(2), price: Price })
    .describe('Bollinger Bands: refer to <id>.upper, <id>.middle, <id>.lower'),
]);
export type Indicator = z.output<typeof IndicatorSchema>;

/** An indicator id, `<bollinger id>.upper|middle|lower`, a bar price (`close`, `open`, `high`, `low`), or a number. */
const Operand = z.union([z.string().min(1), z.number()]).describe('an indicator id, <id>.upper|middle|lower for Bollinger, close|open|high|low (of the closed bar), or a number');
const Pair = z.tuple([Operand, Operand]);

export const ConditionSchema = z.union([
  z.strictObject({ crossesAbove: Pair }).describe('a was at or below b on bar 2 and is above it on bar 1'),
  z.strictObject({ crossesBelow: Pair }).describe('a was at or above b on bar 2 and is below it on bar 1'),
  z.strictObject({ above: Pair }).describe('a > b on bar 1'),
  z.strictObject({ below: Pair }).describe('a < b on bar 1'),
]);
export type Condition = z.output<typeof ConditionSchema>;

export const RuleSchema = z.union([
  z.strictObject({ all: z.array(ConditionSchema).min(1) }).describe('every condition holds'),
  z.strictObject({ any: z.array(ConditionSchema).min(1) }).describe('at least one condition holds'),
]);
export type Rule = z.output<typeof RuleSchema>;

const Distance = z.union([
  z.strictObject({ pips: z.number().positive().max(100_000) }),
  z.strictObject({ atr: z.strictObject({ period: Period.default(14), multiple: z.number().positive().max(100) }) }).describe('a multiple of the ATR of the closed bar'),
]);

const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM, 00:00 to 23:59');

export const StrategySpecSchema = z
  .strictObject({
    $schema: z.string().optional(),
    description: z.string().max(500).optional(),
    symbol: z.string().regex(SYMBOL, 'a symbol name such as EURUSD or XAUUSD.m').default('EURUSD'),
    timeframe: z.enum(TIMEFRAMES).default('H1'),
    indicators: z.record(Id, IndicatorSchema).default({}),
    entry: z
      .strictObject({ long: RuleSchema.optional(), short: RuleSchema.optional() })
      .refine((e) => e.long !== undefined || e.short !== undefined, 'give entry.long, entry.short, or both'),
    exit: z.strictObject({ long: RuleSchema.optional(), short: RuleSchema.optional() }).default({}),
    sizing: z.union([
      z.strictObject({ riskPercent: z.number().positive().max(10) }).describe('lots from the stop distance: equity x riskPercent / 100 lost at the stop'),
      z.strictObject({ lots: z.number().positive().max(1000) }),
    ]),
    stops: z
      .strictObject({ stopLoss: Distance.optional(), takeProfit: Distance.optional() })
      .default({}),
    sessions: z
      .array(z.strictObject({ start: HHMM, end: HHMM }).refine((s) => s.start !== s.end, 'start and end must differ'))
      .default([])
      .describe('server-time windows for new entries (end may be past midnight); empty: always'),
    maxPositions: z.int().min(1).max(50).default(1).describe('open positions per direction'),
    slippagePoints: z.int().min(0).max(10_000).default(10),
    magic: z.int().min(1).max(2_147_483_647).optional().describe('default: derived from the EA name'),
  })
  .superRefine((spec, ctx) => {
    const check = (rule: Rule | undefined, path: (string | number)[]) => {
      if (!rule) return;
      const key = 'all' in rule ? 'all' : 'any';
      const conds = 'all' in rule ? rule.all : rule.any;
      conds.forEach((c, i) => {
        const [kind, pair] = Object.entries(c)[0] as [string, [string | number, string | number]];
        pair.forEach((op, j) => {
          const problem = operandProblem(spec.indicators, op);
          if (problem) ctx.addIssue({ code: 'custom', path: [...path, key, i, kind, j], message: problem });
        });
        if (typeof pair[0] === 'number' && typeof pair[1] === 'number') {
          ctx.addIssue({ code: 'custom', path: [...path, key, i, kind], message: 'compare at least one indicator or price, not two numbers' });
        }
      });
    };
    check(spec.entry.long, ['entry', 'long']);
    check(spec.entry.short, ['entry', 'short']);
    check(spec.exit.long, ['exit', 'long']);
    check(spec.exit.short, ['exit', 'short']);
    if ('riskPercent' in spec.sizing && !spec.stops.stopLoss) {
      ctx.addIssue({ code: 'custom', path: ['stops', 'stopLoss'], message: 'sizing.riskPercent needs a stop loss to size from' });
    }
  });
export type StrategySpec = z.output<typeof StrategySpecSchema>;

export const BAR_PRICES = ['close', 'open', 'high', 'low'] as const;

function operandProblem(indicators: Record<string, Indicator>, op: string | number): string | null {
  if (typeof op === 'number') return Number.isFinite(op) ? null : 'not a finite number';
  if ((BAR_PRICES as readonly string[]).includes(op)) return null;
  const [id, line, ...rest] = op.split('.');
  const ind = indicators[id!];
  if (!ind) return `"${op}" is not an indicator id (declared: ${Object.keys(indicators).join(', ') || 'none'}) nor one of ${BAR_PRICES.join(', ')}`;
  if (ind.type === 'bollinger') {
    if (rest.length || !line || !['upper', 'middle', 'lower'].includes(line)) return `"${op}": a Bollinger band is ${id}.upper, ${id}.middle or ${id}.lower`;
    return null;
  }
  return line !== undefined ? `"${op}": ${id} is a ${ind.type}, which has one line (write "${id}")` : null;
}

/** Parses a spec (already JSON-decoded), listing every problem with its path. */
export function parseSpec(input: unknown, source = 'the strategy spec'): StrategySpec {
  const r = StrategySpecSchema.safeParse(input);
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new UserError(`${source} is not a valid strategy spec (docs/ea-spec.md):\n${lines.join('\n')}`);
}

/** The JSON Schema of the spec as a file accepts it (docs/ea-spec.schema.json). */
export function specJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(StrategySpecSchema, { io: 'input', unrepresentable: 'any' }),
    $id: 'https://dcap.dev/schemas/ea-spec.schema.json',
    title: 'dcap EA strategy spec',
  };
}
