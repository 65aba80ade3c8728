import type { Ctx } from '../context.js';
import { untilSignal } from '../daemons/lifecycle.js';
import { WebhookServer } from '../daemons/webhook/server.js';
import { startSync, type SyncHandle } from '../sync/index.js';

export interface WebhookStartOptions {
  host?: string;
  port?: number;
}

/** `dcap webhook start`: serves TradingView alerts until SIGINT/SIGTERM. */
export async function start(ctx: Ctx, opts: WebhookStartOptions): Promise<void> {
  const flags: Record<string, unknown> = {};
  if (opts.host !== undefined) flags.host = opts.host;
  if (opts.port !== undefined) flags.port = opts.port;
  const config = ctx.config({ webhook: flags });
  const db = ctx.db();
  // The daemon answers TradingView within 3 s: never wait long for a CLI command's write lock.
  db.pragma('busy_timeout = 1000');
  let sync: SyncHandle | undefined;
  const server = new WebhookServer({
    db,
    syncSnapshot: () => sync?.snapshot(),
    log: ctx.log,
    host: config.webhook.host,
    port: config.webhook.port,
    dedupWindowMs: config.webhook.dedupWindow,
    jobLeaseMs: config.webhook.jobLease,
  });
  const { url } = await server.start();
  // The outbox sync runs beside intake in this process; no request waits on it (docs/supabase.md).
  sync = startSync(db, config, ctx.log, { kind: 'webhook' });
  // Handlers before the ready line: a signal sent the moment it appears must still drain gracefully.
  const stopped = untilSignal(async () => {
    await server.stop();
    await sync?.stop();
  }, ctx.log);
  ctx.log.info({ event: 'listening', url, dataDir: config.dataDir }, 'webhook daemon listening');
  // The line scripts and tests wait for (stdout, even under --json).
  process.stdout.write(`listening on ${url}\n`);
  await stopped;
}
