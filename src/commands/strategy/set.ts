import { checkSettingsOptions, hasSettingsOptions, type SettingsOptions } from '../../core/settings.js';
import type { Ctx } from '../../context.js';
import { UserError } from '../../errors.js';
import { requireStrategy, updateStrategySettings } from '../../store/strategies.js';
import { viewOf } from './format.js';

/** `dcap strategy set <name> [settings options]`: changes only the options given. */
export async function set(ctx: Ctx, name: string, opts: SettingsOptions): Promise<void> {
  if (!hasSettingsOptions(opts)) throw new UserError('nothing to change: give at least one option (see dcap strategy set --help)');
  const db = ctx.db();
  const current = requireStrategy(db, name);
  const { settings, problems } = checkSettingsOptions(opts, current.settings);
  if (!settings) throw new UserError(`cannot change strategy "${name}" (nothing was changed):\n${problems.map((p) => `  ${p}`).join('\n')}`);
  const now = Date.now();
  const row = updateStrategySettings(db, name, settings, now);
  ctx.result(viewOf(ctx, row, now), () => `updated strategy "${name}" (dcap strategy show ${name} lists every setting)`);
}
