import { redactUrl } from '../util/redact.js';
import { Redis } from 'ioredis';
import { z } from 'zod';
import type { Logger } from '../log.js';
import { TickSchema, type ChannelMessage, type Tick } from './protocol.js';

export interface RedisLinkOptions {
  url: string;
  /** Channel name prefix; instances that share it share one stream (tests use a unique one). */
  prefix?: string;
  /** This instance's id: its own messages come back from Redis and are ignored (no loops). */
  instance: string;
  log: Logger;
  onTicks: (ticks: Tick[]) => void;
  onChannel: (msg: ChannelMessage) => void;
}

export const DEFAULT_REDIS_PREFIX = 'dcap:relay:';

const Envelope = z.object({ from: z.string(), ticks: z.array(TickSchema).optional(), msg: z.looseObject({ type: z.enum(['signal', 'positions', 'agent']) }).optional() });

/**
 * Joins relay instances through Redis pub/sub: what a local publisher (or the local webhook
 * daemon) publishes goes to Redis once; what other instances publish comes back and is fanned
 * out locally. Each message carries the sender's instance id, so an instance never re-delivers
 * its own messages. Pub/sub is fire-and-forget, like the stream itself: a tick missed while
 * Redis is down is replaced by the next one, and snapshots are rebuilt from what follows.
 */
export class RedisLink {
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly ticksChannel: string;
  private readonly eventsChannel: string;
  dropped = 0;

  constructor(private readonly o: RedisLinkOptions) {
    const prefix = o.prefix ?? DEFAULT_REDIS_PREFIX;
    this.ticksChannel = `${prefix}ticks`;
    this.eventsChannel = `${prefix}events`;
    // No offline queue on the publishing side: while Redis is away, publishes fail at once
    // instead of piling up in memory (the tick stream would outgrow any buffer).
    this.pub = new Redis(o.url, { lazyConnect: true, enableOfflineQueue: false, connectionName: `dcap-relay-pub-${o.instance}` });
    // The subscriber connection re-subscribes by itself after a reconnect (autoResubscribe).
    this.sub = new Redis(o.url, { lazyConnect: true, connectionName: `dcap-relay-sub-${o.instance}` });
    for (const [name, c] of [['pub', this.pub], ['sub', this.sub]] as const) {
      c.on('error', (err: Error) => o.log.warn({ event: 'relay.redis_error', conn: name, err: err.message }, 'redis error'));
      c.on('reconnecting', () => o.log.info({ event: 'relay.redis_reconnecting', conn: name }, 'redis reconnecting'));
    }
    this.sub.on('message', (_channel: string, text: string) => this.receive(text));
  }

  /** Connects both connections and subscribes; rejects (naming the URL without its password) if Redis does not answer. */
  async connect(timeoutMs = 5000): Promise<void> {
    const timer = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`Redis at ${redactUrl(this.o.url)} did not answer within ${timeoutMs} ms`)), timeoutMs).unref(),
    );
    try {
      await Promise.race([Promise.all([this.pub.connect(), this.sub.connect()]), timer]);
      await Promise.race([this.sub.subscribe(this.ticksChannel, this.eventsChannel), timer]);
    } catch (err) {
      this.pub.disconnect();
      this.sub.disconnect();
      throw new Error(`cannot join relay instances through Redis at ${redactUrl(this.o.url)}: ${(err as Error).message}`, { cause: err });
    }
  }

  get connected(): boolean {
    return this.pub.status === 'ready' && this.sub.status === 'ready';
  }

  ticks(ticks: Tick[]): void {
    this.send(this.ticksChannel, { from: this.o.instance, ticks });
  }

  channel(msg: ChannelMessage): void {
    this.send(this.eventsChannel, { from: this.o.instance, msg });
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.pub.quit(), this.sub.quit()]);
    this.pub.disconnect();
    this.sub.disconnect();
  }

  private send(channel: string, envelope: unknown): void {
    if (this.pub.status !== 'ready') {
      this.dropped++;
      return;
    }
    this.pub.publish(channel, JSON.stringify(envelope)).catch((err: Error) => {
      this.dropped++;
      this.o.log.debug({ event: 'relay.redis_publish_failed', err: err.message }, 'redis publish failed');
    });
  }

  private receive(text: string): void {
    let env: z.infer<typeof Envelope>;
    try {
      const r = Envelope.safeParse(JSON.parse(text));
      if (!r.success) throw new Error(z.prettifyError(r.error));
      env = r.data;
    } catch (err) {
      this.o.log.warn({ event: 'relay.redis_bad_message', err: (err as Error).message }, 'ignored a malformed message from Redis');
      return;
    }
    if (env.from === this.o.instance) return;
    if (env.ticks) this.o.onTicks(env.ticks);
    if (env.msg) this.o.onChannel(env.msg as unknown as ChannelMessage);
  }
}

