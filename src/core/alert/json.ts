/**
 * JSON alerts: `{"action":"buy","symbol":"OANDA:EURUSD","qty":"0.10",...}`.
 * Keys are matched case-insensitively against the known names and aliases below; every other
 * key is ignored (TradingView templates often carry extra keys for other tools). The alert is
 * built from these picked values only, so keys such as `__proto__` or `constructor` never reach
 * an object's prototype or the Alert.
 */
import { addRaw, type Field, type RawFields } from './fields.js';
import { notParseable } from './rejection.js';

const KEYS = new Map<string, Field>([
  ['action', 'action'],
  ['market_position', 'market_position'],
  ['marketposition', 'market_position'],
  ['symbol', 'symbol'],
  ['ticker', 'symbol'],
  ['qty', 'qty'],
  ['volume', 'qty'],
  ['lots', 'qty'],
  ['contracts', 'contracts'],
  ['risk_pct', 'risk_pct'],
  ['risk', 'risk_pct'],
  ['price', 'price'],
  ['sl', 'sl'],
  ['tp', 'tp'],
  ['sl_pips', 'sl_pips'],
  ['tp_pips', 'tp_pips'],
  ['id', 'id'],
  ['time', 'time'],
  ['comment', 'comment'],
]);

/** Known JSON keys (lower case), for docs and tests. */
export const JSON_KEYS = [...KEYS.keys()];

/** Raw fields of a parsed JSON value; throws a 400 rejection when it is not an object. */
export function jsonFields(value: unknown): RawFields {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const what = value === null ? 'JSON null' : Array.isArray(value) ? 'a JSON array' : `a JSON ${typeof value}`;
    throw notParseable('not_an_object', `the body is ${what}, not an object like {"action":"buy","symbol":"EURUSD"}`);
  }
  const fields: RawFields = new Map();
  for (const key of Object.keys(value)) {
    const field = KEYS.get(key.toLowerCase());
    if (field) addRaw(fields, field, key, (value as Record<string, unknown>)[key]);
  }
  return fields;
}
