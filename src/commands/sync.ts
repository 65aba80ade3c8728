import type { Ctx } from '../context.js';
import { untilSignal } from '../daemons/lifecycle.js';
import { ExitError, UserError } from '../errors.js';
import { startSync } from '../sync/index.js';
import { chooseSink } from '../sync/config.js';
import { deadCount, deadRows, lastSyncedAt, oldestPendingAt, pendingCount, requeueDead } from '../sync/queries.js';

/** `dcap sync run [--once]`: the sync on the data dir's store, standalone (next to, or without, a daemon). */
export async function run(ctx: Ctx, opts: { once?: boolean }): Promise<void> {
  const config = ctx.config();
  const choice = chooseSink(config.sync);
  if (choice.kind === 'off') throw new UserError(choice.reason);
  const db = ctx.db();
  const sync = startSync(db, config, ctx.log, { kind: 'cli', autoStart: !opts.once });
  if (opts.once) {
    const result = await sync.loop.drain();
    await sync.stop();
    const snap = sync.snapshot();
    ctx.result({ ok: result.ok, error: result.error, ...snap }, () =>
      result.ok ? `synced: ${snap.pending} pending, ${snap.dead} dead (${snap.sink} ${snap.target ?? ''})` : `sync failed: ${result.error}`,
    );
    if (!result.ok) throw new ExitError(1);
    return;
  }
  await untilSignal(() => sync.stop(), ctx.log);
}

/** `dcap sync status`: what waits, what is dead, how far behind. Reads the store only. */
export async function status(ctx: Ctx): Promise<void> {
  const config = ctx.config();
  const db = ctx.db();
  const choice = chooseSink(config.sync);
  const oldest = oldestPendingAt(db);
  const synced = lastSyncedAt(db);
  const value = {
    pending: pendingCount(db),
    dead: deadCount(db),
    lastSyncedAt: synced === null ? null : new Date(synced).toISOString(),
    lagMs: oldest === null ? 0 : Math.max(0, Date.now() - oldest),
    sink: choice.kind,
    ...(choice.kind === 'off' ? { reason: choice.reason } : { target: choice.target }),
    deadRows: deadRows(db),
  };
  ctx.result(value, () => {
    const lines = [
      `sink:         ${choice.kind === 'off' ? choice.reason : `${choice.kind} ${choice.target}`}`,
      `pending:      ${value.pending}`,
      `dead:         ${value.dead}${value.dead ? ' (dcap sync retry-dead re-queues them)' : ''}`,
      `last synced:  ${value.lastSyncedAt ?? 'never'}`,
      `lag:          ${value.lagMs} ms`,
    ];
    for (const r of value.deadRows) lines.push(`  dead #${r.seq} ${r.type} (${r.attempts} attempts): ${r.lastError ?? ''}`);
    return lines.join('\n');
  });
}

/** `dcap sync retry-dead`: dead rows back in the queue, in their original order. */
export async function retryDead(ctx: Ctx): Promise<void> {
  const requeued = requeueDead(ctx.db());
  ctx.result({ requeued }, () => (requeued ? `re-queued ${requeued} dead row(s); a running sync sends them next` : 'no dead rows'));
}
