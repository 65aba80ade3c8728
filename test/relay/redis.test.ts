import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { RelayClient } from '../../src/relay/client.js';
import type { SignalView, Tick } from '../../src/relay/protocol.js';
import type { RelayServer } from '../../src/relay/server.js';
import { redisAvailable, REDIS_URL, startRelay, testStore, tick, until } from './helpers.js';

describe.skipIf(!(await redisAvailable()))('relay: two instances joined through Redis', () => {
  const store = testStore();
  const relays: RelayServer[] = [];
  const clients: RelayClient[] = [];
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.stop()));
    await Promise.all(relays.map((r) => r.stop()));
    store.close();
  });

  it('delivers what a publisher on A sends to a subscriber on B, once', async () => {
    // A channel prefix of our own: other tests (and other relays on this Redis) never cross in.
    const redis = { url: REDIS_URL, prefix: `dcap-test:${randomBytes(6).toString('hex')}:` };
    const a = await startRelay(store.db, { redis });
    const b = await startRelay(store.db, { redis });
    relays.push(a.relay, b.relay);
    expect(a.relay.instance).not.toBe(b.relay.instance);

    const onB = new RelayClient({ url: b.url, token: store.token, symbols: ['EURUSD'], channels: ['signals'] });
    const onA = new RelayClient({ url: a.url, token: store.token, symbols: ['EURUSD'] });
    const pub = new RelayClient({ url: a.url, agent: store.agent });
    clients.push(onB, onA, pub);
    const gotB: Tick[] = [];
    const gotA: Tick[] = [];
    const signals: SignalView[] = [];
    onB.on('tick', (t) => gotB.push(t));
    onA.on('tick', (t) => gotA.push(t));
    onB.on('signal', (s) => signals.push(s));
    let snapshots = 0;
    for (const c of [onA, onB]) c.on('snapshot', () => snapshots++);
    for (const c of [onB, onA, pub]) c.start();
    await until(() => snapshots === 2 && pub.connected, 10_000, 'clients to connect');

    pub.publish([tick('EURUSD', 1.1), tick('GBPUSD', 1.3)]);
    pub.publish([tick('EURUSD', 1.2)]);
    await until(() => gotB.length === 2 && gotA.length === 2, 10_000, 'ticks on both instances');
    expect(gotB.map((t) => t.bid)).toEqual([1.1, 1.2]);
    expect(gotA.map((t) => t.bid)).toEqual([1.1, 1.2]);
    // B remembers what came through Redis: a late subscriber on B gets it in its snapshot.
    expect(b.relay.hub.stats().symbols).toBe(2);
    // Channel updates (e.g. from the webhook daemon beside A) cross too.
    a.relay.hub.publishChannel({
      type: 'signal',
      signal: { id: 's1', strategy: 'fx', symbol: 'EURUSD', action: 'buy', status: 'accepted', reason: null, receivedAt: 1, updatedAt: 1, completedAt: null, latencyMs: null, result: null, jobId: 'j1' },
    });
    await until(() => signals.length === 1, 10_000, 'the signal on B');
    expect(signals[0]!.id).toBe('s1');

    // No echo: A's own messages come back from Redis and are ignored (each tick arrives once).
    pub.publish([tick('EURUSD', 1.3)]);
    await until(() => gotB.length === 3 && gotA.length === 3, 10_000, 'the third tick');
    await new Promise((r) => setTimeout(r, 200));
    expect(gotA.map((t) => t.bid)).toEqual([1.1, 1.2, 1.3]);
    expect(gotB.map((t) => t.bid)).toEqual([1.1, 1.2, 1.3]);
    expect(a.relay.hub.stats().ticksIn).toBe(4);
  }, 30_000);

  it('refuses to start when Redis does not answer, naming the URL without its password', async () => {
    const bad = startRelay(store.db, { redis: { url: 'redis://user:s3cret@127.0.0.1:1', prefix: 'x:' } });
    await expect(bad).rejects.toThrow(/Redis at redis:\/\/user:\*\*\*@127\.0\.0\.1:1/);
    await expect(bad).rejects.not.toThrow(/s3cret/);
  });
});
