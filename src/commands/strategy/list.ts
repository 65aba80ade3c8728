import type { Ctx } from '../../context.js';
import { listSecrets, listStrategies } from '../../store/strategies.js';
import { rateText, secretsSummary, strategyView, table } from './format.js';

/** `dcap strategy list`: every strategy not removed, by name. */
export async function list(ctx: Ctx): Promise<void> {
  const db = ctx.db();
  const now = Date.now();
  const rows = listStrategies(db).map((row) => ({ row, secrets: listSecrets(db, row.id, now) }));
  ctx.result(
    rows.map(({ row, secrets }) => strategyView(row, secrets)),
    () =>
      rows.length === 0
        ? 'no strategies yet (add one with: dcap strategy add NAME)'
        : table(
            ['NAME', 'ENABLED', 'SYMBOLS', 'LOTS', 'AGENT', 'RATE', 'SECRETS'],
            rows.map(({ row, secrets }) => [
              row.name,
              row.enabled ? 'yes' : 'no',
              row.settings.symbols.length ? row.settings.symbols.join(',') : 'any',
              String(row.settings.lots),
              row.settings.agent ?? 'any',
              rateText(row.settings.rateLimit),
              secretsSummary(secrets),
            ]),
          ),
  );
}
