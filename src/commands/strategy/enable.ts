import type { Ctx } from '../../context.js';
import { setStrategyEnabled } from '../../store/strategies.js';
import { viewOf } from './format.js';

/** `dcap strategy enable|disable <name>`. A disabled strategy's alerts are recorded as `discarded`. */
export async function setEnabled(ctx: Ctx, name: string, enabled: boolean): Promise<void> {
  const now = Date.now();
  const { strategy, changed } = setStrategyEnabled(ctx.db(), name, enabled, now);
  const state = enabled ? 'enabled' : 'disabled';
  ctx.result({ ...viewOf(ctx, strategy, now), changed }, () =>
    changed
      ? `${state} strategy "${name}"${enabled ? '' : ': its alerts are now recorded as discarded, no orders are placed'}`
      : `strategy "${name}" was already ${state}; nothing changed`,
  );
}
