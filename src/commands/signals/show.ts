import type { Ctx } from '../../context.js';
import { UserError } from '../../errors.js';
import { findSignalsByPrefix, type SignalRecord } from '../../store/signals-query.js';
import { iso } from './common.js';

export async function show(ctx: Ctx, id: string): Promise<void> {
  if (!/^[0-9a-f-]{1,36}$/i.test(id)) throw new UserError(`"${id}" is not a signal id (or the start of one): ids look like 0190a5b2-7c3e-7...`);
  const found = findSignalsByPrefix(ctx.db(), id);
  if (found.length === 0) throw new UserError(`no signal with id ${id} (see dcap signals list)`);
  if (found.length > 1) {
    throw new UserError(`"${id}" matches several signals; give more of the id:\n${found.map((s) => `  ${s.id}  ${iso(s.receivedAt)}  ${s.strategy}`).join('\n')}`);
  }
  const s = found[0]!;
  ctx.result({ ...s, receivedAt: iso(s.receivedAt), updatedAt: iso(s.updatedAt) }, () => describe(s));
}

function describe(s: SignalRecord): string {
  const fields: [string, unknown][] = [
    ['id', s.id],
    ['strategy', `${s.strategy} (${s.strategyId})`],
    ['received', iso(s.receivedAt)],
    ['updated', iso(s.updatedAt)],
    ['status', s.status],
    ['outcome', s.outcome],
    ['http', s.httpStatus],
    ['reason', s.reason],
    ['symbol', s.symbol],
    ['action', s.action],
    ['format', s.format],
    ['alert id', s.alertId],
    ['duplicate of', s.duplicateOf],
    ['job', s.jobId],
    ['source ip', s.sourceIp],
    ['content type', s.contentType],
    ['body sha256', s.bodyHash],
  ];
  const width = Math.max(...fields.map(([k]) => k.length));
  const lines = fields.map(([k, v]) => `${`${k}:`.padEnd(width + 2)}${v === null || v === undefined ? '-' : String(v)}`);
  const indent = (t: string) => t.split('\n').map((l) => `  ${l}`).join('\n');
  if (s.error) lines.push('', 'error:', indent(JSON.stringify(s.error, null, 2)));
  lines.push('', 'raw body:', indent(s.rawBody));
  lines.push('', 'parsed alert:', s.parsed ? indent(JSON.stringify(s.parsed, null, 2)) : '  - (not parsed: see error)');
  return lines.join('\n');
}
