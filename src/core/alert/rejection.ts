/**
 * Rejections of alert bodies. Codes are part of the HTTP contract (body `error.code`), listed in
 * docs/alerts.md: add new ones, never rename.
 */
import type { Rejection } from '../types.js';

/** 400: the body is not parseable as any accepted format. */
export const NOT_PARSEABLE_CODES = ['empty_body', 'invalid_json', 'not_an_object', 'unrecognized_format'] as const;

/** 422: the body parses, but the alert in it is not valid. */
export const INVALID_CODES = [
  'placeholder',
  'missing_action',
  'invalid_action',
  'invalid_market_position',
  'missing_symbol',
  'invalid_symbol',
  'invalid_number',
  'not_positive',
  'too_large',
  'conflicting_fields',
  'risk_needs_stop',
  'missing_price',
  'nothing_to_modify',
  'invalid_id',
  'invalid_time',
  'invalid_comment',
  'invalid_param',
] as const;

export type NotParseableCode = (typeof NOT_PARSEABLE_CODES)[number];
export type InvalidCode = (typeof INVALID_CODES)[number];

/** Thrown inside the parser and turned into a `Rejection` by parseAlert; never escapes it. */
export class AlertRejection extends Error {
  constructor(readonly rejection: Rejection) {
    super(rejection.message);
  }
}

export function notParseable(code: NotParseableCode, message: string): AlertRejection {
  return new AlertRejection({ http: 400, code, message });
}

export function invalid(code: InvalidCode, field: string, message: string): AlertRejection {
  return new AlertRejection({ http: 422, code, message, field });
}

/**
 * A user-supplied value quoted for an error message: JSON-escaped (control characters and lone
 * surrogates become visible escapes) and cut short, so a hostile body cannot bloat or forge logs.
 */
export function quote(value: unknown, max = 40): string {
  let text: string;
  if (typeof value === 'string') text = value;
  else if (value === null) return 'null';
  else if (Array.isArray(value)) return 'an array';
  else if (typeof value === 'object') return 'an object';
  else text = String(value);
  const cut = text.length > max ? `${text.slice(0, max)}...` : text;
  return typeof value === 'string' ? JSON.stringify(cut) : cut;
}
