/**
 * Numbers and times as TradingView sends them: JSON numbers or strings ("0.10", " 1e-2 ").
 * Anything that is not plainly a finite decimal number is refused rather than guessed at:
 * "0,10" could be a decimal comma or a thousands separator, and a wrong guess moves money.
 */
import { invalid, quote } from './rejection.js';

/** Decimal with optional sign, fraction and exponent. No hex, no "NaN"/"Infinity", no separators. */
const DECIMAL_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

export interface NumberRule {
  /** Largest accepted value; larger is `too_large` (absurd sizes are typos or attacks). */
  max: number;
}

/** A finite number > 0 and <= rule.max from a JSON number or numeric string; throws a 422 rejection. */
export function positiveNumber(value: unknown, field: string, rule: NumberRule): number {
  const n = toNumber(value, field);
  if (n <= 0) throw invalid('not_positive', field, `${field} must be greater than 0, got ${quote(value)}`);
  if (n > rule.max) throw invalid('too_large', field, `${field} ${quote(value)} is larger than the maximum ${rule.max}`);
  return n;
}

function toNumber(value: unknown, field: string): number {
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && DECIMAL_RE.test(value.trim())) n = Number(value.trim());
  else throw invalid('invalid_number', field, `${field} must be a number, got ${quote(value)}`);
  // JSON.parse turns 1e400 into Infinity; strings like "1e400" too.
  if (!Number.isFinite(n)) throw invalid('invalid_number', field, `${field} must be a finite number, got ${quote(value)}`);
  return n;
}

// Epoch values below this are seconds ({{timenow}} is ISO, but Pine's `timenow` variable is ms and
// users divide by 1000): 1e11 s is the year 5138, 1e11 ms is 1973.
const SECONDS_BELOW = 1e11;
const MIN_TIME_MS = Date.UTC(2000, 0, 1);
const MAX_TIME_MS = Date.UTC(2200, 0, 1);
const ISO_RE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

/** Epoch ms from an ISO 8601 time with a zone ("2024-05-01T12:00:00Z") or epoch seconds/ms. */
export function parseTime(value: unknown, field: string): number {
  let ms: number;
  if (typeof value === 'string' && ISO_RE.test(value.trim())) {
    const text = value.trim().replace(' ', 'T').replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
    ms = Date.parse(text);
  } else if (typeof value === 'number' || (typeof value === 'string' && DECIMAL_RE.test(value.trim()))) {
    const n = Number(typeof value === 'string' ? value.trim() : value);
    ms = Math.abs(n) < SECONDS_BELOW ? n * 1000 : n;
  } else {
    throw invalid(
      'invalid_time',
      field,
      `${field} must be an ISO 8601 time with a zone ("2024-05-01T12:00:00Z") or epoch seconds/ms, got ${quote(value)}`,
    );
  }
  if (!Number.isFinite(ms) || ms < MIN_TIME_MS || ms > MAX_TIME_MS) {
    throw invalid('invalid_time', field, `${field} ${quote(value)} is not a plausible time (years 2000-2200)`);
  }
  return Math.round(ms);
}
