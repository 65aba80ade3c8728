import type { Ctx } from '../context.js';
import { UserError } from '../errors.js';
import { createReadToken, listReadTokens, revokeReadToken } from '../store/read-tokens.js';
import { table } from '../ui/table.js';

/** `dcap token create <name> --read`: creates a read token and shows it once. */
export async function create(ctx: Ctx, name: string, opts: { read?: boolean }): Promise<void> {
  // A scope is explicit so that a later write scope can never be granted by omission.
  if (!opts.read) throw new UserError('choose what the token may do: --read (read the live stream; the only scope so far)');
  const { row, token } = createReadToken(ctx.db(), name, 'read', Date.now());
  ctx.result({ name: row.name, scope: row.scope, token }, () =>
    [
      `created read token "${row.name}"`,
      `  token: ${token}`,
      '',
      'Store it now: it is not shown again (only its hash is kept).',
      `  dcap tui --token <token>        or a WebSocket to /ws with "Authorization: Bearer <token>"`,
    ].join('\n'),
  );
}

/** `dcap token list`. */
export async function list(ctx: Ctx): Promise<void> {
  const rows = listReadTokens(ctx.db()).map((t) => ({
    name: t.name,
    scope: t.scope,
    prefix: t.prefix,
    createdAt: new Date(t.createdAt).toISOString(),
    lastUsedAt: t.lastUsedAt === null ? null : new Date(t.lastUsedAt).toISOString(),
  }));
  ctx.result(rows, () =>
    rows.length === 0
      ? 'no tokens yet: dcap token create <name> --read'
      : table(
          ['name', 'scope', 'prefix', 'created', 'last used'],
          rows.map((t) => [t.name, t.scope, `${t.prefix}...`, t.createdAt, t.lastUsedAt ?? 'never']),
        ),
  );
}

/** `dcap token revoke <name>`: the token stops working for new connections at once, and open ones are cut within a heartbeat. */
export async function revoke(ctx: Ctx, name: string): Promise<void> {
  const row = revokeReadToken(ctx.db(), name, Date.now());
  ctx.result({ revoked: row.name }, () => `revoked token "${row.name}": it no longer works`);
}
