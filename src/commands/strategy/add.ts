import { checkSettingsOptions, STRATEGY_NAME_RE, type SettingsOptions } from '../../core/settings.js';
import type { Ctx } from '../../context.js';
import { UserError } from '../../errors.js';
import { createStrategy } from '../../store/strategies.js';
import { secretNotice, storeItNow, webhookPath } from './format.js';

/** `dcap strategy add <name> [settings options]`: creates a strategy and shows its secret once. */
export async function add(ctx: Ctx, name: string, opts: SettingsOptions): Promise<void> {
  const { settings, problems } = checkSettingsOptions(opts);
  if (!STRATEGY_NAME_RE.test(name)) {
    problems.unshift(`name: "${name}" is not valid: use letters, digits, _ and - (up to 64, starting with a letter or digit)`);
  }
  if (!settings || problems.length > 0) {
    throw new UserError(`cannot add strategy "${name}" (nothing was changed):\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
  const { strategy, secret } = createStrategy(ctx.db(), name, settings, Date.now());
  ctx.result({ id: strategy.id, name: strategy.name, secret, webhookPath: webhookPath(secret) }, () =>
    [`created strategy "${strategy.name}" (id ${strategy.id})`, ...secretNotice(ctx, secret), storeItNow()].join('\n'),
  );
}
