import { describe, expect, it } from 'vitest';
import { openDb } from '../../store/db.js';
import { CommitError, commitBatch } from './group-commit.js';

function setup() {
  const db = openDb(':memory:');
  db.exec('CREATE TABLE t (v INTEGER NOT NULL)');
  const insert = (v: number) => () => db.prepare('INSERT INTO t VALUES (?)').run(v).changes;
  const values = () => db.prepare('SELECT v FROM t ORDER BY rowid').pluck().all();
  return { db, insert, values };
}

describe('commitBatch', () => {
  it('runs the units in order in one transaction; later units see earlier ones', () => {
    const { db, insert, values } = setup();
    const seen = () => db.prepare('SELECT count(*) FROM t').pluck().get();
    const out = commitBatch(db, [insert(1), insert(2), seen, insert(3)]);
    expect(out).toEqual([
      { ok: true, value: 1 },
      { ok: true, value: 1 },
      { ok: true, value: 2 },
      { ok: true, value: 1 },
    ]);
    expect(values()).toEqual([1, 2, 3]);
    expect(db.inTransaction).toBe(false);
  });

  it('rolls back a unit that throws, alone: the rest of its batch commits', () => {
    const { db, insert, values } = setup();
    const bad = () => {
      db.prepare('INSERT INTO t VALUES (2)').run();
      throw new Error('boom');
    };
    const out = commitBatch(db, [insert(1), bad, insert(3)]);
    expect(out[1]).toMatchObject({ ok: false, error: expect.objectContaining({ message: 'boom' }) });
    expect(out[0]!.ok && out[2]!.ok).toBe(true);
    expect(values()).toEqual([1, 3]);
  });

  it('keeps nothing of a batch whose transaction fails, and works again after', () => {
    const { db, insert, values } = setup();
    db.exec('BEGIN'); // someone else's open transaction makes BEGIN IMMEDIATE fail
    expect(() => commitBatch(db, [insert(1), insert(2)])).toThrow(CommitError);
    // A failing COMMIT (a deferred foreign key still violated) rolls back every unit.
    db.exec('CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (p INTEGER REFERENCES p(id) DEFERRABLE INITIALLY DEFERRED)');
    expect(() => commitBatch(db, [insert(4), () => db.prepare('INSERT INTO c VALUES (9)').run()])).toThrow(CommitError);
    expect(db.inTransaction).toBe(false);
    expect(values()).toEqual([]);
    commitBatch(db, [insert(3)]);
    expect(values()).toEqual([3]);
  });
});
