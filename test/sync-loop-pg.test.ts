import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/log.js';
import { openDb, type DB } from '../src/store/db.js';
import { newId } from '../src/store/ids.js';
import { appendOutbox } from '../src/store/outbox.js';
import { SyncLoop } from '../src/sync/loop.js';
import { classifyPgError, PgSink } from '../src/sync/sink-pg.js';
import { requeueDead } from '../src/sync/queries.js';
import { tempDir } from './helpers/daemon.js';
import { pgAvailable } from './helpers/pg.js';
import { query, syncTarget } from './helpers/sync.js';

/** The loop and the Postgres sink on real data: dead letters, their re-queue, the auth pause. */
describe.skipIf(!(await pgAvailable()))('sync loop with the Postgres sink', () => {
  const tmp = tempDir();
  let target: Awaited<ReturnType<typeof syncTarget>>;
  let db: DB;
  beforeAll(async () => {
    target = await syncTarget();
    db = openDb(join(tmp.dir, 'dcap.db'));
  });
  afterAll(async () => {
    db?.close();
    await target?.drop();
    tmp.cleanup();
  });

  const loop = (url = target.url) =>
    new SyncLoop({ db, sink: new PgSink(url), log: createLogger('error'), map: { userId: target.userId, nodeId: null }, batchSize: 50, intervalMs: 20, backoffBaseMs: 10, backoffMaxMs: 50 });
  const signal = (overrides: Record<string, unknown> = {}) => {
    const id = newId();
    const now = Date.now();
    appendOutbox(db, { aggregate: 'signal', aggregateId: id, type: 'signal.recorded', payload: { id, strategyId: newId(), receivedAt: now, rawBody: 'b', bodyHash: 'h', outcome: 'accepted', httpStatus: 200, ...overrides } }, now);
    return id;
  };
  const dead = () => db.prepare('SELECT type, aggregate_id AS id, last_error AS error FROM outbox WHERE dead = 1 ORDER BY seq').all() as { type: string; id: string; error: string }[];

  it('a row the target refuses goes dead with its error; the rest of its batch arrives; retry-dead re-queues it', async () => {
    const good = [signal(), signal(), signal()];
    const bad = signal({ httpStatus: 'two hundred' }); // 22P02 in the target: permanent
    const later = signal();
    const unknown = newId();
    appendOutbox(db, { aggregate: 'x', aggregateId: unknown, type: 'x.unknown', payload: {} }, Date.now());
    // A change to a row the target never got (its first event went dead).
    appendOutbox(db, { aggregate: 'signal', aggregateId: bad, type: 'signal.updated', payload: { id: bad, status: 'executed', updatedAt: Date.now() + 1 } }, Date.now());
    const result = await loop().drain();
    expect(result.ok).toBe(false);
    expect(dead()).toEqual([
      { type: 'signal.recorded', id: bad, error: expect.stringMatching(/22P02/) },
      { type: 'x.unknown', id: unknown, error: expect.stringContaining('unknown outbox event type') },
      { type: 'signal.updated', id: bad, error: expect.stringContaining('not in the target') },
    ]);
    const ids = (await query<{ id: string }>(target.url, 'select id::text from tv_signals')).map((r) => r.id).sort();
    expect(ids).toEqual([...good, later].sort());

    // Fixed at the source (here: the payload), re-queued, sent in the original order.
    db.prepare(`UPDATE outbox SET payload = json_set(payload, '$.httpStatus', 200) WHERE aggregate_id = ? AND type = 'signal.recorded'`).run(bad);
    db.prepare(`DELETE FROM outbox WHERE type = 'x.unknown'`).run();
    expect(requeueDead(db)).toBe(2);
    expect(await loop().drain()).toEqual({ ok: true, error: null });
    expect(await query(target.url, 'select status from tv_signals where id = $1', [bad])).toEqual([{ status: 'executed' }]);
  });

  it('an auth failure pauses without touching any row; a resend after a commit is harmless', async () => {
    const id = signal();
    const wrong = new URL(target.url);
    wrong.username = 'no_such_role_dcap';
    const l = loop(wrong.toString());
    const r = await l.drain();
    expect(r.ok).toBe(false);
    expect(l.snapshot()).toMatchObject({ state: 'paused-auth', pending: 1, dead: 0, lastError: expect.stringContaining('28000') });
    await l.stop();
    expect(await loop().drain()).toEqual({ ok: true, error: null });
    // The same row again (a crash between the remote commit and the local mark): still one row, unchanged.
    db.prepare('UPDATE outbox SET synced_at = NULL WHERE aggregate_id = ?').run(id);
    expect(await loop().drain()).toEqual({ ok: true, error: null });
    expect(await query(target.url, 'select count(*)::int as n from tv_signals where id = $1', [id])).toEqual([{ n: 1 }]);
  });

  it('classifies Postgres errors by SQLSTATE', () => {
    const e = (code?: string) => Object.assign(new Error('x'), code ? { code } : {});
    expect(classifyPgError(e('28P01'))).toBe('auth');
    expect(classifyPgError(e('42P01'))).toBe('auth'); // the schema is missing: pause, do not dead-letter
    expect(classifyPgError(e('08006'))).toBe('retry');
    expect(classifyPgError(e('40001'))).toBe('retry');
    expect(classifyPgError(e('57P01'))).toBe('retry');
    expect(classifyPgError(e('23505'))).toBe('permanent');
    expect(classifyPgError(e('22P02'))).toBe('permanent');
    expect(classifyPgError(e('ECONNREFUSED'))).toBe('retry');
    expect(classifyPgError(e())).toBe('retry');
  });
});
