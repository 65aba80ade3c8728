import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RelayServer } from '../../src/relay/server.js';
import { startRelay, testStore, TestClient } from './helpers.js';

const SYMBOLS = Array.from({ length: 20 }, (_, i) => `SYM${String(i).padStart(2, '0')}`);
const HIGH_WATER = 16 * 1024;
const socketOf = (c: TestClient) => (c.ws as unknown as { _socket: Socket })._socket;

describe('relay: a stalled subscriber', () => {
  const store = testStore();
  let relay: RelayServer;
  let url: string;
  let pub: TestClient;
  let fast: TestClient;
  let stalled: TestClient;

  beforeAll(async () => {
    ({ relay, url } = await startRelay(store.db, { highWaterBytes: HIGH_WATER, flushMs: 10 }));
    const reader = { headers: { Authorization: `Bearer ${store.token}` } };
    pub = await TestClient.connect(url, { headers: { 'X-Agent-Id': store.agent.id, 'X-Agent-Key': store.agent.key } });
    fast = await TestClient.connect(url, reader);
    stalled = await TestClient.connect(url, reader);
    for (const c of [fast, stalled]) {
      c.send({ op: 'subscribe', symbols: SYMBOLS });
      await c.next('snapshot');
    }
  });
  afterAll(async () => {
    await Promise.all([pub, fast, stalled].map((c) => c?.close()));
    await relay.stop();
    store.close();
  });

  it('gets only the latest tick per symbol, never slows the others, and costs bounded memory', async () => {
    let seq = 0;
    /** One batch: every symbol 10 times; `bid` carries a global sequence number. */
    const publishBatch = async () => {
      const ticks = [];
      for (let r = 0; r < 10; r++) for (const symbol of SYMBOLS) ticks.push({ symbol, bid: ++seq, ask: seq + 1, time: Date.now() });
      pub.send({ op: 'ticks', ticks });
      const last = seq;
      await fast.next('tick', (t) => t.bid === last);
    };

    socketOf(stalled).pause();
    // Publish until the relay sees the stalled socket back up (kernel buffers fill first).
    let batches = 0;
    while (relay.hub.stats().peers.slow === 0) {
      await publishBatch();
      if (++batches > 5000) throw new Error('the stalled socket never backed up');
    }
    // Keep publishing while it is stalled: its memory stays bounded, the fast reader gets everything.
    let maxPending = 0;
    let maxBuffered = 0;
    for (let i = 0; i < 200; i++) {
      await publishBatch();
      const p = relay.hub.peerStats().reduce((a, b) => (b.pending > a.pending ? b : a));
      maxPending = Math.max(maxPending, p.pending);
      maxBuffered = Math.max(maxBuffered, p.bufferedAmount);
    }
    const published = seq;
    expect(maxPending).toBeGreaterThan(0);
    expect(maxPending).toBeLessThanOrEqual(SYMBOLS.length);
    expect(maxBuffered).toBeLessThan(HIGH_WATER + 1024);
    expect(relay.hub.stats().conflated).toBeGreaterThan(0);

    // The fast subscriber received every tick, in order.
    const fastBids = fast.ticks().map((t) => t.bid);
    expect(fastBids.length).toBe(published);
    expect(fastBids.every((b, i) => b === i + 1)).toBe(true);

    // Once it reads again, the stalled one catches up with the latest tick of every symbol...
    socketOf(stalled).resume();
    await stalled.next('tick', (t) => t.bid === published, 30_000);
    const lastBySymbol = new Map<string, number>();
    for (const t of stalled.ticks()) lastBySymbol.set(t.symbol, t.bid);
    for (let i = 0; i < SYMBOLS.length; i++) expect(lastBySymbol.get(SYMBOLS[i]!)).toBe(published - SYMBOLS.length + 1 + i);
    // ...having skipped superseded ones rather than receiving the whole backlog.
    const got = stalled.ticks().length;
    expect(got).toBeLessThan(published);
    // Exactly the superseded ones are missing: nothing else was lost.
    expect(published - got).toBe(relay.hub.stats().conflated);
    // Bids it did receive never go backwards per symbol (conflation keeps order within a symbol).
    const seen = new Map<string, number>();
    for (const t of stalled.ticks()) {
      expect(t.bid).toBeGreaterThan(seen.get(t.symbol) ?? 0);
      seen.set(t.symbol, t.bid);
    }
    expect(relay.hub.stats().peers.slow).toBe(0);
  }, 120_000);
});
