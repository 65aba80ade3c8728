/**
 * Alert intake parsing (DESIGN.md section 4; the user-facing description is docs/alerts.md).
 * Pure: a body string in, an Alert or a Rejection out. Never throws on any input.
 */
import type { Alert, Rejection } from '../types.js';
import { jsonFields } from './json.js';
import { looksLikePine, pineFields } from './pine.js';
import { unquotedPlaceholder } from './placeholders.js';
import { AlertRejection, notParseable } from './rejection.js';
import { buildAlert, placeholderRejection } from './validate.js';

export type ParseResult = { ok: true; alert: Alert } | { ok: false; rejection: Rejection };

export { INVALID_CODES, NOT_PARSEABLE_CODES } from './rejection.js';
export { LIMITS } from './validate.js';
export { isEntry } from './actions.js';

/** Parses an alert body whatever its content type: JSON first, then a PineConnector line. */
export function parseAlert(body: string): ParseResult {
  try {
    return { ok: true, alert: parse(body) };
  } catch (err) {
    if (err instanceof AlertRejection) return { ok: false, rejection: err.rejection };
    throw err;
  }
}

function parse(body: string): Alert {
  const text = body.replace(/^\uFEFF/, '').trim();
  if (text === '') throw notParseable('empty_body', 'the body is empty: send a JSON alert or a PineConnector line');

  let value: unknown;
  let jsonError: string | undefined;
  try {
    value = JSON.parse(text);
  } catch (err) {
    // Includes RangeError from pathological nesting: that is just not an alert.
    jsonError = err instanceof Error ? err.message : String(err);
  }
  if (jsonError === undefined) return buildAlert('json', jsonFields(value));

  if (looksLikePine(text)) return buildAlert('pine', pineFields(text));
  if (/^[[{"]/.test(text)) {
    // `{"qty": {{strategy.order.contracts}}}` is invalid JSON only because TradingView left the
    // placeholder in: say that (422), not "invalid JSON" (400).
    const found = unquotedPlaceholder(text);
    if (found) throw placeholderRejection(found.placeholder, found.field ?? 'body');
    // V8's message quotes part of the body: keep it short and free of control characters.
    const detail = jsonError.slice(0, 120).replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
    throw notParseable('invalid_json', `the body starts like JSON but is not valid JSON: ${detail}`);
  }
  throw notParseable(
    'unrecognized_format',
    'the body is neither JSON nor a PineConnector line (e.g. {"action":"buy","symbol":"EURUSD"} or 1,buy,EURUSD,risk=1,sl=20)',
  );
}

