import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, storePath } from '../src/store/db.js';
import { getJob } from '../src/store/jobs.js';
import { createCloseJob, storeCloser } from '../src/tui/actions.js';
import { dcapJson, killLeftovers, startDaemon, tempDir, type Daemon } from './helpers/daemon.js';

interface Paired {
  agentId: string;
  key: string;
}

/** The read API the TUI loads its first picture from, and the close job it writes to the store. */
describe('TUI reads (GET /api/*) and close jobs', () => {
  const tmp = tempDir('dcap-tui-reads-');
  const env = { DCAP_DATA_DIR: join(tmp.dir, 'data') };
  let daemon: Daemon;
  let token: string;
  let vps: Paired;

  beforeAll(async () => {
    const { webhookPath } = dcapJson<{ webhookPath: string }>(['strategy', 'add', 'fx', '--agent', 'vps', '--rate-limit', '0'], { env });
    vps = dcapJson<Paired>(['agent', 'pair', 'vps'], { env });
    ({ token } = dcapJson<{ token: string }>(['token', 'create', 'reader', '--read'], { env }));
    daemon = await startDaemon(['webhook', 'start', '--port', '0'], { env });
    const agentPost = (path: string, body: unknown) =>
      fetch(`${daemon.url}/agents/${vps.agentId}/${path}`, { method: 'POST', headers: { 'x-agent-key': vps.key }, body: JSON.stringify(body) }).then((r) => r.status);
    const now = Date.now();
    expect(await agentPost('heartbeat', { terminalConnected: true, tradeAllowed: false, waitingFor: 'AutoTrading disabled' })).toBe(200);
    expect(
      await agentPost('state', {
        account: { currency: 'USD', balance: 1000, equity: 1005, margin: 10 },
        positions: [{ ticket: 7, symbol: 'EURUSD', side: 'buy', volume: 0.1, openPrice: 1.1, currentPrice: 1.1005, profit: 5, swap: 0 }],
        orders: [],
      }),
    ).toBe(200);
    expect(
      await agentPost('events', {
        events: [
          { id: 'e1', kind: 'close', time: now, profit: 12.5 },
          { id: 'e2', kind: 'sl', time: now, profit: -2.5 },
          { id: 'e3', kind: 'fill', time: now, profit: 99 },
          { id: 'e4', kind: 'close', time: now - 86_400_000 * 2, profit: 1000 },
        ],
      }),
    ).toBe(200);
    for (const id of ['a', 'b']) {
      await fetch(daemon.url + webhookPath, { method: 'POST', body: JSON.stringify({ action: 'buy', symbol: 'EURUSD', qty: '0.1', id }) });
    }
  });
  afterAll(async () => {
    if (daemon) expect(await daemon.stop()).toBe(0);
    expect(killLeftovers()).toBe(0);
    tmp.cleanup();
  });

  const get = async (path: string, auth: string | null = token, method = 'GET') => {
    const res = await fetch(daemon.url + path, { method, headers: auth ? { Authorization: `Bearer ${auth}` } : {} });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };

  it('refuses requests without a live read token, and agent keys are not read tokens', async () => {
    expect((await get('/api/positions', null)).status).toBe(401);
    expect((await get('/api/positions', 'not-a-token')).status).toBe(401);
    expect((await get('/api/agents', vps.key)).status).toBe(401);
    expect((await get('/api/positions', token, 'POST')).status).toBe(405);
    expect((await get('/api/nothing')).status).toBe(404);
  });

  it('positions: the latest state per agent with realised P&L since 00:00 UTC from closing events', async () => {
    const r = await get('/api/positions');
    expect(r.status).toBe(200);
    expect(r.body.serverTime).toEqual(expect.any(Number));
    expect(r.body.positions).toEqual([
      expect.objectContaining({ agentId: vps.agentId, agent: 'vps', account: expect.objectContaining({ equity: 1005 }), dayRealised: 10 }),
    ]);
    expect(r.body.positions[0].positions[0]).toMatchObject({ ticket: 7, profit: 5 });
  });

  it('signals: newest first, limit checked; agents: health without keys', async () => {
    const r = await get('/api/signals?limit=1');
    expect(r.body.signals).toHaveLength(1);
    const all = await get('/api/signals');
    expect(all.body.signals.map((s: { strategy: string }) => s.strategy)).toEqual(['fx', 'fx']);
    expect(all.body.signals[0].receivedAt).toBeGreaterThanOrEqual(all.body.signals[1].receivedAt);
    expect(await get('/api/signals?limit=0')).toMatchObject({ status: 400, body: { error: expect.stringMatching(/limit must be an integer from 1 to 500/) } });
    const agents = await get('/api/agents');
    expect(agents.body.agents).toEqual([
      expect.objectContaining({ id: vps.agentId, name: 'vps', terminalConnected: true, tradeAllowed: false, waitingFor: 'AutoTrading disabled' }),
    ]);
    expect(JSON.stringify(agents.body)).not.toContain(vps.key.slice(0, 8));
  });

  it('a close job from the TUI reaches the agent: type close, payload {action, ticket, symbol}', async () => {
    const db = openDb(storePath(env.DCAP_DATA_DIR));
    try {
      expect(() => createCloseJob(db, { agentId: vps.agentId, agent: 'vps', ticket: 0, symbol: 'EURUSD' }, Date.now())).toThrow(/not a valid ticket/);
      expect(() => createCloseJob(db, { agentId: 'nope', agent: 'ghost', ticket: 7, symbol: 'EURUSD' }, Date.now())).toThrow(/not in this store/);
      // Two alert jobs are ahead of it in the agent's queue: claim them first.
      const claim = () => fetch(`${daemon.url}/agents/${vps.agentId}/jobs/next?wait=5`, { headers: { 'x-agent-key': vps.key } }).then(async (r) => ({ status: r.status, ...(r.status === 200 ? ((await r.json()) as { job: any }) : { job: undefined }) }));
      await claim();
      await claim();
      const poll = claim();
      const { jobId } = createCloseJob(db, { agentId: vps.agentId, agent: 'vps', ticket: 7, symbol: 'EURUSD' }, Date.now());
      const { status, job } = await poll;
      expect(status).toBe(200);
      expect(job).toMatchObject({ id: jobId, type: 'close', signalId: null, payload: { action: 'close', ticket: 7, symbol: 'EURUSD' } });
      expect(getJob(db, jobId)).toMatchObject({ status: 'running', agent: 'vps', strategyId: null });
    } finally {
      db.close();
    }
  });

  it('a TUI away from the server refuses to close and creates no store', async () => {
    const missing = join(tmp.dir, 'elsewhere', 'dcap.db');
    const close = storeCloser(missing, () => openDb(missing));
    await expect(close({ agentId: vps.agentId, agent: 'vps', ticket: 7, symbol: 'EURUSD' })).rejects.toThrow(/closing needs the server's store/);
    expect(existsSync(missing)).toBe(false);
  });
});
