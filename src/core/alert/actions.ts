/**
 * Every accepted spelling of an action, and TradingView's {{strategy.order.action}} +
 * {{strategy.market_position}} pair, normalised to an AlertAction.
 */
import type { AlertAction } from '../types.js';

// Keys are lower case with "_", "-" and spaces removed: "Close_Long", "close-long" and
// "closelong" are one spelling. A Map, not an object literal, so that "constructor" or
// "__proto__" never resolve to something inherited.
const ACTIONS = new Map<string, AlertAction>([
  ['buy', 'buy'],
  ['long', 'buy'],
  ['sell', 'sell'],
  ['short', 'sell'],
  ['buylimit', 'buy_limit'],
  ['selllimit', 'sell_limit'],
  ['buystop', 'buy_stop'],
  ['sellstop', 'sell_stop'],
  ['close', 'close'],
  ['closelong', 'close_long'],
  ['exitlong', 'close_long'],
  ['closeshort', 'close_short'],
  ['exitshort', 'close_short'],
  ['closeall', 'close_all'],
  ['exitall', 'close_all'],
  ['flatten', 'close_all'],
  ['cancel', 'cancel'],
  ['modify', 'modify'],
  ['newsltp', 'modify'],
]);

/** All spellings, for error messages and docs. */
export const ACTION_SPELLINGS = [
  'buy', 'sell', 'long', 'short', 'buy_limit', 'sell_limit', 'buy_stop', 'sell_stop',
  'close', 'close_long', 'close_short', 'close_all', 'cancel', 'modify',
];

/** The action for a spelling (any case; "_", "-", spaces ignored), or undefined. */
export function normaliseAction(text: string): AlertAction | undefined {
  const key = text.toLowerCase().replace(/[\s_-]/g, '');
  return ACTIONS.get(key);
}

export type MarketPosition = 'long' | 'short' | 'flat';

export function normaliseMarketPosition(text: string): MarketPosition | undefined {
  const key = text.trim().toLowerCase();
  return key === 'long' || key === 'short' || key === 'flat' ? key : undefined;
}

/**
 * {{strategy.order.action}} is only "buy" or "sell"; {{strategy.market_position}} says what the
 * strategy holds after the order. An order that leaves the strategy flat, or still on the other
 * side, reduced a position rather than opening one:
 *   buy  + long  -> buy           sell + short -> sell
 *   buy  + flat  -> close_short   sell + flat  -> close_long
 *   buy  + short -> close_short   sell + long  -> close_long   (partial exit; qty is the amount closed)
 * Other actions are unaffected.
 */
export function applyMarketPosition(action: AlertAction, position: MarketPosition): AlertAction {
  if (action === 'buy' && position !== 'long') return 'close_short';
  if (action === 'sell' && position !== 'short') return 'close_long';
  return action;
}

/** Entries open exposure; everything else (closes, cancel, modify) manages or reduces it. */
export function isEntry(action: AlertAction): boolean {
  return action === 'buy' || action === 'sell' || action.endsWith('_limit') || action.endsWith('_stop');
}

export function isPending(action: AlertAction): boolean {
  return action.endsWith('_limit') || action.endsWith('_stop');
}
