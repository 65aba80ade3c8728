import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dcap, dcapJson, killLeftovers, startDaemon, tempDir, type Daemon } from './helpers/daemon.js';
import { pgAvailable } from './helpers/pg.js';
import { healthz, localIds, query, remoteIds, syncTarget, waitFor } from './helpers/sync.js';

const PASSWORD = 'pw-never-printed-9f2c';

interface Added {
  secret: string;
  webhookPath: string;
}

describe.skipIf(!(await pgAvailable()))('sync end to end: webhook daemon -> direct Postgres sink', () => {
  const tmp = tempDir();
  const dataDir = join(tmp.dir, 'data');
  let target: Awaited<ReturnType<typeof syncTarget>>;
  let env: NodeJS.ProcessEnv;
  let daemon: Daemon;
  let strat: Added;
  let vps: { agentId: string; key: string };

  beforeAll(async () => {
    target = await syncTarget();
    // A password in the URL (the local server trusts 127.0.0.1 and ignores it) that must never be shown.
    const withPassword = new URL(target.url);
    withPassword.password = PASSWORD;
    env = { DCAP_DATA_DIR: dataDir, DCAP_SUPABASE_DB_URL: withPassword.toString(), DCAP_SUPABASE_USER_ID: target.userId };
    strat = dcapJson<Added>(['strategy', 'add', 'fx', '--agent', 'vps', '--rate-limit', '0'], { env });
    vps = dcapJson(['agent', 'pair', 'vps'], { env });
    daemon = await startDaemon(['webhook', 'start', '--port', '0'], { env });
  });
  afterAll(async () => {
    if (daemon) expect(await daemon.stop()).toBe(0);
    expect(killLeftovers()).toBe(0);
    await target?.drop();
    tmp.cleanup();
  });

  const post = (body: string) => fetch(daemon.url + strat.webhookPath, { method: 'POST', body }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, string> }));
  const api = async (path: string, body?: unknown) => {
    const res = await fetch(`${daemon.url}/agents/${vps.agentId}/${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'x-agent-key': vps.key, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, any>) : undefined };
  };
  const drained = () => waitFor('the sync to drain', async () => (await healthz(daemon.url)).sync.pending === 0 && (await healthz(daemon.url)).sync);

  it('sends every signal and job exactly once, then their status changes', async () => {
    const accepted = [];
    for (let i = 0; i < 20; i++) accepted.push((await post(JSON.stringify({ action: 'buy', symbol: 'EURUSD', qty: '0.1', id: `a${i}` }))).body);
    const dup = await post(JSON.stringify({ action: 'buy', symbol: 'EURUSD', qty: '0.1', id: 'a0' }));
    const rejected = await post('not an alert');
    expect(dup.body.status).toBe('duplicate');
    expect(rejected.status).toBe(400);
    await drained();

    expect(await remoteIds(target.url, 'tv_signals')).toEqual(localIds(dataDir, 'signals').sort());
    expect(await remoteIds(target.url, 'jobs')).toEqual(localIds(dataDir, 'jobs').sort());
    expect((await remoteIds(target.url, 'tv_signals')).length).toBe(22);
    const rows = await query<{ outcome: string; status: string; user_id: string; node_id: string | null }>(target.url, 'select outcome, status, user_id::text, node_id::text from tv_signals');
    expect(rows.filter((r) => r.outcome === 'accepted')).toHaveLength(20);
    expect(rows.every((r) => r.user_id === target.userId && r.node_id)).toBe(true);
    expect(await query(target.url, 'select name, kind from sync_nodes')).toEqual([expect.objectContaining({ kind: 'webhook' })]);
    expect(await query(target.url, 'select name from tv_strategies')).toEqual([{ name: 'fx' }]);

    // The agent takes one job and completes it: job running -> done, signal accepted -> executed.
    const claimed = await api('jobs/next?wait=5');
    const jobId = claimed.body!.job.id as string;
    const signalId = claimed.body!.job.signalId as string;
    await waitFor('the claim to arrive', async () => (await query(target.url, `select 1 from jobs where id = $1 and status = 'running'`, [jobId])).length === 1);
    const result = { jobId, ok: true, retcode: 10009, retcodeText: 'DONE', ticket: 42, price: 1.1, volume: 0.1 };
    expect((await api(`jobs/${jobId}/result`, result)).status).toBe(200);
    await api('heartbeat', { terminalConnected: true, tradeAllowed: true, account: { login: 5001, server: 'Demo-1', currency: 'USD' }, build: 4410 });
    await api('state', { account: { balance: 1000, equity: 1001.5, margin: 10, freeMargin: 991.5, currency: 'USD' }, positions: [{ ticket: 42, symbol: 'EURUSD' }], orders: [] });
    await api('events', { events: [{ id: '0193a000-0000-7000-8000-000000000042', kind: 'fill', jobId, signalId, symbol: 'EURUSD', side: 'buy', volume: 0.1, price: 1.1, ticket: 42, time: Date.now() }] });
    await drained();

    const [sig] = await query<{ status: string; job_id: string }>(target.url, 'select status, job_id::text from tv_signals where id = $1', [signalId]);
    expect(sig).toEqual({ status: 'executed', job_id: jobId });
    const [job] = await query<{ status: string; claimed_by: string; attempts: number; result: { ticket: number }; payload: { symbol: string } }>(
      target.url,
      'select status, claimed_by, attempts, result, payload from jobs where id = $1',
      [jobId],
    );
    expect(job).toMatchObject({ status: 'done', claimed_by: vps.agentId, attempts: 1, result: { ticket: 42 }, payload: { symbol: 'EURUSD' } });
    expect(await query(target.url, 'select name, terminal_connected, account_login, terminal_build from mt5_agents')).toEqual([
      { name: 'vps', terminal_connected: true, account_login: '5001', terminal_build: 4410 },
    ]);
    expect(await query(target.url, 'select equity::float8, currency, positions from positions')).toEqual([{ equity: 1001.5, currency: 'USD', positions: [{ ticket: 42, symbol: 'EURUSD' }] }]);
    expect(await query(target.url, 'select kind, ticket::text, job_id::text from trade_events')).toEqual([{ kind: 'fill', ticket: '42', job_id: jobId }]);
    // Still exactly once after all of it.
    expect(await remoteIds(target.url, 'tv_signals')).toEqual(localIds(dataDir, 'signals').sort());
  });

  it('reports the sync on /healthz and in dcap sync status', async () => {
    const h = await healthz(daemon.url);
    expect(h.sync).toMatchObject({ sink: 'postgres', pending: 0, dead: 0, lagMs: 0, lastError: null });
    const status = dcapJson<Record<string, unknown>>(['sync', 'status'], { env });
    expect(status).toMatchObject({ pending: 0, dead: 0, lagMs: 0, sink: 'postgres' });
    expect(typeof status.lastSyncedAt).toBe('string');
    expect(JSON.stringify(status)).not.toContain(PASSWORD);
    expect(JSON.stringify(h)).not.toContain(PASSWORD);
    expect(daemon.logs()).not.toContain(PASSWORD);
  });

  it('dcap sync run --once drains a store on its own and exits 0', async () => {
    const other = tempDir();
    try {
      const env2 = { ...env, DCAP_DATA_DIR: join(other.dir, 'data') };
      dcapJson(['strategy', 'add', 'solo'], { env: env2 });
      const r = dcap(['sync', 'run', '--once', '--json'], { env: env2 });
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, pending: 0, dead: 0 });
      expect(await query(target.url, `select name from tv_strategies where name = 'solo'`)).toHaveLength(1);
      // Without the user id the sink is refused, with a message naming what is missing.
      const off = dcap(['sync', 'run', '--once'], { env: { ...env2, DCAP_SUPABASE_USER_ID: '' } });
      expect(off.code).toBe(1);
      expect(off.stderr).toContain('DCAP_SUPABASE_USER_ID');
    } finally {
      other.cleanup();
    }
  });
});
