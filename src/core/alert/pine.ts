/**
 * PineConnector-style lines, so alerts written for PineConnector work unchanged:
 *   LicenseID,Command,Symbol,key=value,...     e.g. 60123456789,buy,EURUSD,risk=1,sl=20,tp=40
 * The license id is ignored. Commands and keys are case-insensitive; spaces around commas are
 * allowed; a value may be double-quoted (comment="Long, breakout"). As in PineConnector, sl= and
 * tp= are distances in pips; sl_price= / tp_price= are absolute prices. Unknown keys (PineConnector's
 * betrigger, trailtrig, spread, secret, ...) are ignored. Details: docs/alerts.md.
 */
import { addRaw, type Field, type RawFields } from './fields.js';
import { normaliseAction } from './actions.js';
import { invalid, quote } from './rejection.js';

const PARAMS = new Map<string, Field>([
  ['risk', 'risk_pct'],
  ['risk_pct', 'risk_pct'],
  ['qty', 'qty'],
  ['lots', 'qty'],
  ['vol_lots', 'qty'],
  ['volume', 'qty'],
  ['contracts', 'contracts'],
  ['sl', 'sl_pips'],
  ['tp', 'tp_pips'],
  ['sl_pips', 'sl_pips'],
  ['tp_pips', 'tp_pips'],
  ['sl_price', 'sl'],
  ['tp_price', 'tp'],
  ['price', 'price'],
  ['id', 'id'],
  ['time', 'time'],
  ['comment', 'comment'],
]);

/** Known key=value names (lower case), for docs and tests. */
export const PINE_KEYS = [...PARAMS.keys()];

/**
 * Whether `body` has the shape of a PineConnector line: one line, at least "license,command",
 * not JSON. Only then do problems inside it count as 422 (invalid) rather than 400.
 */
export function looksLikePine(body: string): boolean {
  // "{{license}},buy,..." is a pine line with a placeholder for the (ignored) license id.
  return !/[\r\n]/.test(body) && body.includes(',') && !/^(?:\[|\{(?!\{)|")/.test(body);
}

/** Raw fields of a PineConnector line (call looksLikePine first). */
export function pineFields(body: string): RawFields {
  const parts = splitLine(body);
  const fields: RawFields = new Map();
  // parts[0] is the PineConnector license id: meaningless here, and never validated.
  const command = parts[1] ?? '';
  if (normaliseAction(parts[0]!) && !normaliseAction(command)) {
    throw invalid(
      'invalid_action',
      'command',
      `the line starts with the command ${quote(parts[0])}: PineConnector lines start with a license id (any value, ignored), e.g. 1,buy,EURUSD`,
    );
  }
  if (command.includes('=')) {
    throw invalid('missing_action', 'command', `the second field must be a command like buy or closelong, got ${quote(command)}`);
  }
  addRaw(fields, 'action', 'command', command);
  let i = 2;
  // The symbol is optional for closeall: "60123456789,closeall".
  if (parts[2] !== undefined && !parts[2].includes('=')) {
    addRaw(fields, 'symbol', 'symbol', parts[2]);
    i = 3;
  }
  for (; i < parts.length; i++) {
    const part = parts[i]!;
    if (part === '') continue; // a trailing comma
    const eq = part.indexOf('=');
    if (eq < 0) {
      throw invalid('invalid_param', 'params', `unexpected ${quote(part)}: after the command and the symbol come only key=value parameters`);
    }
    const key = part.slice(0, eq).trim().toLowerCase();
    const field = PARAMS.get(key);
    if (field) addRaw(fields, field, key, unquote(part.slice(eq + 1).trim()));
  }
  return fields;
}

/** Splits on commas outside double quotes and trims each part. */
function splitLine(line: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    if (ch === ',' && !quoted) {
      parts.push(current.trim());
      current = '';
    } else current += ch;
  }
  parts.push(current.trim());
  return parts;
}

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
}
