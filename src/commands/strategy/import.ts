import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseStrategiesFile } from '../../core/settings.js';
import type { Ctx } from '../../context.js';
import { UserError } from '../../errors.js';
import { upsertStrategies } from '../../store/strategies.js';
import { secretNotice, storeItNow, webhookPath } from './format.js';

/**
 * `dcap strategy import FILE` (FILE `-`: stdin). The whole file is validated first and every
 * problem reported with its path; then all strategies are created or updated in one transaction.
 */
export async function importStrategies(ctx: Ctx, file: string): Promise<void> {
  const source = file === '-' ? 'stdin' : resolve(ctx.cwd, file);
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : source, 'utf8');
  } catch (err) {
    throw new UserError(`cannot read ${source}: ${(err as Error).message}`, undefined, { cause: err });
  }
  const items = parseStrategiesFile(text, source);
  const result = upsertStrategies(ctx.db(), items, Date.now());
  const created = result.created.map((name) => ({ name, secret: result.secrets[name]!, webhookPath: webhookPath(result.secrets[name]!) }));
  ctx.result({ created, updated: result.updated, unchanged: result.unchanged }, () => {
    const lines: string[] = [];
    for (const c of created) lines.push(`created ${c.name}`, ...secretNotice(ctx, c.secret, '  '));
    for (const name of result.updated) lines.push(`updated ${name}`);
    for (const name of result.unchanged) lines.push(`unchanged ${name}`);
    if (items.length === 0) lines.push(`${source} lists no strategies; nothing changed`);
    if (created.length) lines.push(storeItNow(created.length === 1 ? 'the secret' : 'each secret'));
    return lines.join('\n');
  });
}
