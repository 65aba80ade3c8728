/**
 * The risk gate: whether a valid alert may become a job. Pure. Reasons are part of the HTTP
 * contract (body `reason` of a `blocked` reply), listed in docs/alerts.md: add, never rename.
 *
 * Only entries (buy, sell, pending orders) are held to trading hours, lot, position and loss
 * limits: a gate must never stop a strategy from getting out. Every alert is held to the symbol
 * list (a symbol outside it means a misrouted alert) and to its age (a stale exit could close a
 * position opened after it).
 */
import { isEntry } from './alert/actions.js';
import { formatDuration } from './duration.js';
import { isWithinHours, parseHours, type TradingHours } from './hours.js';
import { resolvedLots } from './job.js';
import { symbolAllowed } from './symbols.js';
import type { Alert, Block, RiskContext, StrategySettings } from './types.js';

export const BLOCK_REASONS = [
  'symbol_not_allowed',
  'too_old',
  'future_time',
  'outside_hours',
  'invalid_hours',
  'lots_above_max',
  'max_positions',
  'daily_loss',
] as const;

export type BlockReason = (typeof BLOCK_REASONS)[number];

/**
 * How far an alert's time may be ahead of ours. TradingView stamps {{timenow}} with its own
 * clock; a few seconds of drift are normal, more means one of the clocks is wrong and the age
 * check cannot be trusted.
 */
export const FUTURE_SKEW_MS = 30_000;

const block = (reason: BlockReason, message: string): Block => ({ reason, message });

// Settings hold hours as text; parsing on every alert would be wasted work at thousands/s.
const hoursCache = new Map<string, TradingHours | Error>();

function cachedHours(text: string): TradingHours | Error {
  let h = hoursCache.get(text);
  if (h === undefined) {
    try {
      h = parseHours(text);
    } catch (err) {
      h = err instanceof Error ? err : new Error(String(err));
    }
    if (hoursCache.size > 1000) hoursCache.clear();
    hoursCache.set(text, h);
  }
  return h;
}

/** Null when the alert may proceed, else why not (with the numbers). */
export function riskGate(alert: Alert, s: StrategySettings, ctx: RiskContext): Block | null {
  if (alert.symbol !== undefined && !symbolAllowed(alert.symbol, s)) {
    return block('symbol_not_allowed', `symbol ${alert.symbol} is not in this strategy's symbols (${s.symbols.join(', ')})`);
  }
  if (alert.time !== undefined && s.maxAgeMs !== undefined) {
    const age = ctx.now - alert.time;
    if (age > s.maxAgeMs) {
      return block('too_old', `alert time ${iso(alert.time)} is ${formatAge(age)} old, more than the maximum age ${formatDuration(s.maxAgeMs)}`);
    }
    if (-age > FUTURE_SKEW_MS) {
      return block(
        'future_time',
        `alert time ${iso(alert.time)} is ${formatAge(-age)} ahead of this server's clock (${iso(ctx.now)}); more than ${formatDuration(FUTURE_SKEW_MS)} means a clock is wrong`,
      );
    }
  }
  if (!isEntry(alert.action)) return null;

  if (s.hours !== undefined && s.hours.trim() !== '') {
    const hours = cachedHours(s.hours);
    // Settings are validated when saved; should a bad value get through, fail closed for entries.
    if (hours instanceof Error) return block('invalid_hours', `the strategy's trading hours are invalid: ${hours.message}`);
    if (!isWithinHours(hours, ctx.now)) {
      return block('outside_hours', `${iso(ctx.now)} is outside the trading hours "${s.hours}"`);
    }
  }
  const lots = resolvedLots(alert, s);
  if (lots !== undefined && s.maxLots !== undefined && lots > s.maxLots) {
    return block('lots_above_max', `${lots} lots is more than the maximum ${s.maxLots} lots`);
  }
  if (ctx.openPositions !== undefined && s.maxPositions !== undefined && ctx.openPositions >= s.maxPositions) {
    return block('max_positions', `${ctx.openPositions} positions are open, the maximum is ${s.maxPositions}`);
  }
  if (ctx.dayPnl !== undefined && s.dailyLoss !== undefined && ctx.dayPnl <= -s.dailyLoss) {
    return block('daily_loss', `today's P&L is ${round2(ctx.dayPnl)}, at or beyond the daily loss limit of -${s.dailyLoss}`);
  }
  return null;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const round2 = (n: number): number => Math.round(n * 100) / 100;

function formatAge(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : `${Math.round(ms / 100) / 10}s`;
}
