import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { dcap, dcapJson, killLeftovers, startDaemon, tempDir } from '../helpers/daemon.js';
import { TestClient, upgradeStatus } from './helpers.js';

interface Added {
  secret: string;
  webhookPath: string;
}
interface Paired {
  agentId: string;
  key: string;
}

describe('dcap token, dcap relay start, dcap up', () => {
  const tmp = tempDir();
  const env = { DCAP_DATA_DIR: join(tmp.dir, 'data') };
  const clients: TestClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    expect(killLeftovers()).toBe(0);
  });
  afterAll(() => tmp.cleanup());

  it('token create --read prints the token once; list never shows it; revoke removes it', () => {
    const created = dcapJson<{ name: string; scope: string; token: string }>(['token', 'create', 'laptop', '--read'], { env });
    expect(created).toMatchObject({ name: 'laptop', scope: 'read' });
    expect(created.token.length).toBeGreaterThanOrEqual(40);
    const noScope = dcap(['token', 'create', 'other'], { env });
    expect(noScope.code).toBe(1);
    expect(noScope.stderr).toMatch(/--read/);
    const again = dcap(['token', 'create', 'laptop', '--read'], { env });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/exists already/);
    expect(dcap(['token', 'create', 'bad name', '--read'], { env }).stderr).toMatch(/invalid token name/);
    const list = dcap(['token', 'list', '--json'], { env });
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ name: 'laptop', scope: 'read', prefix: created.token.slice(0, 8), lastUsedAt: null })]);
    expect(list.stdout).not.toContain(created.token);
    expect(dcap(['token', 'list'], { env }).stdout).toMatch(/laptop\s+read/);
    expect(dcapJson(['token', 'revoke', 'laptop'], { env })).toEqual({ revoked: 'laptop' });
    expect(dcapJson(['token', 'list'], { env })).toEqual([]);
    expect(dcap(['token', 'revoke', 'laptop'], { env }).stderr).toMatch(/no token named "laptop"/);
  });

  it('dcap relay start serves subscribers with a token and refuses a revoked one', async () => {
    const { token } = dcapJson<{ token: string }>(['token', 'create', 'relay-reader', '--read'], { env });
    const relay = await startDaemon(['relay', 'start', '--port', '0'], { env });
    expect(relay.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    const sub = await TestClient.connect(relay.url, { headers: { Authorization: `Bearer ${token}` } });
    clients.push(sub);
    expect(await sub.next('welcome')).toMatchObject({ role: 'subscriber' });
    dcapJson(['token', 'revoke', 'relay-reader'], { env });
    expect(await upgradeStatus(relay.url, { Authorization: `Bearer ${token}` })).toBe(401);
    const health = await fetch(relay.url.replace('ws:', 'http:') + '/healthz').then((r) => r.json());
    expect(health).toMatchObject({ status: 'ok', peers: { subscribers: 1 } });
    expect(await relay.stop()).toBe(0);
    expect(dcap(['relay', 'start', '--port', '0', '--redis', 'http://x'], { env }).stderr).toMatch(/--redis must be a redis:\/\//);
  });

  it('dcap up serves alerts, the agent API and /ws on one port, pushing signals, positions and ticks', async () => {
    const strat = dcapJson<Added>(['strategy', 'add', 'fx', '--agent', 'vps', '--rate-limit', '0'], { env });
    const vps = dcapJson<Paired>(['agent', 'pair', 'vps'], { env });
    const { token } = dcapJson<{ token: string }>(['token', 'create', 'tui', '--read'], { env });
    const up = await startDaemon(['up', '--port', '0'], { env });
    expect(up.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const wsUrl = `${up.url.replace('http:', 'ws:')}/ws`;
    expect(await upgradeStatus(wsUrl)).toBe(401);
    expect(await upgradeStatus(`${up.url.replace('http:', 'ws:')}/elsewhere`, { Authorization: `Bearer ${token}` })).toBe(404);

    const sub = await TestClient.connect(wsUrl, { headers: { Authorization: `Bearer ${token}` } });
    clients.push(sub);
    await sub.next('welcome');
    sub.send({ op: 'subscribe', symbols: ['EURUSD'], channels: ['signals', 'positions', 'agents'] });
    const snap = await sub.next('snapshot');
    expect(snap).toMatchObject({ ticks: [], signals: [], positions: [], agents: [expect.objectContaining({ name: 'vps', heartbeatAt: null })] });

    // An alert on the same port: the subscriber sees the signal as soon as it is accepted.
    const res = await fetch(up.url + strat.webhookPath, { method: 'POST', body: JSON.stringify({ action: 'buy', symbol: 'EURUSD', qty: '0.1', id: 'a1' }) });
    const accepted = (await res.json()) as { status: string; signalId: string; jobId: string };
    expect(accepted.status).toBe('accepted');
    const sig = await sub.next('signal', (m) => m.signal.id === accepted.signalId);
    expect(sig.signal).toMatchObject({ strategy: 'fx', symbol: 'EURUSD', action: 'buy', status: 'accepted', jobId: accepted.jobId, latencyMs: null });

    // The agent executes it: the signal update carries its final status and latency.
    const agentApi = (path: string, body?: unknown) =>
      fetch(`${up.url}/agents/${vps.agentId}/${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { 'x-agent-key': vps.key, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    expect((await agentApi('jobs/next?wait=0')).status).toBe(200);
    expect((await agentApi(`jobs/${accepted.jobId}/result`, { ok: true, retcode: 10009, price: 1.1, volume: 0.1, ticket: 7 })).status).toBe(200);
    const done = await sub.next('signal', (m) => m.signal.id === accepted.signalId && m.signal.status !== 'accepted');
    expect(done.signal.status).toBe('executed');
    expect(done.signal.latencyMs).toBeGreaterThanOrEqual(0);

    // State and heartbeat: positions and agent health.
    const position = { ticket: 7, symbol: 'EURUSD', side: 'buy', volume: 0.1, priceOpen: 1.1 };
    expect((await agentApi('state', { account: { balance: 1000, equity: 1001 }, positions: [position] })).status).toBe(200);
    const pos = await sub.next('positions');
    expect(pos).toMatchObject({ agentId: vps.agentId, agent: 'vps', account: { balance: 1000 }, positions: [position] });
    expect((await agentApi('heartbeat', { terminalConnected: true, tradeAllowed: true })).status).toBe(200);
    expect((await sub.next('agent', (m) => m.agent.heartbeatAt !== null)).agent).toMatchObject({ name: 'vps', terminalConnected: true, tradeAllowed: true });

    // The agent publishes ticks through the same /ws.
    const pub = await TestClient.connect(wsUrl, { headers: { 'X-Agent-Id': vps.agentId, 'X-Agent-Key': vps.key } });
    clients.push(pub);
    await pub.next('welcome');
    pub.send({ op: 'ticks', ticks: [{ symbol: 'EURUSD', bid: 1.1001, ask: 1.1003, time: Date.now() }] });
    expect(await sub.next('tick')).toMatchObject({ symbol: 'EURUSD', bid: 1.1001 });

    // A late subscriber gets the whole picture in its snapshot.
    const late = await TestClient.connect(`${wsUrl}?token=${token}`);
    clients.push(late);
    late.send({ op: 'subscribe', symbols: ['EURUSD'], channels: ['signals', 'positions'] });
    const lateSnap = await late.next('snapshot');
    expect(lateSnap.ticks).toEqual([expect.objectContaining({ bid: 1.1001 })]);
    expect(lateSnap.signals).toEqual([expect.objectContaining({ id: accepted.signalId, status: 'executed' })]);
    expect(lateSnap.positions).toEqual([expect.objectContaining({ agent: 'vps' })]);

    expect((await fetch(`${up.url}/healthz`)).status).toBe(200);
    // Graceful stop with sockets open: clients are told (1001) and the process exits 0.
    const closed = new Promise<number>((r) => sub.ws.once('close', (code) => r(code)));
    expect(await up.stop()).toBe(0);
    expect(await closed).toBe(1001);
  }, 60_000);
});
