/**
 * The agent as a tick publisher, end to end: `dcap up`, `dcap agent start --bridge paper` as child
 * processes, and a subscriber with a read token on the relay. The agent subscribes the paper
 * terminal to its --watch symbols plus those of open positions and publishes ticks.json; the TUI's
 * own reducer turns what the subscriber receives into P&L that moves per tick. A relay that is
 * down never stops jobs; `--relay off` publishes and subscribes nothing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseWatch, resolveRelay } from '../../src/commands/agent/start.js';
import { parseTicks } from '../../src/agent/ticks.js';
import { RelayClient } from '../../src/relay/client.js';
import type { PositionsView, Tick } from '../../src/relay/protocol.js';
import { initialState, positionRows, reduce, type TuiState } from '../../src/tui/model.js';
import { dcapJson, killLeftovers, startDaemon, tempDir, type Daemon } from '../helpers/daemon.js';
import { agentDb, alert, freePort, killAgents, signal, startAgent, waitFor, type AgentProc } from './support.js';

/** A subscriber that records every tick and feeds everything into the TUI's reducer. */
function subscriber(url: string, token: string, symbols: string[]) {
  const ticks: Tick[] = [];
  let tui: TuiState = initialState();
  const client = new RelayClient({ url, token, symbols, channels: ['positions'], backoff: { initialMs: 200, maxMs: 1000 } });
  client.on('snapshot', (s) => (tui = reduce(tui, { type: 'snapshot', ticks: s.ticks, positions: s.positions })));
  client.on('tick', (t) => {
    ticks.push(t);
    tui = reduce(tui, { type: 'ticks', ticks: [t] });
  });
  client.on('positions', (v: PositionsView) => (tui = reduce(tui, { type: 'positions', view: v })));
  client.start();
  return { client, ticks, of: (s: string) => ticks.filter((t) => t.symbol === s), tui: () => tui };
}

describe('dcap agent start publishes the terminal ticks', () => {
  const tmp = tempDir('dcap-ticks-');
  const env = { DCAP_DATA_DIR: join(tmp.dir, 'server') };
  let up: Daemon;
  let token: string;
  let agent: AgentProc | undefined;
  const clients: RelayClient[] = [];

  /** A strategy and a paired agent of their own per test, so each test's alerts go to its agent. */
  function pair(name: string) {
    const { webhookPath } = dcapJson<{ webhookPath: string }>(['strategy', 'add', name, '--agent', name, '--rate-limit', '0'], { env });
    const { agentId, key } = dcapJson<{ agentId: string; key: string }>(['agent', 'pair', name], { env });
    return { webhookPath, agentId, key, dataDir: join(tmp.dir, name) };
  }
  const run = (p: ReturnType<typeof pair>, args: string[]) =>
    startAgent(['--bridge', 'paper', '--server', up.url, '--agent-id', p.agentId, ...args], { DCAP_DATA_DIR: p.dataDir, DCAP_AGENT_KEY: p.key });
  async function executed(webhookPath: string, body: Record<string, unknown>) {
    const a = await alert(up.url, webhookPath, body);
    expect(a.status).toBe('accepted');
    return waitFor(`signal ${a.signalId} executed`, () => {
      const s = signal(env, a.signalId);
      return s.status === 'executed' && s;
    });
  }

  beforeAll(async () => {
    up = await startDaemon(['up', '--port', '0'], { env });
    token = dcapJson<{ token: string }>(['token', 'create', 't', '--read'], { env }).token;
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.stop()));
    if (agent) expect(await agent.stop()).toBe(0);
    agent = undefined;
    expect(killAgents()).toBe(0);
  });
  afterAll(async () => {
    if (up) expect(await up.stop()).toBe(0);
    expect(killLeftovers()).toBe(0);
    tmp.cleanup();
  });

  it('streams the --watch symbols, then those of a new position; the TUI P&L moves tick by tick', async () => {
    const p = pair('paper-1');
    agent = run(p, ['--watch', 'EURUSD']);
    const sub = subscriber(up.url, token, ['EURUSD', 'GBPUSD']);
    clients.push(sub.client);

    // EURUSD moves (several distinct quotes); GBPUSD is neither watched nor held: not streamed.
    await waitFor('EURUSD ticks', () => new Set(sub.of('EURUSD').map((t) => t.bid)).size >= 3);
    expect(sub.of('GBPUSD')).toEqual([]);
    expect(agent.logs()).toMatch(/"event":"relay.connected"/);

    await executed(p.webhookPath, { action: 'buy', symbol: 'GBPUSD', qty: '0.1', id: 'gbp-1' });
    await waitFor('GBPUSD ticks after the position opened', () => new Set(sub.of('GBPUSD').map((t) => t.bid)).size >= 3);

    // What dcap tui shows: the GBPUSD position's price and P&L follow the ticks.
    const row = () => positionRows(sub.tui()).find((r) => r.position.symbol === 'GBPUSD')?.position;
    const first = await waitFor('the GBPUSD position in the TUI model', () => row()?.estimated && { ...row()! });
    const moved = await waitFor('a later tick moving the P&L', () => {
      const r = row();
      return r && r.price !== first.price && r.profit !== first.profit && r;
    });
    expect(moved.price).toBe(sub.of('GBPUSD').at(-1)!.bid); // a buy is valued at the bid

    // The subscribe commands are the agent's own: never a job, never delivered to the server.
    const own = agentDb(p.dataDir, (db) => ({
      jobs: db.prepare("SELECT count(*) AS n FROM jobs WHERE job_id LIKE 'sub-%'").get() as { n: number },
      deliveries: db.prepare("SELECT count(*) AS n FROM deliveries WHERE job_id LIKE 'sub-%' OR body LIKE '%\"sub-%'").get() as { n: number },
    }));
    expect(own).toEqual({ jobs: { n: 0 }, deliveries: { n: 0 } });
    const logs = agent.logs();
    expect(logs).toMatch(/"event":"subscribe.done"/);
    expect(logs).not.toMatch(/result\.stray|job\.refused/);
    expect(logs).not.toContain(p.key);
    const paperTicks = JSON.parse(readFileSync(join(p.dataDir, 'paper-files', 'dcap', 'default', 'ticks.json'), 'utf8')) as { ticks: { symbol: string }[] };
    expect(paperTicks.ticks.map((t) => t.symbol).sort()).toEqual(['EURUSD', 'GBPUSD']);
  });

  it('a relay that is down: jobs execute, the outage is logged once, ticks flow once it is up', async () => {
    const p = pair('paper-2');
    const port = await freePort();
    agent = run(p, ['--relay', `ws://127.0.0.1:${port}/ws`, '--watch', 'USDJPY']);
    await waitFor('the relay outage logged', () => agent!.logs().includes('"event":"relay.disconnected"'));
    const s = await executed(p.webhookPath, { action: 'sell', symbol: 'EURUSD', qty: '0.1', id: 'down-1' });
    expect(s.result).toMatchObject({ ok: true });
    // Several reconnect attempts by now (1 s, 2 s ...), one log line.
    await new Promise((r) => setTimeout(r, 3500));
    expect(agent.logs().match(/"event":"relay.disconnected"/g)).toHaveLength(1);

    const relay = await startDaemon(['relay', 'start', '--port', String(port)], { env });
    try {
      const sub = subscriber(relay.url, token, ['USDJPY']);
      clients.push(sub.client);
      await waitFor('USDJPY ticks through the relay that came back', () => sub.of('USDJPY').length >= 2, 40_000);
      expect(agent.logs().match(/"event":"relay.connected"/g)).toHaveLength(1);
    } finally {
      expect(await relay.stop()).toBe(0);
    }
  }, 60_000);

  it('a --watch symbol the terminal lacks is reported once and never stops the positions from streaming', async () => {
    const p = pair('paper-4');
    agent = run(p, ['--watch', 'NOPE,USDJPY']);
    await waitFor('the refusal logged', () => agent!.logs().includes('"event":"subscribe.refused"'));
    expect(agent.logs()).toMatch(/the terminal refused the subscription \(DCAP_UNKNOWN_SYMBOL\): [^\n]*NOPE[^\n]*check --watch; leaving out NOPE, USDJPY until the EA restarts/);
    const sub = subscriber(up.url, token, ['GBPUSD']);
    clients.push(sub.client);
    await executed(p.webhookPath, { action: 'sell', symbol: 'GBPUSD', qty: '0.1', id: 'nope-1' });
    await waitFor('GBPUSD ticks despite the bad --watch', () => new Set(sub.of('GBPUSD').map((t) => t.bid)).size >= 2);
    expect(agent.logs().match(/"event":"subscribe.refused"/g)).toHaveLength(1);
  });

  it('--relay off publishes nothing and leaves the terminal unsubscribed', async () => {
    const p = pair('paper-3');
    const sub = subscriber(up.url, token, ['XAUUSD']);
    clients.push(sub.client);
    await waitFor('the subscriber connected', () => sub.client.connected);
    agent = run(p, ['--relay', 'off', '--watch', 'XAUUSD']);
    await executed(p.webhookPath, { action: 'buy', symbol: 'XAUUSD', qty: '0.1', id: 'off-1' });
    await new Promise((r) => setTimeout(r, 1500));
    expect(sub.of('XAUUSD')).toEqual([]);
    expect(agent.logs()).not.toMatch(/"event":"(relay|subscribe)\./);
    const file = join(p.dataDir, 'paper-files', 'dcap', 'default', 'ticks.json');
    if (existsSync(file)) expect((JSON.parse(readFileSync(file, 'utf8')) as { ticks: unknown[] }).ticks).toEqual([]);
  });
});

describe('agent tick options and ticks.json', () => {
  it('--relay: default the /ws of --server, ws URLs as given, off, a clear error otherwise', () => {
    expect(resolveRelay(undefined, 'http://127.0.0.1:8080')).toBe('ws://127.0.0.1:8080/ws');
    expect(resolveRelay('', 'https://dcap.example.com')).toBe('wss://dcap.example.com/ws');
    expect(resolveRelay('ws://10.0.0.6:8081', 'http://x')).toBe('ws://10.0.0.6:8081/');
    expect(resolveRelay('OFF', 'http://x')).toBeUndefined();
    expect(() => resolveRelay('ftp://x', 'http://x')).toThrow(/--relay "ftp:\/\/x" is not a relay URL/);
  });

  it('--watch: comma lists, repeated, deduplicated, case kept; names with spaces refused', () => {
    expect(parseWatch(['EURUSD,GBPUSD', ' XAUUSDm ', 'EURUSD'])).toEqual(['EURUSD', 'GBPUSD', 'XAUUSDm']);
    expect(parseWatch([])).toEqual([]);
    expect(() => parseWatch(['EUR USD'])).toThrow(/--watch: not a symbol name: "EUR USD"/);
  });

  it('ticks.json: the relay gets bid, ask, time (last only when set); quotes without a price are left out', () => {
    const file = (ticks: unknown[]) => JSON.stringify({ v: 1, bridgeId: 'default', time: 5, ticks });
    const r = parseTicks(
      '\ufeff' +
        file([
          { symbol: 'EURUSD', bid: 1.1, ask: 1.2, last: 0, time: 1 },
          { symbol: 'US500', bid: 5000, ask: 5001, last: 5000.5, time: 2 },
          { symbol: 'NOQUOTE', bid: 0, ask: 0, last: 0, time: 0 },
        ]),
    );
    expect(r).toEqual({
      ok: true,
      ticks: [
        { symbol: 'EURUSD', bid: 1.1, ask: 1.2, time: 1 },
        { symbol: 'US500', bid: 5000, ask: 5001, last: 5000.5, time: 2 },
      ],
    });
    expect(parseTicks('{"v":1')).toMatchObject({ ok: false, error: /not JSON/ });
    expect(parseTicks(file([{ symbol: 'EURUSD', bid: -1, ask: 1, last: 0, time: 1 }]))).toMatchObject({ ok: false });
  });
});
