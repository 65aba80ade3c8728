/**
 * Raw fields (from json.ts or pine.ts) to a validated Alert, or a 422 rejection naming the field.
 * Checks run in a fixed order so the same body always gets the same error: placeholders first
 * (they explain every other failure), then action, symbol, numbers, cross-field rules, the rest.
 */
import type { Alert, AlertFormat } from '../types.js';
import { applyMarketPosition, isEntry, isPending, normaliseAction, normaliseMarketPosition, ACTION_SPELLINGS } from './actions.js';
import { FIELDS, type Field, type RawFields } from './fields.js';
import { parseTime, positiveNumber } from './numbers.js';
import { findPlaceholder } from './placeholders.js';
import { invalid, quote } from './rejection.js';

/** Largest accepted values: anything above is a typo or an attack, never a real order. */
export const LIMITS = {
  qty: 10_000, // lots
  contracts: 1e9,
  risk_pct: 100,
  price: 1e9,
  pips: 1e6,
  symbolLength: 64,
  idLength: 128,
  commentLength: 128,
} as const;

const SYMBOL_RE = /^[A-Za-z0-9#][A-Za-z0-9._:!#\-/]*$/; // "#AAPL": some brokers prefix stock CFDs
// C0/C1 controls and DEL, plus lone UTF-16 surrogates (they cannot be stored as UTF-8 intact,
// so two different ids could collapse into one).
const BAD_TEXT_RE = /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function buildAlert(format: AlertFormat, fields: RawFields): Alert {
  for (const field of FIELDS) {
    const raw = fields.get(field);
    const placeholder = typeof raw?.value === 'string' ? findPlaceholder(raw.value) : undefined;
    if (raw && placeholder) throw placeholderRejection(placeholder, raw.key);
  }

  let action = readAction(fields, format === 'pine' ? 'command' : 'action');
  let wholeClose = false;
  const position = fields.get('market_position');
  if (position) {
    const mp = typeof position.value === 'string' ? normaliseMarketPosition(position.value) : undefined;
    if (!mp) {
      throw invalid('invalid_market_position', position.key, `${position.key} must be long, short or flat, got ${quote(position.value)}`);
    }
    // Flat after the order: close the whole position, whatever the order's size says (the
    // volume the broker holds may differ slightly from the strategy's, e.g. after rounding).
    wholeClose = mp === 'flat' && (action === 'buy' || action === 'sell');
    action = applyMarketPosition(action, mp);
  }

  const alert: Alert = { format, action };
  const symbol = readSymbol(fields, action === 'close_all');
  if (symbol !== undefined) alert.symbol = symbol;

  const num = (field: Field, max: number): number | undefined => {
    const raw = fields.get(field);
    return raw ? positiveNumber(raw.value, raw.key, { max }) : undefined;
  };
  const numbers = {
    qty: num('qty', LIMITS.qty),
    riskPct: num('risk_pct', LIMITS.risk_pct),
    contracts: num('contracts', LIMITS.contracts),
    price: num('price', LIMITS.price),
    sl: num('sl', LIMITS.price),
    tp: num('tp', LIMITS.price),
    slPips: num('sl_pips', LIMITS.pips),
    tpPips: num('tp_pips', LIMITS.pips),
  };
  if (wholeClose) {
    numbers.qty = undefined;
    numbers.contracts = undefined;
    numbers.riskPct = undefined;
  }
  for (const [k, v] of Object.entries(numbers)) if (v !== undefined) (alert as unknown as Record<string, number>)[k] = v;

  checkCrossFields(alert, fields);

  const id = readText(fields, 'id', LIMITS.idLength, 'invalid_id');
  if (id !== undefined) alert.id = id;
  const time = fields.get('time');
  if (time) alert.time = parseTime(time.value, time.key);
  const comment = readText(fields, 'comment', LIMITS.commentLength, 'invalid_comment');
  if (comment !== undefined) alert.comment = comment;
  return alert;
}

export function placeholderRejection(placeholder: string, field: string) {
  return invalid(
    'placeholder',
    field,
    `${field} contains the unreplaced TradingView placeholder ${placeholder}: it is not available where the alert was created (check its spelling, and use strategy placeholders only in strategy alerts)`,
  );
}

function readAction(fields: RawFields, name: string) {
  const raw = fields.get('action');
  if (!raw) throw invalid('missing_action', name, `no action: send one of ${ACTION_SPELLINGS.join(', ')}`);
  const action = typeof raw.value === 'string' ? normaliseAction(raw.value) : undefined;
  if (!action) {
    throw invalid('invalid_action', raw.key, `unknown ${raw.key} ${quote(raw.value)}: use one of ${ACTION_SPELLINGS.join(', ')}`);
  }
  return action;
}

function readSymbol(fields: RawFields, optional: boolean): string | undefined {
  const raw = fields.get('symbol');
  if (!raw) {
    if (optional) return undefined;
    throw invalid('missing_symbol', 'symbol', 'no symbol: send "symbol" (or "ticker"), e.g. "{{ticker}}" or "OANDA:EURUSD"');
  }
  if (typeof raw.value !== 'string') {
    throw invalid('invalid_symbol', raw.key, `${raw.key} must be a string, got ${quote(raw.value)}`);
  }
  const symbol = raw.value.trim();
  if (symbol.length > LIMITS.symbolLength) {
    throw invalid('invalid_symbol', raw.key, `${raw.key} is longer than ${LIMITS.symbolLength} characters`);
  }
  if (!SYMBOL_RE.test(symbol)) {
    const bad = [...symbol].findIndex((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) > 0x7e);
    const detail =
      bad >= 0
        ? `contains U+${[...symbol][bad]!.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} at position ${bad + 1}; only ASCII is accepted, so letters from other alphabets that look like Latin ones are refused`
        : 'may contain only ASCII letters, digits and . _ : ! # - /, starting with a letter, digit or #';
    throw invalid('invalid_symbol', raw.key, `${raw.key} ${quote(symbol)} ${detail}`);
  }
  return symbol;
}

function checkCrossFields(alert: Alert, fields: RawFields): void {
  const key = (f: Field) => fields.get(f)?.key ?? f;
  if (alert.sl !== undefined && alert.slPips !== undefined) {
    throw invalid('conflicting_fields', key('sl_pips'), `${key('sl')} (a price) and ${key('sl_pips')} (a distance) both give the stop; send one`);
  }
  if (alert.tp !== undefined && alert.tpPips !== undefined) {
    throw invalid('conflicting_fields', key('tp_pips'), `${key('tp')} (a price) and ${key('tp_pips')} (a distance) both give the target; send one`);
  }
  if (isEntry(alert.action) && alert.riskPct !== undefined && alert.sl === undefined && alert.slPips === undefined) {
    throw invalid(
      'risk_needs_stop',
      key('risk_pct'),
      `${key('risk_pct')}=${alert.riskPct} sizes the trade by the loss at the stop, but there is no stop: send sl (price) or sl_pips`,
    );
  }
  if (isPending(alert.action) && alert.price === undefined) {
    throw invalid('missing_price', 'price', `${alert.action} needs a price (the order's entry price)`);
  }
  if (alert.action === 'modify' && [alert.sl, alert.tp, alert.slPips, alert.tpPips].every((v) => v === undefined)) {
    throw invalid('nothing_to_modify', 'sl', 'modify needs a new sl, tp, sl_pips or tp_pips');
  }
}

function readText(fields: RawFields, field: 'id' | 'comment', maxLength: number, code: 'invalid_id' | 'invalid_comment') {
  const raw = fields.get(field);
  if (!raw) return undefined;
  const ok = typeof raw.value === 'string' || (typeof raw.value === 'number' && Number.isFinite(raw.value));
  if (!ok) throw invalid(code, raw.key, `${raw.key} must be a string, got ${quote(raw.value)}`);
  const text = String(raw.value).trim();
  if (text.length > maxLength) throw invalid(code, raw.key, `${raw.key} is longer than ${maxLength} characters (${text.length})`);
  if (BAD_TEXT_RE.test(text)) throw invalid(code, raw.key, `${raw.key} ${quote(text)} contains control characters or broken Unicode`);
  return text;
}
