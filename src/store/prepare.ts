import type { Statement } from 'better-sqlite3';
import type { DB } from './db.js';

const caches = new WeakMap<DB, Map<string, Statement>>();

/** A prepared statement, compiled once per database connection and reused. */
export function prepared(db: DB, sql: string): Statement {
  let cache = caches.get(db);
  if (!cache) {
    cache = new Map();
    caches.set(db, cache);
  }
  let stmt = cache.get(sql);
  if (!stmt) {
    stmt = db.prepare(sql);
    cache.set(sql, stmt);
  }
  return stmt;
}
