import type { Ctx } from '../../context.js';
import { UserError } from '../../errors.js';
import { listSignals } from '../../store/signals-query.js';
import { formatTable } from '../replay/table.js';
import { iso, toFilter, type FilterOptions } from './common.js';

export async function list(ctx: Ctx, opts: FilterOptions & { limit?: number }): Promise<void> {
  const limit = opts.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1) throw new UserError(`--limit: must be a whole number of at least 1, got ${limit}`);
  const db = ctx.db();
  const rows = listSignals(db, { ...toFilter(db, opts), limit });
  const items = rows.map((s) => ({
    id: s.id,
    strategy: s.strategy,
    status: s.status,
    outcome: s.outcome,
    reason: s.reason,
    receivedAt: iso(s.receivedAt),
    symbol: s.symbol,
    action: s.action,
    httpStatus: s.httpStatus,
    jobId: s.jobId,
  }));
  ctx.result(items, () =>
    items.length === 0
      ? 'no signals match'
      : formatTable(
          ['id', 'received', 'strategy', 'status', 'http', 'symbol', 'action', 'reason'],
          items.map((s) => [s.id, s.receivedAt, s.strategy, s.status, s.httpStatus, s.symbol, s.action, s.reason]),
        ),
  );
}
