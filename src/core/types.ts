/**
 * Plain data shared by the pure core (src/core) and the edges (daemons, commands, store).
 * No I/O here.
 */

/** What an alert asks for, after normalisation of every accepted spelling. */
export type AlertAction =
  | 'buy'
  | 'sell'
  | 'buy_limit'
  | 'sell_limit'
  | 'buy_stop'
  | 'sell_stop'
  /** close every position of the symbol */
  | 'close'
  | 'close_long'
  | 'close_short'
  /** close every position of the strategy (symbol optional) */
  | 'close_all'
  /** cancel pending orders of the symbol */
  | 'cancel'
  /** new SL and/or TP on open positions of the symbol */
  | 'modify';

export type AlertFormat = 'json' | 'pine';

/** A parsed, validated alert. Every number is finite; sizes are > 0. Built by src/core/alert. */
export interface Alert {
  format: AlertFormat;
  action: AlertAction;
  /** The symbol as received, e.g. "OANDA:EURUSD". Absent only for close_all. */
  symbol?: string;
  /** Lots. */
  qty?: number;
  /** Percent of equity to risk; needs a stop (sl or slPips). */
  riskPct?: number;
  /** TradingView contracts, converted to lots by the strategy's lotsPerContract. */
  contracts?: number;
  /** Entry price for pending orders. */
  price?: number;
  sl?: number;
  tp?: number;
  slPips?: number;
  tpPips?: number;
  /** Explicit alert id: a second alert with the same id for the same strategy is a duplicate. */
  id?: string;
  /** Alert time in ms since the epoch, when the alert carries one. */
  time?: number;
  comment?: string;
}

/** Per-strategy settings, as stored (JSON) and exported. */
export interface StrategySettings {
  /** Allowed symbols; empty: any. Matched against the raw symbol, without exchange prefix, or the broker symbol. */
  symbols: string[];
  /** Raw TradingView symbol (with or without exchange prefix) -> broker symbol. */
  map: Record<string, string>;
  /** Appended to the ticker when no map entry applies ("EURUSD" -> "EURUSD.m"). */
  suffix?: string;
  /** Default lots when the alert gives no size. */
  lots: number;
  maxLots?: number;
  /** Default risk % when the alert gives neither qty nor risk. */
  riskPct?: number;
  /** Lots per TradingView contract, for alerts sized in contracts. */
  lotsPerContract?: number;
  maxPositions?: number;
  /** Daily loss limit in account currency. */
  dailyLoss?: number;
  /** Trading hours, e.g. "Mon-Fri 07:00-20:00 UTC". */
  hours?: string;
  /** Maximum age of an alert (by its `time`) in ms. */
  maxAgeMs?: number;
  /** The agent that executes it; absent: any agent. */
  agent?: string;
  /** Requests per second (token bucket, burst 5x); 0 turns it off. */
  rateLimit: number;
}

export const DEFAULT_RATE_LIMIT = 20;

/** What the risk gate needs to know about the world besides the alert. */
export interface RiskContext {
  now: number;
  /** Open positions of the strategy, when an agent has reported state. */
  openPositions?: number;
  /** Realised + floating P&L of the strategy today (account currency), when known. */
  dayPnl?: number;
}

/** Why an alert was blocked (body `reason`). */
export interface Block {
  reason: string;
  message: string;
}

/** Why an alert was rejected (body `error`). http 400: not parseable; 422: parseable but invalid. */
export interface Rejection {
  http: 400 | 422;
  code: string;
  message: string;
  field?: string;
}

export type JobType = 'trade' | 'close' | 'modify' | 'cancel' | 'compile' | 'deploy' | 'run' | 'stop';

/** The job an accepted alert becomes: what the agent and the bridge EA execute. */
export interface JobSpec {
  type: JobType;
  payload: TradePayload;
}

/** Payload of trade/close/modify/cancel jobs (the bridge protocol's command, minus ids). */
export interface TradePayload {
  action: AlertAction;
  /** Broker symbol, after the strategy's map/suffix. Absent only for close_all. */
  symbol?: string;
  /** The symbol as TradingView sent it. */
  sourceSymbol?: string;
  orderType?: 'market' | 'limit' | 'stop';
  side?: 'buy' | 'sell';
  volume?: number;
  riskPct?: number;
  /** The strategy's maxLots: the agent caps/refuses a volume it computes (risk sizing) above it. */
  maxVolume?: number;
  price?: number;
  sl?: number;
  tp?: number;
  slPips?: number;
  tpPips?: number;
  comment?: string;
}
