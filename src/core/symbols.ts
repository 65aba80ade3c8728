/**
 * TradingView symbols to broker symbols: "OANDA:EURUSD" -> "EURUSD.m". Pure; rules in docs/alerts.md.
 */
import type { StrategySettings } from './types.js';

/** The ticker without its exchange prefix: "OANDA:EURUSD" -> "EURUSD", "EURUSD" -> "EURUSD". */
export function stripExchange(symbol: string): string {
  const i = symbol.lastIndexOf(':');
  return i < 0 ? symbol : symbol.slice(i + 1);
}

/**
 * The broker symbol for `symbol`, first match wins:
 * 1. map entry for the raw symbol ("OANDA:EURUSD"), exact, then ignoring case;
 * 2. map entry for the ticker without exchange prefix ("EURUSD"), exact, then ignoring case;
 * 3. the ticker without prefix + the strategy's suffix ("EURUSD" + ".m").
 */
export function brokerSymbol(symbol: string, s: StrategySettings): string {
  const ticker = stripExchange(symbol);
  return lookup(s.map, symbol) ?? lookup(s.map, ticker) ?? ticker + (s.suffix ?? '');
}

function lookup(map: Record<string, string>, key: string): string | undefined {
  // Own properties only: a symbol called "constructor" must not find Object.prototype.constructor.
  if (Object.hasOwn(map, key)) return map[key];
  const lower = key.toLowerCase();
  for (const k of Object.keys(map)) if (k.toLowerCase() === lower) return map[k];
  return undefined;
}

/**
 * Whether the strategy trades `symbol`. An empty list allows every symbol. Otherwise an entry
 * must equal, ignoring case, the raw symbol, the ticker without exchange prefix, or the broker
 * symbol: "EURUSD" in the list allows "OANDA:EURUSD" and "FX:EURUSD"; "OANDA:EURUSD" allows only
 * that one; "EURUSD.m" allows whatever maps to it.
 */
export function symbolAllowed(symbol: string, s: StrategySettings): boolean {
  if (s.symbols.length === 0) return true;
  const candidates = new Set([symbol, stripExchange(symbol), brokerSymbol(symbol, s)].map((c) => c.toLowerCase()));
  return s.symbols.some((entry) => candidates.has(entry.toLowerCase()));
}
