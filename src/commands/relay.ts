import type { Ctx } from '../context.js';
import { parseDuration } from '../core/duration.js';
import { UserError } from '../errors.js';
import { untilSignal } from '../daemons/lifecycle.js';
import { storeAuthenticator } from '../relay/auth.js';
import { RelayServer } from '../relay/server.js';

export interface RelayOptions {
  host?: string;
  port?: number;
  redis?: string;
  redisPrefix?: string;
  heartbeat?: string;
}

export const DEFAULT_RELAY_PORT = 8081;

/** The relay's settings from flags and env (DCAP_REDIS_URL, DCAP_RELAY_REDIS_PREFIX); every problem is a UserError. */
export function relaySettings(ctx: Ctx, opts: RelayOptions) {
  const redisUrl = opts.redis ?? (ctx.env.DCAP_REDIS_URL || undefined);
  if (redisUrl !== undefined) {
    let u: URL | undefined;
    try {
      u = new URL(redisUrl);
    } catch {
      u = undefined;
    }
    if (!u || (u.protocol !== 'redis:' && u.protocol !== 'rediss:')) throw new UserError(`--redis must be a redis:// or rediss:// URL (got "${redisUrl.replace(/\/\/[^@/]*@/, '//***@')}")`);
  }
  let heartbeatMs = 30_000;
  if (opts.heartbeat !== undefined) {
    try {
      heartbeatMs = parseDuration(opts.heartbeat);
    } catch (err) {
      throw new UserError(`--heartbeat: ${(err as Error).message}`);
    }
    if (heartbeatMs < 100) throw new UserError('--heartbeat must be at least 100ms');
  }
  const prefix = opts.redisPrefix ?? (ctx.env.DCAP_RELAY_REDIS_PREFIX || undefined);
  return { heartbeatMs, redis: redisUrl ? { url: redisUrl, prefix } : undefined };
}

/** `dcap relay start`: the price relay on its own port until SIGINT/SIGTERM. */
export async function start(ctx: Ctx, opts: RelayOptions): Promise<void> {
  const settings = relaySettings(ctx, opts);
  const db = ctx.db();
  // Authentication reads the store on each connect: never stall the relay behind a CLI write.
  db.pragma('busy_timeout = 1000');
  const relay = new RelayServer({ log: ctx.log, authenticate: storeAuthenticator(db, ctx.log), ...settings });
  let url: string;
  try {
    ({ url } = await relay.listen(opts.host ?? '127.0.0.1', opts.port ?? DEFAULT_RELAY_PORT));
  } catch (err) {
    await relay.stop();
    throw new UserError((err as Error).message, undefined, { cause: err });
  }
  // Handlers before the ready line: a signal sent the moment it appears must still stop cleanly.
  const stopped = untilSignal(() => relay.stop(), ctx.log);
  ctx.log.info({ event: 'listening', url, instance: relay.instance, redis: settings.redis !== undefined }, 'relay listening');
  // The line scripts and tests wait for (stdout, even under --json).
  process.stdout.write(`listening on ${url}\n`);
  await stopped;
}
