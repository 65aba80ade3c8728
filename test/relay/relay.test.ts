import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { revokeAgent } from '../../src/store/agents.js';
import { createReadToken, revokeReadToken } from '../../src/store/read-tokens.js';
import type { RelayServer } from '../../src/relay/server.js';
import { startRelay, testStore, tick, TestClient, until, upgradeStatus } from './helpers.js';

describe('relay: auth, snapshot, ticks, errors', () => {
  const store = testStore();
  let relay: RelayServer;
  let url: string;
  const clients: TestClient[] = [];
  const connect = async (headers: Record<string, string>, path = '') => {
    const c = await TestClient.connect(url + path, { headers });
    clients.push(c);
    await c.next('welcome');
    return c;
  };
  const reader = () => connect({ Authorization: `Bearer ${store.token}` });
  const publisher = () => connect({ 'X-Agent-Id': store.agent.id, 'X-Agent-Key': store.agent.key });

  beforeAll(async () => {
    ({ relay, url } = await startRelay(store.db, { heartbeatMs: 300 }));
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await relay.stop();
    store.close();
  });

  it('refuses the upgrade with 401 without valid credentials', async () => {
    expect(await upgradeStatus(url)).toBe(401);
    expect(await upgradeStatus(url, { Authorization: 'Bearer not-a-token' })).toBe(401);
    expect(await upgradeStatus(`${url}/?token=not-a-token`)).toBe(401);
    expect(await upgradeStatus(url, { 'X-Agent-Id': store.agent.id, 'X-Agent-Key': 'wrong' })).toBe(401);
    expect(await upgradeStatus(url, { 'X-Agent-Id': store.agent.id })).toBe(401);
    const { token } = createReadToken(store.db, 'gone', 'read', Date.now());
    expect(await upgradeStatus(url, { Authorization: `Bearer ${token}` })).toBe(101);
    revokeReadToken(store.db, 'gone', Date.now());
    expect(await upgradeStatus(url, { Authorization: `Bearer ${token}` })).toBe(401);
    expect(relay.hub.size).toBe(0);
  });

  it('accepts a read token (header or query) as a subscriber and an agent key as a publisher', async () => {
    expect((await reader()).messages[0]).toMatchObject({ type: 'welcome', role: 'subscriber', instance: relay.instance });
    expect((await connect({}, `/ws?token=${encodeURIComponent(store.token)}`)).messages[0]).toMatchObject({ role: 'subscriber' });
    expect((await publisher()).messages[0]).toMatchObject({ type: 'welcome', role: 'publisher' });
  });

  it('sends a snapshot of the last known ticks first, then the ticks of subscribed symbols only', async () => {
    const pub = await publisher();
    pub.send({ op: 'ticks', ticks: [tick('EURUSD', 1.1), tick('GBPUSD', 1.25), tick('EURUSD', 1.101)] });
    await until(() => relay.hub.stats().symbols === 2, 5000, 'the ticks to arrive');
    const sub = await reader();
    sub.send({ op: 'subscribe', symbols: ['EURUSD', 'USDJPY'] });
    const snap = await sub.next('snapshot');
    expect(snap.ticks).toEqual([expect.objectContaining({ symbol: 'EURUSD', bid: 1.101 })]);
    pub.send({ op: 'ticks', ticks: [tick('GBPUSD', 1.26), tick('USDJPY', 150.1), tick('EURUSD', 1.102)] });
    await sub.next('tick', (t) => t.symbol === 'EURUSD' && t.bid === 1.102);
    expect(sub.ticks().map((t) => [t.symbol, t.bid])).toEqual([
      ['USDJPY', 150.1],
      ['EURUSD', 1.102],
    ]);
    expect(sub.ticks()[0]).toMatchObject({ type: 'tick', symbol: 'USDJPY', ask: expect.any(Number), time: expect.any(Number) });
  });

  it('stops sending a symbol after unsubscribe', async () => {
    const pub = await publisher();
    const sub = await reader();
    sub.send({ op: 'subscribe', symbols: ['EURUSD', 'GBPUSD'] });
    await sub.next('snapshot');
    sub.send({ op: 'unsubscribe', symbols: ['EURUSD'] });
    // A ping is answered in order: once the pong is back, the unsubscribe has been applied.
    sub.send({ op: 'ping', id: 1 });
    await sub.next('pong', (p) => p.id === 1);
    pub.send({ op: 'ticks', ticks: [tick('EURUSD', 1.2), tick('GBPUSD', 1.3)] });
    pub.send({ op: 'ticks', ticks: [tick('EURUSD', 1.21)] });
    pub.send({ op: 'ticks', ticks: [tick('GBPUSD', 1.31)] });
    await sub.next('tick', (t) => t.bid === 1.31);
    expect(sub.ticks().map((t) => t.symbol)).toEqual(['GBPUSD', 'GBPUSD']);
  });

  it('answers malformed messages with an error and keeps serving', async () => {
    const sub = await reader();
    const bad = ['not json', '{"op":"subscribe","symbols":"EURUSD"}', '{"op":"nope"}', '[]', 'null', '{"op":"subscribe","channels":["gossip"]}'];
    for (const b of bad) sub.send(b);
    sub.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    await until(() => sub.messages.filter((m) => m.type === 'error').length === bad.length + 1, 5000, 'every error');
    const errors = sub.messages.filter((m) => m.type === 'error').map((m) => (m as { message: string }).message);
    expect(errors[0]).toMatch(/not JSON/);
    expect(errors[1]).toMatch(/"subscribe".*symbols/);
    expect(errors[5]).toMatch(/channels/);
    expect(errors[6]).toMatch(/text frames/);
    // A reader cannot publish.
    sub.send({ op: 'ticks', ticks: [tick('EURUSD', 9)] });
    expect((await sub.next('error', (e) => /cannot publish/.test(e.message))).message).toMatch(/X-Agent-Key/);
    const pub = await publisher();
    pub.send({ op: 'ticks', ticks: [{ symbol: 'EURUSD', bid: 'x', ask: 1, time: 1 }] });
    expect((await pub.next('error')).message).toMatch(/bid/);
    // Still serving.
    sub.send({ op: 'subscribe', symbols: ['XAUUSD'] });
    pub.send({ op: 'ticks', ticks: [tick('XAUUSD', 2400)] });
    await sub.next('tick', (t) => t.symbol === 'XAUUSD');
    expect(relay.hub.stats().symbols).toBeGreaterThan(0);
  });

  it('terminates a peer that stops answering pings', async () => {
    const before = relay.hub.stats().cut.dead;
    // A client that never answers pings (autoPong off) is cut after at most two heartbeats.
    const silent = await TestClient.connect(url, { headers: { Authorization: `Bearer ${store.token}` }, autoPong: false });
    clients.push(silent);
    const healthy = await reader();
    const closed = new Promise<number>((r) => silent.ws.once('close', (code) => r(code)));
    expect(await closed).toBe(1006);
    expect(relay.hub.stats().cut.dead).toBe(before + 1);
    // The answering one is still there.
    healthy.send({ op: 'ping', id: 'still' });
    await healthy.next('pong', (p) => p.id === 'still');
  });

  it('cuts open connections of a revoked token or agent at the next heartbeat', async () => {
    const { token } = createReadToken(store.db, 'short-lived', 'read', Date.now());
    const sub = await connect({ Authorization: `Bearer ${token}` });
    const closed = new Promise<number>((r) => sub.ws.once('close', (code) => r(code)));
    revokeReadToken(store.db, 'short-lived', Date.now());
    expect(await closed).toBe(1008);
    const pub = await publisher();
    const pubClosed = new Promise<number>((r) => pub.ws.once('close', (code) => r(code)));
    revokeAgent(store.db, 'vps', Date.now());
    expect(await pubClosed).toBe(1008);
  });
});
