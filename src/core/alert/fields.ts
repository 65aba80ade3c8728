/**
 * The fields an alert may carry, whichever format it came in. json.ts and pine.ts collect raw
 * values under these canonical names; validate.ts turns them into an Alert.
 */
import { invalid, quote } from './rejection.js';

export const FIELDS = [
  'action',
  'market_position',
  'symbol',
  'qty',
  'contracts',
  'risk_pct',
  'price',
  'sl',
  'tp',
  'sl_pips',
  'tp_pips',
  'id',
  'time',
  'comment',
] as const;

export type Field = (typeof FIELDS)[number];

export interface RawValue {
  /** The key as the sender wrote it: error messages and `error.field` use it. */
  key: string;
  value: unknown;
}

/** Raw values by canonical field. Only fields the sender gave (not null, not "") are present. */
export type RawFields = Map<Field, RawValue>;

/**
 * Adds a value under its canonical field. null and "" mean "not given" (templates often leave
 * optional fields empty). Two spellings of one field (qty and lots) must agree: silently
 * picking one of two different sizes is how the wrong size gets traded.
 */
export function addRaw(fields: RawFields, field: Field, key: string, value: unknown): void {
  if (value === null || value === undefined) return;
  if (typeof value === 'string' && value.trim() === '') return;
  const prior = fields.get(field);
  if (prior && !sameValue(prior.value, value)) {
    throw invalid(
      'conflicting_fields',
      key,
      `${prior.key} ${quote(prior.value)} and ${key} ${quote(value)} both give ${field}; send one`,
    );
  }
  if (!prior) fields.set(field, { key, value });
}

function sameValue(a: unknown, b: unknown): boolean {
  if ((typeof a === 'string' || typeof a === 'number') && (typeof b === 'string' || typeof b === 'number')) {
    const x = String(a).trim();
    const y = String(b).trim();
    return x === y || Number(x) === Number(y); // "0.10" and 0.1 agree; NaN never equals NaN
  }
  return false;
}
