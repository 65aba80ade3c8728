/**
 * DESIGN.md section 4: rotation keeps the old secret valid for a grace period, then 404; a
 * disabled strategy's alerts are recorded as `discarded`; a removed strategy's URL is 404. All
 * of it through the real CLI while the daemon runs (it reads secrets from the store per request).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { killLeftovers, startDaemon, tempDir, type Daemon } from '../helpers/daemon.js';
import { addStrategy, count, post, strategyCmd, until, withStore, type CreatedStrategy } from './support.js';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  expect(killLeftovers()).toBe(0);
});

let seq = 0;
/** A fresh valid alert each time (explicit id), so dedup never turns an answer into `duplicate`. */
const alert = () => JSON.stringify({ action: 'buy', symbol: 'EURUSD', qty: '0.01', id: `rot-${++seq}` });

async function setup(): Promise<{ dir: string; daemon: Daemon; strategy: CreatedStrategy }> {
  const tmp = tempDir('dcap-rotation-');
  cleanups.push(tmp.cleanup);
  const strategy = addStrategy(tmp.dir, 'rot', ['--rate-limit', '0']);
  const daemon = await startDaemon(['webhook', 'start', '--port', '0', '--data-dir', tmp.dir]);
  cleanups.push(async () => void (await daemon.stop()));
  return { dir: tmp.dir, daemon, strategy };
}

interface Rotated {
  secret: string;
  webhookPath: string;
}

describe('secret rotation', () => {
  it('keeps the old secret working for the grace period, then 404; the new one works throughout', { timeout: 60_000 }, async () => {
    const { dir, daemon, strategy } = await setup();
    expect((await post(daemon.url, strategy.webhookPath, alert())).status).toBe(200);

    // A long grace first: the old secret must keep working (no clock involved in this assertion).
    const rotated = strategyCmd(dir, ['rotate-secret', 'rot', '--grace', '1h']) as Rotated;
    expect(rotated.secret).not.toBe(strategy.secret);
    expect(rotated.webhookPath).toBe(`/webhooks/tv/${rotated.secret}`);
    expect((await post(daemon.url, strategy.webhookPath, alert())).body).toMatchObject({ status: 'accepted' });
    expect((await post(daemon.url, rotated.webhookPath, alert())).body).toMatchObject({ status: 'accepted' });

    // Rotating again with a short grace ends both older secrets' grace periods within 2 s.
    const latest = strategyCmd(dir, ['rotate-secret', 'rot', '--grace', '2s']) as Rotated;
    expect((await post(daemon.url, latest.webhookPath, alert())).body).toMatchObject({ status: 'accepted' });
    await until(async () => (await post(daemon.url, rotated.webhookPath, alert())).status === 404, 200);
    expect((await post(daemon.url, strategy.webhookPath, alert())).status).toBe(404);
    expect((await post(daemon.url, latest.webhookPath, alert())).body).toMatchObject({ status: 'accepted' });

    // Once expired, it stays expired.
    for (let i = 0; i < 3; i++) expect((await post(daemon.url, rotated.webhookPath, alert())).status).toBe(404);
    // A 404 is not recorded: every recorded signal came through a working secret.
    withStore(dir, (db) => expect(count(db, `SELECT count(*) FROM signals WHERE outcome <> 'accepted'`)).toBe(0));
  });

  it('--grace 0 kills the old secret at once', async () => {
    const { dir, daemon, strategy } = await setup();
    const rotated = strategyCmd(dir, ['rotate-secret', 'rot', '--grace', '0']) as Rotated;
    expect((await post(daemon.url, strategy.webhookPath, alert())).status).toBe(404);
    expect((await post(daemon.url, rotated.webhookPath, alert())).body).toMatchObject({ status: 'accepted' });

    // Rotating again with grace 0 kills the secret that was current, and never revives an older one.
    const third = strategyCmd(dir, ['rotate-secret', 'rot', '--grace', '0']) as Rotated;
    expect((await post(daemon.url, rotated.webhookPath, alert())).status).toBe(404);
    expect((await post(daemon.url, strategy.webhookPath, alert())).status).toBe(404);
    expect((await post(daemon.url, third.webhookPath, alert())).status).toBe(200);
  });

  it('a second rotation during a grace period never extends the oldest secret', { timeout: 60_000 }, async () => {
    const { dir, daemon, strategy } = await setup();
    strategyCmd(dir, ['rotate-secret', 'rot', '--grace', '2s']);
    const second = strategyCmd(dir, ['rotate-secret', 'rot', '--grace', '1h']) as Rotated;
    await until(async () => (await post(daemon.url, strategy.webhookPath, alert())).status === 404, 200);
    expect((await post(daemon.url, second.webhookPath, alert())).status).toBe(200);
  });
});

describe('disable, enable, remove', () => {
  it('disabled -> 200 discarded (recorded, no job); enabled again -> accepted; removed -> 404', async () => {
    const { dir, daemon, strategy } = await setup();
    strategyCmd(dir, ['disable', 'rot']);
    const discarded = await post(daemon.url, strategy.webhookPath, alert());
    expect(discarded.status).toBe(200);
    expect(discarded.body).toMatchObject({ status: 'discarded' });
    withStore(dir, (db) => {
      const row = db.prepare('SELECT outcome, job_id FROM signals WHERE id = ?').get(discarded.body!.signalId) as Record<string, unknown>;
      expect(row).toEqual({ outcome: 'discarded', job_id: null });
      expect(count(db, 'SELECT count(*) FROM jobs')).toBe(0);
    });

    strategyCmd(dir, ['enable', 'rot']);
    const accepted = await post(daemon.url, strategy.webhookPath, alert());
    expect(accepted.body).toMatchObject({ status: 'accepted' });
    withStore(dir, (db) => expect(count(db, 'SELECT count(*) FROM jobs')).toBe(1));

    strategyCmd(dir, ['remove', 'rot']);
    const signalsBefore = withStore(dir, (db) => count(db, 'SELECT count(*) FROM signals'));
    const gone = await post(daemon.url, strategy.webhookPath, alert());
    expect(gone.status).toBe(404);
    expect(gone.text).toBe('');
    withStore(dir, (db) => expect(count(db, 'SELECT count(*) FROM signals')).toBe(signalsBefore));

    // A new strategy with the same name gets a new secret; the removed one's stays dead.
    const again = addStrategy(dir, 'rot', ['--rate-limit', '0']);
    expect(again.secret).not.toBe(strategy.secret);
    expect((await post(daemon.url, strategy.webhookPath, alert())).status).toBe(404);
    expect((await post(daemon.url, again.webhookPath, alert())).body).toMatchObject({ status: 'accepted' });
  });
});
