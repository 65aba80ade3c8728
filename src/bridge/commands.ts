/** Command files (cmd/<seq>-<jobId>.json): what the agent asks the terminal to do. */
import { z } from 'zod';
import { JobIdSchema, TimeMs, Ticket, Positive, SymbolName, Magic, Side, envelope } from './primitives.js';

const PENDING = new Set(['buy_limit', 'sell_limit', 'buy_stop', 'sell_stop']);

export const TradeCommandSchema = z
  .object({
    ...envelope,
    type: z.literal('trade'),
    action: z.enum(['buy', 'sell', 'buy_limit', 'sell_limit', 'buy_stop', 'sell_stop']),
    symbol: SymbolName,
    /** The symbol as TradingView sent it; informational. */
    sourceSymbol: z.string().optional(),
    /** Redundant with action; when present it must agree. */
    side: Side.optional(),
    orderType: z.enum(['market', 'limit', 'stop']).optional(),
    /** Lots. Exactly one of volume and riskPct. */
    volume: Positive.optional(),
    /** Percent of equity to lose at the stop. Needs sl or slPips. */
    riskPct: z.number().positive().max(100).optional(),
    /**
     * The strategy's largest order in lots: a volume (above all one sized from riskPct, which only
     * the terminal can compute) is cut to it, with a warning in the result.
     */
    maxVolume: Positive.optional(),
    /** Entry price; required for pending orders, ignored for market orders. */
    price: Positive.optional(),
    sl: Positive.optional(),
    tp: Positive.optional(),
    /** Distances from the entry price in pips (see docs/bridge.md, "Pips"). */
    slPips: Positive.optional(),
    tpPips: Positive.optional(),
    /** Maximum slippage in points; default: the EA's MaxSlippagePoints input. */
    deviationPoints: z.number().int().nonnegative().optional(),
    /** Magic number of the order; default: the EA's Magic input. */
    magic: Magic.optional(),
    /** Free text appended to the dcap tag in the order comment, cut to fit 31 characters. */
    comment: z.string().max(64).optional(),
    /** Pending orders only: expiry time (UTC ms); absent: good till cancelled. */
    expiration: TimeMs.optional(),
  })
  .superRefine((c, ctx) => {
    const issue = (path: string, message: string): void => {
      ctx.addIssue({ code: 'custom', path: [path], message });
    };
    if ((c.volume === undefined) === (c.riskPct === undefined)) issue('volume', 'give exactly one of volume and riskPct');
    if (c.riskPct !== undefined && c.sl === undefined && c.slPips === undefined) issue('riskPct', 'risk sizing needs sl or slPips');
    if (c.sl !== undefined && c.slPips !== undefined) issue('slPips', 'give sl or slPips, not both');
    if (c.tp !== undefined && c.tpPips !== undefined) issue('tpPips', 'give tp or tpPips, not both');
    const pending = PENDING.has(c.action);
    if (pending && c.price === undefined) issue('price', `${c.action} needs a price`);
    if (!pending && c.expiration !== undefined) issue('expiration', 'only pending orders expire');
    const side = c.action.startsWith('buy') ? 'buy' : 'sell';
    if (c.side !== undefined && c.side !== side) issue('side', `side ${c.side} contradicts action ${c.action}`);
    const orderType = c.action.endsWith('_limit') ? 'limit' : c.action.endsWith('_stop') ? 'stop' : 'market';
    if (c.orderType !== undefined && c.orderType !== orderType) {
      issue('orderType', `orderType ${c.orderType} contradicts action ${c.action}`);
    }
  });

export const CloseCommandSchema = z
  .object({
    ...envelope,
    type: z.literal('close'),
    /** close: both sides of symbol; close_long/close_short: one side; close_all: every symbol (symbol optional). */
    action: z.enum(['close', 'close_long', 'close_short', 'close_all']),
    symbol: SymbolName.optional(),
    sourceSymbol: z.string().optional(),
    /** One position by ticket (any magic). */
    ticket: Ticket.positive().optional(),
    /** Lots to close in total, oldest position first; absent: everything that matches. */
    volume: Positive.optional(),
    deviationPoints: z.number().int().nonnegative().optional(),
    /** Only positions with this magic; default: the EA's Magic input. Ignored with ticket. */
    magic: Magic.optional(),
    comment: z.string().max(64).optional(),
  })
  .superRefine((c, ctx) => {
    if (c.action !== 'close_all' && c.symbol === undefined && c.ticket === undefined) {
      ctx.addIssue({ code: 'custom', path: ['symbol'], message: `${c.action} needs a symbol or a ticket` });
    }
  });

export const ModifyCommandSchema = z
  .object({
    ...envelope,
    type: z.literal('modify'),
    action: z.literal('modify'),
    symbol: SymbolName.optional(),
    sourceSymbol: z.string().optional(),
    /** A position, or a pending order, by ticket. */
    ticket: Ticket.positive().optional(),
    /** Only positions of this side. */
    side: Side.optional(),
    /** New levels; 0 removes the level; absent keeps it. */
    sl: z.number().nonnegative().optional(),
    tp: z.number().nonnegative().optional(),
    /** Relative to each position's open price (a pending order's price). */
    slPips: Positive.optional(),
    tpPips: Positive.optional(),
    /** Pending orders only: new entry price. */
    price: Positive.optional(),
    magic: Magic.optional(),
    comment: z.string().max(64).optional(),
  })
  .superRefine((c, ctx) => {
    const issue = (path: string, message: string): void => {
      ctx.addIssue({ code: 'custom', path: [path], message });
    };
    if (c.symbol === undefined && c.ticket === undefined) issue('symbol', 'modify needs a symbol or a ticket');
    if ([c.sl, c.tp, c.slPips, c.tpPips, c.price].every((x) => x === undefined)) {
      issue('sl', 'modify needs at least one of sl, tp, slPips, tpPips, price');
    }
    if (c.sl !== undefined && c.slPips !== undefined) issue('slPips', 'give sl or slPips, not both');
    if (c.tp !== undefined && c.tpPips !== undefined) issue('tpPips', 'give tp or tpPips, not both');
  });

export const CancelCommandSchema = z.object({
  ...envelope,
  type: z.literal('cancel'),
  action: z.literal('cancel'),
  /** Neither symbol nor ticket: every pending order with the magic. */
  symbol: SymbolName.optional(),
  sourceSymbol: z.string().optional(),
  ticket: Ticket.positive().optional(),
  /** Only buy_* or sell_* orders. */
  side: Side.optional(),
  magic: Magic.optional(),
  comment: z.string().max(64).optional(),
});

export const SubscribeCommandSchema = z.object({
  ...envelope,
  type: z.literal('subscribe'),
  /** Replaces the subscribed set; [] unsubscribes everything. */
  symbols: z.array(SymbolName).max(200),
});

/** The chart timeframes of MT5 (ENUM_TIMEFRAMES without PERIOD_). */
export const TIMEFRAMES = ['M1', 'M2', 'M3', 'M4', 'M5', 'M6', 'M10', 'M12', 'M15', 'M20', 'M30', 'H1', 'H2', 'H3', 'H4', 'H6', 'H8', 'H12', 'D1', 'W1', 'MN1'] as const;
/**
 * An MT5 chart id, as a decimal string: ChartOpen returns a long, and real ids (18-19 digits)
 * exceed 2^53, so a JSON number would lose digits in JavaScript.
 */
export const ChartIdSchema = z.string().regex(/^[1-9]\d{0,19}$/, 'a chart id: decimal digits');
/** The EA's program name (its .ex5 without the extension), e.g. trend_v3. */
const ExpertName = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,80}$/, 'letters, digits, _ and -');
/**
 * The ChartApplyTemplate argument: a leading backslash makes MT5 resolve it against
 * <data folder>\MQL5, so this names MQL5\Profiles\Templates\dcap\<file>.tpl (docs/ea-deploy.md).
 */
export const TemplatePathSchema = z.string().regex(/^\\Profiles\\Templates\\dcap\\[A-Za-z0-9_-]{1,100}\.tpl$/, 'must be \\Profiles\\Templates\\dcap\\<name>.tpl');

/** The compiled EA, copied by the agent into MQL5\Experts\dcap\<name>.ex5 before the command is written. */
const ExpertSchema = z.object({
  name: ExpertName,
  /** MQL5\Experts-relative path, always dcap\<name>.ex5. */
  path: z.string().regex(/^dcap\\[A-Za-z][A-Za-z0-9_-]{0,80}\.ex5$/),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().positive(),
});

const attach = {
  deploymentId: JobIdSchema,
  expert: ExpertSchema,
  /** The chart template carrying the <expert> section and its inputs (written by the agent). */
  template: TemplatePathSchema,
  symbol: SymbolName,
  timeframe: z.enum(TIMEFRAMES),
  /** Informational: the project and version (name@N) it runs. */
  project: z.string().max(64).optional(),
  version: z.number().int().positive().optional(),
};

/**
 * deploy: open a chart (symbol, timeframe) and apply the template, which starts the EA; the result
 * carries the chartId. `start: false` only checks the files are in place (status "deployed").
 * A deploy/run for a deployment whose chart is open and still runs the expert answers that chart.
 */
export const DeployCommandSchema = z.object({ ...envelope, type: z.literal('deploy'), ...attach, start: z.boolean().default(true) });
/** run: attach the deployment again: to its chart when still open (chartId), else to a new one. */
export const RunCommandSchema = z.object({ ...envelope, type: z.literal('run'), ...attach, chartId: ChartIdSchema.optional() });
/** stop: close the deployment's chart (which removes the EA); files stay for a later run. */
export const StopCommandSchema = z.object({
  ...envelope,
  type: z.literal('stop'),
  deploymentId: JobIdSchema,
  /** Absent when nothing was ever attached: the EA answers DCAP_NOTHING_TO_DO. */
  chartId: ChartIdSchema.optional(),
  /** Only a chart running this expert is closed: a chart id reused by the terminal is left alone. */
  expert: z.object({ name: ExpertName }),
});

export const CommandSchema = z.discriminatedUnion('type', [
  TradeCommandSchema,
  CloseCommandSchema,
  ModifyCommandSchema,
  CancelCommandSchema,
  SubscribeCommandSchema,
  DeployCommandSchema,
  RunCommandSchema,
  StopCommandSchema,
]);
export type Command = z.infer<typeof CommandSchema>;
export type TradeCommand = z.infer<typeof TradeCommandSchema>;
export type CloseCommand = z.infer<typeof CloseCommandSchema>;
export type ModifyCommand = z.infer<typeof ModifyCommandSchema>;
export type CancelCommand = z.infer<typeof CancelCommandSchema>;
export type SubscribeCommand = z.infer<typeof SubscribeCommandSchema>;
export type DeployCommand = z.infer<typeof DeployCommandSchema>;
export type RunCommand = z.infer<typeof RunCommandSchema>;
export type StopCommand = z.infer<typeof StopCommandSchema>;
export type CommandType = Command['type'];
