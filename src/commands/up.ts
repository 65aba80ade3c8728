import type { Ctx } from '../context.js';
import { UserError } from '../errors.js';
import { untilSignal } from '../daemons/lifecycle.js';
import { storeAuthenticator } from '../relay/auth.js';
import { RelayBus, seedFromStore, webhookEvents } from '../relay/bus.js';
import { RelayServer } from '../relay/server.js';
import { relaySettings, type RelayOptions } from './relay.js';
import { webhookDaemon } from './webhook.js';

/**
 * `dcap up`: the webhook daemon and the price relay in one process on one port, for a single
 * box. Alerts and the agent API as with `dcap webhook start`, the relay at /ws; signals,
 * positions and agent health are pushed to subscribers as they commit.
 */
export async function up(ctx: Ctx, opts: Omit<RelayOptions, 'host' | 'port'> & { host?: string; port?: number }): Promise<void> {
  const settings = relaySettings(ctx, opts);
  const bus = new RelayBus();
  // First: it fixes the config with --host/--port before the store is opened.
  const { config, db, server: webhook, startSync: startDaemonSync } = webhookDaemon(ctx, opts, (store) => ({
    events: webhookEvents(store, bus, ctx.log),
    // Called by webhook.start(), after the relay below exists.
    onServer: (server) => relay.attach(server, '/ws'),
  }));
  const relay = new RelayServer({ log: ctx.log, authenticate: storeAuthenticator(db, ctx.log), ...settings });
  const releaseBus = bus.subscribe((msg) => relay.hub.publishChannel(msg));
  // Subscribers that connect first still get every agent's state and the latest signals.
  seedFromStore(db, (msg) => relay.hub.publishChannel(msg, false));
  let url: string;
  try {
    await relay.start();
    ({ url } = await webhook.start());
  } catch (err) {
    await relay.stop();
    throw new UserError((err as Error).message, undefined, { cause: err });
  }
  const sync = startDaemonSync('up');
  // Handlers before the ready line: a signal sent the moment it appears must still drain gracefully.
  const stopped = untilSignal(async () => {
    // Relay sockets first: the HTTP server's close waits for every upgraded connection too.
    await relay.stop();
    releaseBus();
    await webhook.stop();
    await sync.stop();
  }, ctx.log);
  ctx.log.info({ event: 'listening', url, relay: `${url.replace(/^http/, 'ws')}/ws`, instance: relay.instance, dataDir: config.dataDir }, 'dcap up: webhook daemon and relay listening');
  // The line scripts and tests wait for (stdout, even under --json).
  process.stdout.write(`listening on ${url}\n`);
  await stopped;
}
