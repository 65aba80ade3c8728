import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dcapJson, killLeftovers, startDaemon, tempDir, type Daemon } from './helpers/daemon.js';
import { PG_URL, pgAvailable } from './helpers/pg.js';
import { healthz, localIds, query, remoteIds, syncTarget, waitFor } from './helpers/sync.js';

/**
 * Fault drills (issue 4): whatever happens to the target or the daemon, every row arrives
 * exactly once and the lag returns to zero. "Exactly once" is checked as: the target holds
 * the same ids as the local store (the primary key rules out a second copy of any id).
 */
describe.skipIf(!(await pgAvailable()))('sync fault drills', () => {
  const tmp = tempDir();
  let target: Awaited<ReturnType<typeof syncTarget>>;
  let admin: pg.Client;

  beforeAll(async () => {
    target = await syncTarget();
    admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
  });
  afterEach(async () => {
    await admin.query(`alter database ${target.name} allow_connections true`);
    expect(killLeftovers()).toBe(0);
  });
  afterAll(async () => {
    await admin?.end();
    await target?.drop();
    tmp.cleanup();
  });

  /** A fresh node (data dir + strategy) syncing into the shared target. */
  async function node(name: string, batchSize = 500) {
    const dataDir = join(tmp.dir, name);
    const config = join(tmp.dir, `${name}.config.json`);
    writeFileSync(config, JSON.stringify({ sync: { batchSize } }));
    const env = { DCAP_CONFIG: config, DCAP_DATA_DIR: dataDir, DCAP_SUPABASE_DB_URL: target.url, DCAP_SUPABASE_USER_ID: target.userId, DCAP_LOG_LEVEL: 'warn' };
    const strat = dcapJson<{ webhookPath: string }>(['strategy', 'add', name, '--rate-limit', '0'], { env });
    const start = () => startDaemon(['webhook', 'start', '--port', '0'], { env });
    return { dataDir, env, strat, start };
  }
  const alert = (d: Daemon, path: string, id: string) =>
    fetch(d.url + path, { method: 'POST', body: JSON.stringify({ action: 'buy', symbol: 'EURUSD', qty: '0.1', id }) }).then((r) => {
      expect(r.status).toBe(200);
      return r.json();
    });
  const terminateSync = () => admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and application_name = 'dcap-sync'`, [target.name]);
  /** Same ids in the target as in the store, and nothing waiting. */
  async function converged(d: Daemon, dataDir: string) {
    await waitFor('lag back to zero', async () => {
      const s = (await healthz(d.url)).sync;
      return s.pending === 0 && s.lagMs === 0 && s.state !== 'backoff';
    }, 60_000);
    const local = localIds(dataDir, 'signals').sort();
    const ids = new Set(await remoteIds(target.url, 'tv_signals'));
    expect(local.filter((id) => !ids.has(id))).toEqual([]);
    const jobs = new Set(await remoteIds(target.url, 'jobs'));
    expect(localIds(dataDir, 'jobs').filter((id) => !jobs.has(id))).toEqual([]);
    expect((await healthz(d.url)).sync.dead).toBe(0);
    return local.length;
  }
  const remoteCount = async () => Number((await query<{ n: string }>(target.url, 'select count(*) as n from tv_signals'))[0]!.n);

  it('backends killed with pg_terminate_backend during a stream of alerts', async () => {
    const n = await node('killed');
    const d = await n.start();
    let killed = 0;
    const killer = setInterval(() => void terminateSync().then((r) => (killed += r.rows.length), () => {}), 150);
    try {
      for (let i = 0; i < 300; i++) {
        await alert(d, n.strat.webhookPath, `k${i}`);
        if (i % 50 === 0) await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      clearInterval(killer);
    }
    expect(killed).toBeGreaterThan(0);
    expect(await converged(d, n.dataDir)).toBe(300);
    expect(await d.stop()).toBe(0);
  }, 120_000);

  it('the database unreachable for a while, then back', async () => {
    const n = await node('outage');
    const d = await n.start();
    for (let i = 0; i < 20; i++) await alert(d, n.strat.webhookPath, `before${i}`);
    await waitFor('the first rows', async () => (await healthz(d.url)).sync.pending === 0);
    await admin.query(`alter database ${target.name} allow_connections false`);
    await terminateSync();
    // Intake never waits on the sync: alerts keep being answered while the target is gone.
    for (let i = 0; i < 200; i++) await alert(d, n.strat.webhookPath, `during${i}`);
    const during = await waitFor('the sync to notice the outage', async () => {
      const s = (await healthz(d.url)).sync;
      return s.pending > 0 && s.state === 'backoff' && s.lastError ? s : null;
    });
    expect(during!.lagMs).toBeGreaterThan(0);
    await admin.query(`alter database ${target.name} allow_connections true`);
    expect(await converged(d, n.dataDir)).toBe(220);
    expect(await d.stop()).toBe(0);
  }, 120_000);

  it('the daemon kill -9ed mid-batch, then restarted', async () => {
    // Small batches: the backlog takes many round trips, so the kill lands between two of them.
    const n = await node('kill9', 20);
    let d = await n.start();
    // A backlog first (target closed), so the kill lands while batches are in flight.
    const before = await remoteCount();
    await admin.query(`alter database ${target.name} allow_connections false`);
    await terminateSync();
    for (let i = 0; i < 600; i++) await alert(d, n.strat.webhookPath, `b${i}`);
    await admin.query(`alter database ${target.name} allow_connections true`);
    await waitFor('some rows to arrive', async () => (await remoteCount()) > before, 60_000);
    d.child.kill('SIGKILL');
    await d.exited;
    const landed = (await remoteCount()) - before;
    // Mid-batch: some of the backlog had arrived, not all of it.
    expect(landed).toBeGreaterThan(0);
    expect(landed).toBeLessThan(600);
    d = await n.start();
    expect(await converged(d, n.dataDir)).toBe(600);
    expect(await d.stop()).toBe(0);
  }, 120_000);
});
