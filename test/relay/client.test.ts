import { afterAll, describe, expect, it } from 'vitest';
import { backoffDelay, RelayClient, relayUrl, type RelayClientEvents } from '../../src/relay/client.js';
import type { Tick } from '../../src/relay/protocol.js';
import { startRelay, testStore, tick, until } from './helpers.js';

describe('relay client', () => {
  const store = testStore();
  const clients: RelayClient[] = [];
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.stop()));
    store.close();
  });

  it('backs off 1, 2, 4 ... 30 s with +-20% jitter', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 10].map((a) => backoffDelay(a, 1000, 30_000, () => 0.5))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    expect(backoffDelay(0, 1000, 30_000, () => 0)).toBe(800);
    expect(backoffDelay(9, 1000, 30_000, () => 1)).toBe(36000);
  });

  it('turns a server URL into its /ws endpoint', () => {
    expect(relayUrl('http://127.0.0.1:8080')).toBe('ws://127.0.0.1:8080/ws');
    expect(relayUrl('https://dcap.example.com/')).toBe('wss://dcap.example.com/ws');
    expect(relayUrl('ws://127.0.0.1:8081')).toBe('ws://127.0.0.1:8081/');
    expect(() => relayUrl('ftp://x')).toThrow(/ws:\/\//);
  });

  it('stops on refused credentials instead of retrying', async () => {
    const { relay, url } = await startRelay(store.db);
    const c = new RelayClient({ url, token: 'wrong' });
    clients.push(c);
    const refused = new Promise<RelayClientEvents['unauthorized'][0]>((r) => c.once('unauthorized', r));
    const closed = new Promise<RelayClientEvents['close'][0]>((r) => c.once('close', r));
    c.start();
    expect((await refused).status).toBe(401);
    expect((await closed).retryInMs).toBeNull();
    expect(c.state).toBe('stopped');
    await relay.stop();
  });

  it('reconnects with backoff after the relay restarts, and resubscribes by itself', async () => {
    let { relay, url } = await startRelay(store.db);
    const port = Number(new URL(url).port);
    const sub = new RelayClient({ url, token: store.token, symbols: ['EURUSD'] });
    const pub = new RelayClient({ url, agent: store.agent });
    clients.push(sub, pub);
    const ticks: Tick[] = [];
    const snapshots: Tick[][] = [];
    const closes: RelayClientEvents['close'][0][] = [];
    let opens = 0;
    sub.on('tick', (t) => ticks.push(t));
    sub.on('snapshot', (s) => snapshots.push(s.ticks));
    sub.on('close', (c) => closes.push(c));
    sub.on('open', () => opens++);
    sub.start();
    pub.start();
    await until(() => snapshots.length === 1 && pub.connected, 10_000, 'both clients to connect');
    expect(pub.publish([tick('EURUSD', 1.1)])).toBe(true);
    await until(() => ticks.length === 1, 5000, 'the first tick');

    await relay.stop();
    await until(() => closes.length === 1, 5000, 'the client to notice');
    expect(closes[0]!.code).toBe(1001);
    expect(closes[0]!.retryInMs).toBeGreaterThanOrEqual(800);
    expect(closes[0]!.retryInMs).toBeLessThanOrEqual(1200);
    expect(sub.connected).toBe(false);
    expect(pub.publish([tick('EURUSD', 1.15)])).toBe(false);

    ({ relay } = await startRelay(store.db, { port }));
    try {
      await until(() => opens === 2 && pub.connected, 15_000, 'both clients to reconnect');
      // The new relay knew nothing; the client re-sent its subscription and got a (fresh, empty) snapshot.
      await until(() => snapshots.length === 2, 5000, 'the second snapshot');
      expect(snapshots[1]).toEqual([]);
      expect(pub.publish([tick('EURUSD', 1.2)])).toBe(true);
      await until(() => ticks.length === 2, 5000, 'a tick after the restart');
      expect(ticks.map((t) => t.bid)).toEqual([1.1, 1.2]);
    } finally {
      await Promise.all([sub.stop(), pub.stop()]);
      await relay.stop();
    }
  }, 30_000);
});
