/**
 * DESIGN.md section 10: graceful shutdown on SIGTERM/SIGINT (stop intake, drain, close), a
 * second signal forces the exit, and /healthz reports the store. A 2xx answered while the daemon
 * stops must still be durable.
 */
import { Pool } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { killLeftovers, startDaemon, tempDir } from '../helpers/daemon.js';
import { addStrategy, count, get, post, rawHttp, until, withStore, type Reply } from './support.js';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  expect(killLeftovers()).toBe(0);
});

function setup(prefix: string) {
  const tmp = tempDir(prefix);
  cleanups.push(tmp.cleanup);
  const strategy = addStrategy(tmp.dir, 'stop', ['--rate-limit', '0']);
  return { dir: tmp.dir, strategy, args: ['webhook', 'start', '--port', '0', '--data-dir', tmp.dir] };
}

describe('graceful shutdown', () => {
  it('SIGTERM during a stream: every 2xx is in the store and the process exits 0', { timeout: 60_000 }, async () => {
    const { dir, strategy, args } = setup('dcap-shutdown-');
    const daemon = await startDaemon(args);
    const pool = new Pool(daemon.url, { connections: 20, pipelining: 1 });
    cleanups.push(() => pool.destroy());

    const replies: { i: number; reply: Reply }[] = [];
    let next = 0;
    let stopped = false;
    let failures = 0;
    const lane = async () => {
      // Keep sending until the daemon stops answering: requests race the shutdown on purpose.
      while (failures < 20 && next < 20_000) {
        const i = next++;
        const body = JSON.stringify({ action: 'buy', symbol: 'EURUSD', qty: '0.01', id: `stop-${i}` });
        try {
          replies.push({ i, reply: await post(pool, strategy.webhookPath, body) });
        } catch {
          failures++;
        }
        if (!stopped && replies.length >= 300) {
          stopped = true;
          daemon.child.kill('SIGTERM');
        }
      }
    };
    await Promise.all(Array.from({ length: 20 }, lane));
    expect(await daemon.exited).toBe(0);
    expect(daemon.logs()).toContain('shutdown.done');

    const ok = replies.filter((r) => r.reply.status >= 200 && r.reply.status < 300);
    expect(ok.length).toBeGreaterThanOrEqual(300);
    // Nothing but accepted or 503 (nothing recorded, TradingView resends) may come back while stopping.
    for (const r of replies) expect([200, 503], r.reply.text).toContain(r.reply.status);
    withStore(dir, (db) => {
      const signal = db.prepare('SELECT outcome, job_id FROM signals WHERE id = ?');
      for (const { i, reply } of ok) {
        expect(reply.body?.status).toBe('accepted');
        const row = signal.get(reply.body!.signalId) as { outcome: string; job_id: string } | undefined;
        expect(row, `acknowledged alert ${i} is not in the store`).toEqual({ outcome: 'accepted', job_id: reply.body!.jobId });
        expect(count(db, 'SELECT count(*) FROM jobs WHERE id = ? AND signal_id = ?', reply.body!.jobId, reply.body!.signalId)).toBe(1);
        expect(count(db, 'SELECT count(*) FROM outbox WHERE aggregate_id IN (?, ?)', reply.body!.signalId, reply.body!.jobId)).toBe(2);
      }
      expect(count(db, `SELECT count(*) FROM (SELECT alert_id FROM signals GROUP BY alert_id HAVING count(*) > 1)`)).toBe(0);
    });
  });

  it('a second signal during a slow drain forces the exit', { timeout: 30_000 }, async () => {
    const { strategy, args } = setup('dcap-shutdown-force-');
    const daemon = await startDaemon(args);
    // A request whose body never finishes keeps the drain waiting on its connection.
    const slow = rawHttp(
      daemon.url,
      [`POST ${strategy.webhookPath} HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"action":`],
      { endAfter: 'keep', idleMs: 10_000 },
    );
    // Make sure the slow request has reached the daemon before stopping it.
    await until(async () => ((await get(daemon.url, '/healthz')).body as { intake?: unknown } | undefined) !== undefined);
    daemon.child.kill('SIGTERM');
    await until(() => daemon.logs().includes('shutdown.start'), 20);
    daemon.child.kill('SIGINT');
    const code = await daemon.exited;
    expect(daemon.logs()).toContain('shutdown.forced');
    expect(code).not.toBe(0);
    expect(daemon.logs()).not.toContain('shutdown.done');
    await slow;
  });

  it('SIGINT right after "listening on" still stops it gracefully (exit 0)', async () => {
    const { args } = setup('dcap-shutdown-int-');
    const daemon = await startDaemon(args);
    // Sent as soon as the line arrives: a supervisor may stop the daemon the moment it is ready.
    expect(await daemon.stop('SIGINT')).toBe(0);
  });
});

describe('/healthz', () => {
  it('answers 200 with the store status', async () => {
    const { args } = setup('dcap-health-');
    const daemon = await startDaemon(args);
    cleanups.push(async () => void (await daemon.stop()));
    const health = await get(daemon.url, '/healthz');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'ok', store: { ok: true } });
    expect(typeof (health.body!.store as { schemaVersion?: unknown }).schemaVersion).toBe('number');
  });
});
