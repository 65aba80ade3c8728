import type { Ctx } from '../context.js';
import type { DB } from '../store/db.js';
import { untilSignal } from '../daemons/lifecycle.js';
import { WebhookServer, type WebhookServerOptions } from '../daemons/webhook/server.js';
import { startSync, type SyncHandle } from '../sync/index.js';

export interface WebhookStartOptions {
  host?: string;
  port?: number;
}

/**
 * The webhook daemon as `dcap webhook start` and `dcap up` both run it: config with the --host and
 * --port flags, the data dir's store, and a WebhookServer whose /healthz reports the outbox sync
 * started by `startDaemonSync` (extra server options, e.g. the relay hooks of `dcap up`, are built from the opened store).
 */
export function webhookDaemon(ctx: Ctx, opts: WebhookStartOptions, extra: (db: DB) => Partial<WebhookServerOptions> = () => ({})) {
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
    ...extra(db),
  });
  return {
    config,
    db,
    server,
    /** The outbox sync runs beside intake in this process; no request waits on it (docs/supabase.md). */
    startSync: (kind: string): SyncHandle => (sync = startSync(db, config, ctx.log, { kind })),
  };
}

/** `dcap webhook start`: serves TradingView alerts until SIGINT/SIGTERM. */
export async function start(ctx: Ctx, opts: WebhookStartOptions): Promise<void> {
  const { config, server, startSync: startDaemonSync } = webhookDaemon(ctx, opts);
  const { url } = await server.start();
  const sync = startDaemonSync('webhook');
  // Handlers before the ready line: a signal sent the moment it appears must still drain gracefully.
  const stopped = untilSignal(async () => {
    await server.stop();
    await sync.stop();
  }, ctx.log);
  ctx.log.info({ event: 'listening', url, dataDir: config.dataDir }, 'webhook daemon listening');
  // The line scripts and tests wait for (stdout, even under --json).
  process.stdout.write(`listening on ${url}\n`);
  await stopped;
}
