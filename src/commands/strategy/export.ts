import type { Ctx } from '../../context.js';
import { listStrategies } from '../../store/strategies.js';

/** The file `dcap strategy export` writes and `dcap strategy import` reads (src/core/settings.ts). */
export interface StrategiesFile {
  version: 1;
  strategies: { name: string; enabled: boolean; settings: unknown }[];
}

/** `dcap strategy export`: every strategy's settings as JSON on stdout, always JSON, never secrets. */
export async function exportStrategies(ctx: Ctx): Promise<void> {
  const file: StrategiesFile = {
    version: 1,
    strategies: listStrategies(ctx.db()).map((s) => ({ name: s.name, enabled: s.enabled, settings: s.settings })),
  };
  ctx.outJson(file);
}
