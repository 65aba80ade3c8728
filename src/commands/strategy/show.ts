import type { Ctx } from '../../context.js';
import { listSecrets, requireStrategy } from '../../store/strategies.js';
import { iso, settingsLines, strategyView } from './format.js';

/** `dcap strategy show <name>`: every setting and the secrets' prefixes (never a secret). */
export async function show(ctx: Ctx, name: string): Promise<void> {
  const db = ctx.db();
  const row = requireStrategy(db, name);
  const secrets = listSecrets(db, row.id, Date.now());
  ctx.result(strategyView(row, secrets), () => {
    const pairs: [string, string][] = [['id', row.id], ...settingsLines(row), ['created', iso(row.createdAt)!], ['updated', iso(row.updatedAt)!]];
    const width = Math.max(...pairs.map(([k]) => k.length));
    return [
      `strategy ${row.name} (${row.enabled ? 'enabled' : 'disabled'})`,
      ...pairs.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`),
      'webhook secrets (prefix only)',
      ...(secrets.length
        ? secrets.map((s) => `  ${s.prefix}…  created ${iso(s.createdAt)}  ${s.expiresAt === null ? 'current' : `expires ${iso(s.expiresAt)}`}`)
        : ['  none']),
    ].join('\n');
  });
}
