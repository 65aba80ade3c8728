/**
 * DESIGN.md section 10: nothing acknowledged is ever lost, not on kill -9. The daemon answers
 * 200 `accepted` only after the signal, its job and their outbox rows committed durably, so a
 * SIGKILL in the middle of a concurrent stream may lose unanswered alerts but never answered ones,
 * and the explicit `id` keeps a resend from ever trading twice.
 */
import { Pool } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { killLeftovers, startDaemon, tempDir } from '../helpers/daemon.js';
import { addStrategy, count, mapLimit, post, withStore, type Reply } from './support.js';

const TOTAL = 3000;
const IN_FLIGHT = 50;
const KILL_AFTER = 1000;

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  expect(killLeftovers()).toBe(0);
});

function alertBody(i: number): string {
  // Distinct symbols and sizes too, so a row mixed up with another alert's would show.
  return JSON.stringify({ action: i % 2 ? 'buy' : 'sell', symbol: 'OANDA:EURUSD', qty: ((i % 50) + 1) / 100, id: `k9-${i}` });
}

describe('kill -9 in the middle of a concurrent stream', () => {
  it('keeps every acknowledged alert (signal + job + outbox) and dedups its resend', { timeout: 120_000 }, async () => {
    const tmp = tempDir('dcap-kill9-');
    cleanups.push(tmp.cleanup);
    const strategy = addStrategy(tmp.dir, 'kill9', ['--rate-limit', '0']);
    const args = ['webhook', 'start', '--port', '0', '--data-dir', tmp.dir];

    const first = await startDaemon(args);
    const pool = new Pool(first.url, { connections: IN_FLIGHT, pipelining: 1 });
    cleanups.push(() => pool.destroy());

    const replies = new Array<Reply | undefined>(TOTAL);
    let answered = 0;
    let sent = 0;
    let killed = false;
    await mapLimit(
      Array.from({ length: TOTAL }, (_, i) => i),
      IN_FLIGHT,
      async (i) => {
        if (killed) return; // stop sending once the daemon is gone: the rest were never sent
        sent++;
        try {
          replies[i] = await post(pool, strategy.webhookPath, alertBody(i));
        } catch {
          return; // no reply: the daemon died with this request in flight
        }
        if (++answered === KILL_AFTER && !killed) {
          killed = true;
          first.child.kill('SIGKILL');
        }
      },
    );
    await first.exited;
    await pool.destroy();

    const accepted = new Map<number, { signalId: string; jobId: string }>();
    replies.forEach((r, i) => {
      if (!r) return;
      // Before the kill every answer must be a clean accept: nothing else is expected of a valid alert.
      expect(r.status, `alert ${i}: ${r.text}`).toBe(200);
      expect(r.body?.status, `alert ${i}: ${r.text}`).toBe('accepted');
      accepted.set(i, { signalId: r.body!.signalId as string, jobId: r.body!.jobId as string });
    });
    expect(accepted.size).toBeGreaterThanOrEqual(KILL_AFTER);
    // The kill really hit requests in flight (else this test would prove nothing about them).
    expect(killed).toBe(true);
    expect(sent).toBeGreaterThan(answered);

    const second = await startDaemon(args);
    cleanups.push(async () => void (await second.stop()));

    withStore(tmp.dir, (db) => {
      const signal = db.prepare('SELECT id, outcome, alert_id, job_id, raw_body FROM signals WHERE id = ?');
      const job = db.prepare('SELECT id, signal_id, status FROM jobs WHERE id = ?');
      const outbox = db.prepare('SELECT type FROM outbox WHERE aggregate_id = ? ORDER BY seq');
      for (const [i, ids] of accepted) {
        const s = signal.get(ids.signalId) as { outcome: string; alert_id: string; job_id: string; raw_body: string } | undefined;
        expect(s, `accepted alert ${i} (signal ${ids.signalId}) is missing after kill -9`).toBeDefined();
        expect(s).toMatchObject({ outcome: 'accepted', alert_id: `k9-${i}`, job_id: ids.jobId, raw_body: alertBody(i) });
        expect(job.get(ids.jobId), `job of accepted alert ${i}`).toMatchObject({ signal_id: ids.signalId, status: 'pending' });
        expect(outbox.pluck().all(ids.signalId), `outbox of signal ${i}`).toEqual(['signal.recorded']);
        expect(outbox.pluck().all(ids.jobId), `outbox of job ${i}`).toEqual(['job.created']);
      }
      // Alerts without a reply may or may not be there, but never twice, and every job has its signal.
      expect(count(db, `SELECT count(*) FROM (SELECT alert_id FROM signals GROUP BY alert_id HAVING count(*) > 1)`)).toBe(0);
      expect(count(db, `SELECT count(*) FROM jobs j LEFT JOIN signals s ON s.id = j.signal_id WHERE s.id IS NULL OR s.job_id <> j.id`)).toBe(0);
      expect(count(db, `SELECT count(*) FROM signals WHERE outcome = 'accepted' AND job_id IS NULL`)).toBe(0);
      expect(count(db, 'SELECT count(*) FROM jobs')).toBe(count(db, `SELECT count(*) FROM signals WHERE outcome = 'accepted'`));
    });
    const jobsBefore = withStore(tmp.dir, (db) => count(db, 'SELECT count(*) FROM jobs'));

    const again = new Pool(second.url, { connections: IN_FLIGHT, pipelining: 1 });
    cleanups.push(() => again.destroy());
    const entries = [...accepted];
    const resent = await mapLimit(entries, IN_FLIGHT, ([i]) => post(again, strategy.webhookPath, alertBody(i)));
    resent.forEach((r, k) => {
      const [i, ids] = entries[k]!;
      expect(r.status, `resend of alert ${i}: ${r.text}`).toBe(200);
      expect(r.body, `resend of alert ${i}`).toMatchObject({ status: 'duplicate', signalId: ids.signalId });
    });
    withStore(tmp.dir, (db) => {
      expect(count(db, 'SELECT count(*) FROM jobs'), 'a duplicate created a job').toBe(jobsBefore);
      expect(count(db, `SELECT count(*) FROM signals WHERE outcome = 'duplicate'`)).toBe(accepted.size);
    });
    expect(await second.stop()).toBe(0);
  });
});
