/**
 * What the simulated trade server checks in a request, and the money arithmetic behind it.
 * The EA normalises before sending (rules.ts); the server still refuses what is not valid, so a
 * normalisation bug shows up as INVALID_VOLUME on paper exactly as it would on a broker.
 */
import type { SymbolSpec } from '../bridge/symbols.js';

export type Side = 'buy' | 'sell';
export type PendingType = 'buy_limit' | 'sell_limit' | 'buy_stop' | 'sell_stop';

const EPS = 1e-9;

export interface Refusal {
  retcode: number;
  detail: string;
}

/** Lots as the server accepts them: a whole number of steps within [min, max]. */
export function volumeRefusal(spec: SymbolSpec, volume: number): Refusal | null {
  const steps = volume / spec.volumeStep;
  if (!(volume > 0) || Math.abs(steps - Math.round(steps)) > 1e-6) {
    return { retcode: 10014, detail: `Invalid volume ${volume}: not a multiple of the step ${spec.volumeStep}` };
  }
  if (volume < spec.volumeMin - EPS) return { retcode: 10014, detail: `Invalid volume ${volume}: below the minimum ${spec.volumeMin}` };
  if (volume > spec.volumeMax + EPS) return { retcode: 10014, detail: `Invalid volume ${volume}: above the maximum ${spec.volumeMax}` };
  return null;
}

/** Whether opening a position of this side is allowed by SYMBOL_TRADE_MODE. */
export function tradeModeRefusal(spec: SymbolSpec, opening: Side | null): Refusal | null {
  switch (spec.tradeMode) {
    case 'disabled':
      return { retcode: 10017, detail: `Trade disabled: trading ${spec.symbol} is disabled` };
    case 'closeonly':
      return opening ? { retcode: 10044, detail: `Close only: ${spec.symbol} allows closing positions only` } : null;
    case 'longonly':
      return opening === 'sell' ? { retcode: 10042, detail: `Long only: ${spec.symbol} allows long positions only` } : null;
    case 'shortonly':
      return opening === 'buy' ? { retcode: 10043, detail: `Short only: ${spec.symbol} allows short positions only` } : null;
    default:
      return null;
  }
}

function stopsDistance(spec: SymbolSpec): number {
  return spec.stopsLevel * spec.point;
}

/**
 * SL/TP of a position (or of a pending order at `ref` = its price) against the market. A buy is
 * closed at the bid, so its levels are measured from the bid; a sell from the ask:
 *   buy:  ref - sl >= level, tp - ref >= level;  sell: sl - ref >= level, ref - tp >= level.
 * With a stops level of 0 the level must still be on the right side of the price.
 */
export function stopsRefusal(spec: SymbolSpec, side: Side, ref: number, sl: number, tp: number): Refusal | null {
  const level = stopsDistance(spec);
  const ok = (distance: number): boolean => distance > EPS && distance >= level - EPS;
  const dir = side === 'buy' ? 1 : -1;
  const what = `${spec.stopsLevel} points (${level.toFixed(spec.digits)})`;
  if (sl > 0 && !ok(dir * (ref - sl))) {
    return { retcode: 10016, detail: `Invalid stops: SL ${sl} must be ${side === 'buy' ? 'below' : 'above'} ${ref} by at least ${what}` };
  }
  if (tp > 0 && !ok(dir * (tp - ref))) {
    return { retcode: 10016, detail: `Invalid stops: TP ${tp} must be ${side === 'buy' ? 'above' : 'below'} ${ref} by at least ${what}` };
  }
  return null;
}

/**
 * A pending order's price against the market: limits below the ask (buy) / above the bid (sell),
 * stops the other way. The wrong side is INVALID_PRICE; the right side but nearer than the stops
 * level is INVALID_STOPS.
 */
export function pendingPriceRefusal(spec: SymbolSpec, type: PendingType, bid: number, ask: number, price: number): Refusal | null {
  const distance = {
    buy_limit: ask - price,
    buy_stop: price - ask,
    sell_limit: price - bid,
    sell_stop: bid - price,
  }[type];
  const market = type.startsWith('buy') ? `ask ${ask}` : `bid ${bid}`;
  if (distance <= EPS) {
    const where = type === 'buy_limit' || type === 'sell_stop' ? 'below' : 'above';
    return { retcode: 10015, detail: `Invalid price: a ${type} at ${price} must be ${where} the ${market}` };
  }
  if (distance < stopsDistance(spec) - EPS) {
    return { retcode: 10016, detail: `Invalid stops: a ${type} at ${price} is nearer than ${spec.stopsLevel} points to the ${market}` };
  }
  return null;
}

/** Whether a pending order triggers at this quote (buys execute at the ask, sells at the bid). */
export function triggers(type: PendingType, price: number, bid: number, ask: number): boolean {
  switch (type) {
    case 'buy_limit':
      return ask <= price + EPS;
    case 'buy_stop':
      return ask >= price - EPS;
    case 'sell_limit':
      return bid >= price - EPS;
    case 'sell_stop':
      return bid <= price + EPS;
  }
}

/** Account-currency value of one unit of the profit currency, from the tick value (as MT5 does). */
function profitRate(spec: SymbolSpec): number {
  return spec.tickValue / (spec.tickSize * spec.contractSize);
}

/** Floating or realised profit of `volume` lots from `open` to `close`, in account currency. */
export function profitFor(spec: SymbolSpec, side: Side, volume: number, open: number, close: number): number {
  const dir = side === 'buy' ? 1 : -1;
  return ((close - open) * dir * volume * spec.tickValue) / spec.tickSize;
}

const UNLEVERAGED = new Set(['forex_no_leverage', 'cfd', 'exchange_stocks']);

/**
 * Margin of `volume` lots at `price`, in account currency: the notional (lots x contract size x
 * price, converted through the tick value) divided by the leverage, except for the calculation
 * modes MT5 does not leverage (cfd, forex_no_leverage, exchange_stocks).
 */
export function marginFor(spec: SymbolSpec, volume: number, price: number, leverage: number): number {
  const notional = volume * spec.contractSize * price * profitRate(spec);
  return UNLEVERAGED.has(spec.calcMode ?? 'forex') ? notional : notional / Math.max(1, leverage);
}

export const money = (x: number): number => Math.round(x * 100) / 100;
/** Volume arithmetic without float dust (0.1 + 0.2). */
export const lots = (x: number): number => Number(x.toFixed(8));
