import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultSettings } from '../src/core/settings.js';
import { DbWorker } from '../src/daemons/webhook/db-worker.js';
import { CommitError } from '../src/daemons/webhook/group-commit.js';
import { createLogger } from '../src/log.js';
import { openDb, type DB } from '../src/store/db.js';
import { createStrategy, type StrategyRow } from '../src/store/strategies.js';

// The worker script runs as compiled JavaScript: `npm run build` first, as for every test/ test.
const SCRIPT = new URL('../dist/daemons/webhook/db-worker-thread.js', import.meta.url);

describe('DbWorker (store writes in a worker thread, group-committed)', () => {
  let dir: string;
  let db: DB;
  let worker: DbWorker;
  let strategy: StrategyRow;

  const start = async () => {
    dir = mkdtempSync(join(tmpdir(), 'dcap-dbworker-'));
    const file = join(dir, 'dcap.db');
    db = openDb(file);
    strategy = createStrategy(db, 'fx', { ...defaultSettings(), rateLimit: 0 }, Date.now()).strategy;
    worker = new DbWorker({ file, dedupWindowMs: 10_000, log: createLogger('error'), script: SCRIPT });
    await worker.start();
  };
  const alert = (id: string) => ({ body: JSON.stringify({ action: 'buy', symbol: 'EURUSD', id }), receivedAt: Date.now() });
  const count = (table: string) => db.prepare(`SELECT count(*) FROM ${table}`).pluck().get();

  afterEach(async () => {
    await worker.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs ops in the order posted: a resend queued right behind the first is its duplicate', async () => {
    await start();
    const replies = await Promise.all(['a', 'b', 'a', 'c', 'b'].map((id) => worker.write('record', strategy, alert(id))));
    expect(replies.map((r) => r.body!.status)).toEqual(['accepted', 'accepted', 'duplicate', 'accepted', 'duplicate']);
    expect(replies[2]!.body!.signalId).toBe(replies[0]!.body!.signalId);
    expect(worker.stats).toMatchObject({ units: 5, lastError: null });
    // Committed before the replies came: another connection sees every row.
    expect(count('signals')).toBe(5);
    expect(count('jobs')).toBe(3);
  });

  it('rolls back a failing op alone; the rest of its batch commits', async () => {
    await start();
    const ghost = { ...strategy, id: 'no-such-strategy' }; // the signal's foreign key fails
    const [ok1, bad, ok2] = await Promise.allSettled([
      worker.write('record', strategy, alert('x')),
      worker.write('record', ghost, alert('y')),
      worker.write('record', strategy, alert('z')),
    ]);
    expect(ok1.status).toBe('fulfilled');
    expect(ok2.status).toBe('fulfilled');
    expect(bad.status).toBe('rejected');
    expect((bad as PromiseRejectedResult).reason).not.toBeInstanceOf(CommitError);
    expect(db.prepare('SELECT alert_id FROM signals ORDER BY received_at, id').pluck().all().sort()).toEqual(['x', 'z']);
  });

  it('rejects every op of a batch whose commit fails, with CommitError; the next batch commits', async () => {
    await start();
    db.exec('BEGIN IMMEDIATE'); // another process holds the write lock past the worker's busy timeout
    const results = await Promise.allSettled([worker.write('record', strategy, alert('p')), worker.write('record', strategy, alert('q'))]);
    db.exec('ROLLBACK');
    for (const r of results) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(CommitError);
    expect(worker.stats.lastError).toMatch(/locked|busy/i);
    expect(count('signals')).toBe(0);
    expect((await worker.write('record', strategy, alert('p'))).body!.status).toBe('accepted');
    expect(worker.stats.lastError).toBeNull();
  });

  it('a dead worker fails its ops with CommitError, then comes back; close() drains', async () => {
    await start();
    await (worker as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    await expect(worker.write('record', strategy, alert('k'))).rejects.toBeInstanceOf(CommitError);
    expect(worker.down).not.toBeNull();
    while (worker.down !== null) await new Promise((r) => setTimeout(r, 50));
    const pending = worker.write('record', strategy, alert('k'));
    await worker.close();
    expect((await pending).body!.status).toBe('accepted');
    await expect(worker.write('record', strategy, alert('m'))).rejects.toBeInstanceOf(CommitError);
    expect(count('signals')).toBe(1);
  });
});
