import type { Ctx } from '../context.js';
import { UserError } from '../errors.js';
import { untilSignal } from '../daemons/lifecycle.js';
import { WebhookServer } from '../daemons/webhook/server.js';
import { storeAuthenticator } from '../relay/auth.js';
import { RelayBus, seedFromStore, webhookEvents } from '../relay/bus.js';
import { RelayServer } from '../relay/server.js';
import { startSync, type SyncHandle } from '../sync/index.js';
import { relaySettings, type RelayOptions } from './relay.js';

/**
 * `dcap up`: the webhook daemon and the price relay in one process on one port, for a single
 * box. Alerts and the agent API as with `dcap webhook start`, the relay at /ws; signals,
 * positions and agent health are pushed to subscribers as they commit.
 */
export async function up(ctx: Ctx, opts: Omit<RelayOptions, 'host' | 'port'> & { host?: string; port?: number }): Promise<void> {
  const settings = relaySettings(ctx, opts);
  const flags: Record<string, unknown> = {};
  if (opts.host !== undefined) flags.host = opts.host;
  if (opts.port !== undefined) flags.port = opts.port;
  const config = ctx.config({ webhook: flags });
  const db = ctx.db();
  // The daemon answers TradingView within 3 s: never wait long for a CLI command's write lock.
  db.pragma('busy_timeout = 1000');

  const relay = new RelayServer({ log: ctx.log, authenticate: storeAuthenticator(db, ctx.log), ...settings });
  const bus = new RelayBus();
  const releaseBus = bus.subscribe((msg) => relay.hub.publishChannel(msg));
  // Subscribers that connect first still get every agent's state and the latest signals.
  seedFromStore(db, (msg) => relay.hub.publishChannel(msg, false));
  let sync: SyncHandle | undefined;
  const webhook = new WebhookServer({
    db,
    syncSnapshot: () => sync?.snapshot(),
    log: ctx.log,
    host: config.webhook.host,
    port: config.webhook.port,
    dedupWindowMs: config.webhook.dedupWindow,
    jobLeaseMs: config.webhook.jobLease,
    events: webhookEvents(db, bus, ctx.log),
    onServer: (server) => relay.attach(server, '/ws'),
  });
  let url: string;
  try {
    await relay.start();
    ({ url } = await webhook.start());
  } catch (err) {
    await relay.stop();
    throw new UserError((err as Error).message, undefined, { cause: err });
  }
  // The outbox sync runs beside intake, as in `dcap webhook start`; no request waits on it.
  sync = startSync(db, config, ctx.log, { kind: 'up' });
  // Handlers before the ready line: a signal sent the moment it appears must still drain gracefully.
  const stopped = untilSignal(async () => {
    // Relay sockets first: the HTTP server's close waits for every upgraded connection too.
    await relay.stop();
    releaseBus();
    await webhook.stop();
    await sync?.stop();
  }, ctx.log);
  ctx.log.info({ event: 'listening', url, relay: `${url.replace(/^http/, 'ws')}/ws`, instance: relay.instance, dataDir: config.dataDir }, 'dcap up: webhook daemon and relay listening');
  // The line scripts and tests wait for (stdout, even under --json).
  process.stdout.write(`listening on ${url}\n`);
  await stopped;
}
