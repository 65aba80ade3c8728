import { parseDuration, formatDuration } from '../../core/duration.js';
import type { Ctx } from '../../context.js';
import { UserError } from '../../errors.js';
import { rotateStrategySecret } from '../../store/strategies.js';
import { iso, secretNotice, storeItNow, webhookPath } from './format.js';

export const DEFAULT_GRACE = '24h';

/** `dcap strategy rotate-secret <name> [--grace 24h]`: a new secret; old ones end after the grace. */
export async function rotateSecret(ctx: Ctx, name: string, opts: { grace?: string }): Promise<void> {
  let graceMs: number;
  try {
    graceMs = parseDuration(opts.grace ?? DEFAULT_GRACE);
  } catch (err) {
    throw new UserError(`--grace: ${(err as Error).message} (nothing was changed)`, undefined, { cause: err });
  }
  const { strategy, secret, previousExpiresAt } = rotateStrategySecret(ctx.db(), name, graceMs, Date.now());
  ctx.result(
    { id: strategy.id, name: strategy.name, secret, webhookPath: webhookPath(secret), previousExpiresAt: iso(previousExpiresAt) },
    () =>
      [
        `new webhook secret for strategy "${strategy.name}"`,
        ...secretNotice(ctx, secret),
        previousExpiresAt === null
          ? 'there was no previous secret'
          : graceMs === 0
            ? 'previous secrets stopped working now'
            : `previous secrets keep working for ${formatDuration(graceMs)}, until ${iso(previousExpiresAt)}: update the TradingView alerts before then`,
        storeItNow(),
      ].join('\n'),
  );
}
