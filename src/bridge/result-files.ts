/** What the terminal writes: results, state.json, ticks.json, hello.json. */
import { z } from 'zod';
import { SymbolSpecSchema } from './symbols.js';
import { ChartIdSchema, TIMEFRAMES } from './commands.js';
import { PROTOCOL_VERSION, JobIdSchema, Seq, TimeMs, Ticket, Positive, SymbolName, Magic, Side } from './primitives.js';

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

