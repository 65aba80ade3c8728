import type { Ctx } from '../../context.js';
import { removeStrategy } from '../../store/strategies.js';
import { iso } from './format.js';

/** `dcap strategy remove <name>`: secrets deleted at once; recorded signals keep their strategy. */
export async function remove(ctx: Ctx, name: string): Promise<void> {
  const { strategy, secretsRemoved } = removeStrategy(ctx.db(), name, Date.now());
  ctx.result({ id: strategy.id, name: strategy.name, removedAt: iso(strategy.removedAt), secretsRemoved }, () =>
    `removed strategy "${strategy.name}" (id ${strategy.id}): ${secretsRemoved} webhook secret${secretsRemoved === 1 ? '' : 's'} deleted ` +
    `(its URLs now answer 404); its recorded signals are kept`,
  );
}
