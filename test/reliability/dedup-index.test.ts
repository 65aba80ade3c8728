/**
 * The dedup look-ups run for every alert, inside the write transaction. If one scans every signal
 * of the strategy instead of using its partial index, intake slows down linearly with the store
 * (quadratically over a replay): bench/intake.mjs showed replay at ~250 alerts/s on 20,000 alerts.
 * Checked through the query plan of the real statements, not by timing.
 */
import type { Database } from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDb } from '../../src/store/db.js';
import { findByAlertId, findByBodyHash } from '../../src/store/signals.js';
import { tempDir } from '../helpers/daemon.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).reverse().forEach((c) => c()));

/** The SQL each call prepares, captured by wrapping db.prepare. */
function capture(db: Database, call: (db: Database) => void): string[] {
  const seen: string[] = [];
  const spy = new Proxy(db, {
    get(target, prop) {
      if (prop === 'prepare') return (sql: string) => (seen.push(sql), target.prepare(sql));
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  call(spy);
  return seen;
}

function plan(db: Database, sql: string, params: unknown[]): string {
  return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail).join('; ');
}

describe('dedup look-ups use their partial indexes', () => {
  const open = () => {
    const tmp = tempDir('dcap-plan-');
    const db = openDb(join(tmp.dir, 'dcap.db'));
    cleanups.push(tmp.cleanup, () => db.close());
    return db;
  };

  it('by explicit alert id: signals_alert_id, not a scan of the strategy', () => {
    const db = open();
    const [sql] = capture(db, (d) => findByAlertId(d, 'strategy', 'alert-1'));
    expect(sql).toBeDefined();
    expect(plan(db, sql!, ['strategy', 'alert-1'])).toContain('signals_alert_id');
  });

  it('by identical body within the window: signals_body_hash', () => {
    const db = open();
    const [sql] = capture(db, (d) => findByBodyHash(d, 'strategy', 'hash', 0));
    expect(sql).toBeDefined();
    expect(plan(db, sql!, ['strategy', 'hash', 0])).toContain('signals_body_hash');
  });
});
