/**
 * The bridge file protocol between the agent and DcapBridge.mq5 (or the paper terminal):
 * zod schemas for every file in <Common\Files>/dcap/<bridge-id>/. docs/bridge.md is the prose
 * version of this file; keep the two in step (test/bridge-fixtures.test.ts checks the examples).
 *
 * Objects strip unknown fields instead of rejecting them, so a newer EA can add fields
 * without breaking an older agent. Numbers are finite (zod 4 rejects NaN and Infinity).
 */
import { z } from 'zod';
import { SymbolSpecSchema } from './symbols.js';

export { SymbolSpecSchema, SymbolsFileSchema, type SymbolSpec, type SymbolsFile } from './symbols.js';

/** Version of DcapBridge.mq5 this code speaks to; the EA reports its own in hello.json. */
export const BRIDGE_VERSION = '1.0.0';
/** The `v` field of every file. A reader refuses files with a higher `v`. */
export const PROTOCOL_VERSION = 1;

/** MT5 refuses order comments longer than this. */
export const MT5_COMMENT_MAX = 31;
export const TAG_PREFIX = 'dcap:';
const SHORT_ID_LENGTH = 20;

const JOB_ID_RE = /^(?=.*[A-Za-z0-9])[A-Za-z0-9_-]{1,64}$/;
/**
 * Job ids appear in file names, so only [A-Za-z0-9_-] is allowed, with at least one letter or
 * digit (an all-dash id would give an empty tag). dcap uses UUIDv7.
 */
export const JobIdSchema = z.string().regex(JOB_ID_RE, 'must be 1-64 characters of A-Z, a-z, 0-9, _ and -');

const SEQ_MAX = 999_999_999_999; // 12 digits in the file name
const Seq = z.number().int().nonnegative().max(SEQ_MAX);
/** Milliseconds since the epoch, UTC. */
const TimeMs = z.number().int().nonnegative();
/** An MT5 ticket (order, deal or position). 0 means "none". */
const Ticket = z.number().int().nonnegative();
const Positive = z.number().positive();
const SymbolName = z.string().min(1).max(64);
const Magic = z.number().int().nonnegative();
const Side = z.enum(['buy', 'sell']);

const envelope = {
  v: z.literal(PROTOCOL_VERSION),
  seq: Seq,
  jobId: JobIdSchema,
  createdAt: TimeMs,
  /** The EA answers DCAP_EXPIRED instead of acting once this time has passed. */
  expiresAt: TimeMs.optional(),
};

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

/** One order operation of a multi-position close/modify/cancel. */
export const ResultItemSchema = z.object({
  ticket: Ticket,
  order: Ticket,
  deal: Ticket,
  ok: z.boolean(),
  retcode: z.number().int().nonnegative(),
  retcodeText: z.string().min(1),
  price: z.number().nonnegative(),
  volume: z.number().nonnegative(),
  error: z.string().nullable(),
});
export type ResultItem = z.infer<typeof ResultItemSchema>;

export const ResultSchema = z
  .object({
    v: z.literal(PROTOCOL_VERSION),
    jobId: JobIdSchema,
    seq: Seq,
    /** Absent only when the command could not be read. */
    type: z.enum(['trade', 'close', 'modify', 'cancel', 'subscribe', 'deploy', 'run', 'stop']).optional(),
    ok: z.boolean(),
    /** MT5 trade server code (100xx), 0 OK, or a DCAP_* code (200xx); see docs/bridge.md. */
    retcode: z.number().int().nonnegative(),
    retcodeText: z.string().min(1),
    order: Ticket,
    deal: Ticket,
    /** Position ticket (trade into a position, close, modify) or pending order ticket. */
    ticket: Ticket,
    /** Fill price (volume-weighted over items), or the pending order's price; 0 when none. */
    price: z.number().nonnegative(),
    /** Lots filled, placed, or closed; 0 when none. */
    volume: z.number().nonnegative(),
    /** The order comment sent, starting with the dcap tag; "" when no order was sent. */
    comment: z.string(),
    /** null exactly when ok. */
    error: z.string().nullable(),
    /** executed: this command traded now; terminal: found by its tag, nothing was sent again. */
    source: z.enum(['executed', 'terminal']),
    /** When the result was written (UTC ms). */
    time: TimeMs,
    symbol: z.string().optional(),
    side: Side.optional(),
    items: z.array(ResultItemSchema).optional(),
    warnings: z.array(z.string()).optional(),
    /** subscribe: the specs of the subscribed symbols. */
    symbols: z.array(SymbolSpecSchema).optional(),
    /** deploy/run/stop: the deployment, and the chart the EA runs on (deploy/run) or ran on (stop). */
    deploymentId: z.string().optional(),
    chartId: ChartIdSchema.optional(),
  })
  .superRefine((r, ctx) => {
    if (r.ok !== (r.error === null)) {
      ctx.addIssue({ code: 'custom', path: ['error'], message: 'error must be null exactly when ok is true' });
    }
  });
export type Result = z.infer<typeof ResultSchema>;

export const PositionSchema = z.object({
  ticket: Ticket.positive(),
  symbol: SymbolName,
  side: Side,
  volume: Positive,
  openPrice: Positive,
  currentPrice: z.number().nonnegative(),
  /** 0: none. */
  sl: z.number().nonnegative(),
  tp: z.number().nonnegative(),
  /** Floating profit in account currency, without swap. */
  profit: z.number(),
  swap: z.number(),
  comment: z.string(),
  magic: Magic,
  /** UTC ms. */
  openTime: TimeMs,
});
export type Position = z.infer<typeof PositionSchema>;

export const PendingOrderSchema = z.object({
  ticket: Ticket.positive(),
  symbol: SymbolName,
  type: z.enum(['buy_limit', 'sell_limit', 'buy_stop', 'sell_stop', 'buy_stop_limit', 'sell_stop_limit']),
  side: Side,
  volume: Positive,
  volumeInitial: Positive,
  price: Positive,
  /** Stop-limit orders: the limit price; else 0. */
  stopLimit: z.number().nonnegative(),
  sl: z.number().nonnegative(),
  tp: z.number().nonnegative(),
  comment: z.string(),
  magic: Magic,
  setupTime: TimeMs,
  /** UTC ms; 0: good till cancelled. */
  expiration: TimeMs,
});
export type PendingOrder = z.infer<typeof PendingOrderSchema>;

export const MarginModeSchema = z.enum(['netting', 'hedging', 'exchange']);
export type MarginMode = z.infer<typeof MarginModeSchema>;

export const AccountSchema = z.object({
  login: z.number().int().nonnegative(),
  server: z.string(),
  name: z.string().optional(),
  company: z.string().optional(),
  currency: z.string(),
  leverage: z.number().int().nonnegative(),
  marginMode: MarginModeSchema,
  balance: z.number(),
  equity: z.number(),
  margin: z.number().nonnegative(),
  freeMargin: z.number(),
  /** Percent; 0 when no margin is used. */
  marginLevel: z.number().nonnegative(),
  profit: z.number(),
  /** The account may trade at all (not an investor login). */
  tradeAllowed: z.boolean(),
  /** The server lets Expert Advisors trade on it. */
  tradeExpert: z.boolean(),
});
export type Account = z.infer<typeof AccountSchema>;

/** A chart the bridge opened for a deployment (deploy/run), until stop closes it. */
export const ChartSchema = z.object({
  chartId: ChartIdSchema,
  deploymentId: z.string(),
  symbol: SymbolName,
  timeframe: z.enum(TIMEFRAMES),
  expert: z.string(),
  openedAt: TimeMs,
});
export type Chart = z.infer<typeof ChartSchema>;

export const StateSchema = z.object({
  v: z.literal(PROTOCOL_VERSION),
  bridgeId: z.string().min(1),
  time: TimeMs,
  account: AccountSchema,
  positions: z.array(PositionSchema),
  orders: z.array(PendingOrderSchema),
  /** Deployed EAs' charts; optional: the paper terminal writes it, DcapBridge 1.0.0 does not. */
  charts: z.array(ChartSchema).optional(),
});
export type State = z.infer<typeof StateSchema>;

export const TickSchema = z.object({
  symbol: SymbolName,
  bid: z.number().nonnegative(),
  ask: z.number().nonnegative(),
  /** Last deal price (exchange symbols); 0 for forex/CFDs. */
  last: z.number().nonnegative(),
  /** UTC ms of the quote. */
  time: TimeMs,
});
export type Tick = z.infer<typeof TickSchema>;

export const TicksSchema = z.object({
  v: z.literal(PROTOCOL_VERSION),
  bridgeId: z.string().min(1),
  time: TimeMs,
  ticks: z.array(TickSchema),
});
export type Ticks = z.infer<typeof TicksSchema>;

export const HelloSchema = z.object({
  v: z.literal(PROTOCOL_VERSION),
  bridgeId: z.string().min(1),
  bridgeVersion: z.string().min(1),
  /** running: beats every second; stopped: the EA was removed (reason says why). */
  status: z.enum(['running', 'stopped']),
  reason: z.string().optional(),
  time: TimeMs,
  /** When this EA instance started (UTC ms): a new value means the EA restarted. */
  startedAt: TimeMs,
  /** +1 per hello written by this instance. */
  beat: z.number().int().nonnegative(),
  /** Terminal AND EA AND account may trade: orders can be sent now. */
  tradeAllowed: z.boolean(),
  terminal: z.object({
    build: z.number().int().nonnegative(),
    connected: z.boolean(),
    /** The AutoTrading / Algo Trading button. */
    tradeAllowed: z.boolean(),
    company: z.string().optional(),
    name: z.string().optional(),
    /** Last ping to the trade server, ms. */
    pingMs: z.number().nonnegative().optional(),
  }),
  ea: z.object({
    /** "Allow Algo Trading" in this EA's properties. */
    tradeAllowed: z.boolean(),
    timerMs: z.number().int().positive(),
    magic: Magic,
    /** seq of the last command answered; 0 before the first. */
    lastSeq: Seq,
    /** Command files waiting in cmd/ at the last scan. */
    pending: z.number().int().nonnegative(),
    /** Job results remembered for idempotency. */
    remembered: z.number().int().nonnegative(),
  }),
  account: z.object({
    login: z.number().int().nonnegative(),
    server: z.string(),
    currency: z.string(),
    marginMode: MarginModeSchema,
    tradeAllowed: z.boolean(),
    tradeExpert: z.boolean(),
  }),
  /** Trade server time minus UTC, seconds (rounded to 15 min): the EA converts every time to UTC with it. */
  serverTimeOffsetSec: z.number().int(),
  subscribed: z.array(SymbolName),
});
export type Hello = z.infer<typeof HelloSchema>;

/** `cmd/<seq zero-padded to 12>-<jobId>.json`: names sort in seq order. */
export function commandFileName(seq: number, jobId: string): string {
  if (!Number.isSafeInteger(seq) || seq < 0 || seq > SEQ_MAX) {
    throw new RangeError(`seq must be an integer from 0 to ${SEQ_MAX}, got ${seq}`);
  }
  JobIdSchema.parse(jobId);
  return `cmd/${String(seq).padStart(12, '0')}-${jobId}.json`;
}

/** `res/<jobId>.json`. */
export function resultFileName(jobId: string): string {
  JobIdSchema.parse(jobId);
  return `res/${jobId}.json`;
}

const COMMAND_NAME_RE = /^(\d{12})-([A-Za-z0-9_-]{1,64})\.json$/;

/** Parses a command file's base name; null for anything else (temporary files, strays). */
export function parseCommandFileName(name: string): { seq: number; jobId: string } | null {
  const m = COMMAND_NAME_RE.exec(name);
  return m ? { seq: Number(m[1]), jobId: m[2]! } : null;
}

/**
 * The id in the `dcap:<short>` order comment: the job id without dashes, lower-cased, last 20
 * characters. For a UUIDv7 those are its 74 random (or counter) bits plus the version nibble;
 * the 48-bit timestamp is dropped, which costs nothing, as two jobs could only be confused if both
 * are in the EA's history window. With n jobs in that window, P(any two share a tag) ~ n^2 / 2^75:
 * 2.6e-11 for a million jobs. "dcap:" + 20 = 25 characters leaves 6 of MT5's 31 for user text.
 * The EA computes the same thing (ShortJobId in Include/Dcap/Util.mqh).
 */
export function shortJobId(jobId: string): string {
  JobIdSchema.parse(jobId);
  const s = jobId.replaceAll('-', '').toLowerCase();
  return s.length <= SHORT_ID_LENGTH ? s : s.slice(-SHORT_ID_LENGTH);
}

/** `dcap:<shortJobId>`: the prefix of every order comment the EA sends for this job. */
export function jobTag(jobId: string): string {
  return TAG_PREFIX + shortJobId(jobId);
}

/**
 * Whether an order/deal/position comment carries this tag: it starts with the tag and the tag is
 * not merely the start of a longer id ("dcap:job1" must not match "dcap:job12").
 */
export function commentHasTag(comment: string, tag: string): boolean {
  if (!comment.startsWith(tag)) return false;
  const next = comment.charAt(tag.length);
  return next === '' || !/[A-Za-z0-9_]/.test(next);
}

/** The order comment for a job: the tag, then the user's text if it fits in 31 characters. */
export function orderComment(jobId: string, text?: string): string {
  const tag = jobTag(jobId);
  const extra = (text ?? '').trim();
  return extra === '' ? tag : `${tag} ${extra}`.slice(0, MT5_COMMENT_MAX);
}
