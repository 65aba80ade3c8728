import { describe, expect, it } from 'vitest';
import { openDb } from '../../store/db.js';
import { CommitError, GroupCommit } from './group-commit.js';

function setup() {
  const db = openDb(':memory:');
  db.exec('CREATE TABLE t (v INTEGER NOT NULL)');
  return { db, gc: new GroupCommit(db, 3) };
}

describe('GroupCommit', () => {
  it('commits work queued in one turn together, in batches of at most maxBatch', async () => {
    const { db, gc } = setup();
    const results = await Promise.all([1, 2, 3, 4, 5].map((v) => gc.run(() => db.prepare('INSERT INTO t VALUES (?)').run(v).changes)));
    expect(results).toEqual([1, 1, 1, 1, 1]);
    expect(db.prepare('SELECT v FROM t ORDER BY rowid').pluck().all()).toEqual([1, 2, 3, 4, 5]);
    expect(gc.stats.batches).toBe(2);
    expect(gc.stats.units).toBe(5);
  });

  it('rolls back a unit that throws, alone: the rest of its batch commits', async () => {
    const { db, gc } = setup();
    const ok = gc.run(() => db.prepare('INSERT INTO t VALUES (1)').run());
    const bad = gc.run(() => {
      db.prepare('INSERT INTO t VALUES (2)').run();
      throw new Error('boom');
    });
    const ok2 = gc.run(() => db.prepare('INSERT INTO t VALUES (3)').run());
    await expect(bad).rejects.toThrow('boom');
    await ok;
    await ok2;
    expect(db.prepare('SELECT v FROM t ORDER BY v').pluck().all()).toEqual([1, 3]);
  });

  it('rejects every unit of a batch whose transaction cannot start, and recovers after', async () => {
    const { db, gc } = setup();
    db.exec('BEGIN'); // someone else's open transaction makes BEGIN IMMEDIATE fail
    const a = gc.run(() => db.prepare('INSERT INTO t VALUES (1)').run());
    const b = gc.run(() => db.prepare('INSERT INTO t VALUES (2)').run());
    await expect(a).rejects.toBeInstanceOf(CommitError);
    await expect(b).rejects.toBeInstanceOf(CommitError);
    expect(gc.stats.failedBatches).toBe(1);
    expect(db.inTransaction).toBe(false);
    await gc.run(() => db.prepare('INSERT INTO t VALUES (3)').run());
    expect(db.prepare('SELECT v FROM t').pluck().all()).toEqual([3]);
    expect(gc.stats.lastError).toBeNull();
  });

  it('drain() waits for queued work', async () => {
    const { db, gc } = setup();
    void gc.run(() => db.prepare('INSERT INTO t VALUES (1)').run());
    await gc.drain();
    expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(1);
    await gc.drain();
  });
});
