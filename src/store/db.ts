import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { StoreTooNewError, StoreUnavailableError } from '../errors.js';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations/index.js';

export type DB = Database.Database;

export interface StoreOptions {
  /**
   * FULL (the default) fsyncs the WAL on every commit: what the webhook daemon needs before it
   * acknowledges an alert. Throwaway stores (replay, tests) may pass OFF.
   */
  synchronous?: 'FULL' | 'NORMAL' | 'OFF';
  readonly?: boolean;
}

export const DB_FILE = 'dcap.db';

/** The database file inside a data dir. */
export function storePath(dataDir: string): string {
  return join(dataDir, DB_FILE);
}

/**
 * Opens (creating if needed) a dcap SQLite database and brings its schema up to date.
 * `file` may be ':memory:' for a throwaway store. Refuses a database newer than this binary.
 */
export function openDb(file: string, opts: StoreOptions = {}): DB {
  let db: DB;
  try {
    if (file !== ':memory:' && !opts.readonly) mkdirSync(dirname(file), { recursive: true });
    db = new Database(file, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
  } catch (err) {
    throw new StoreUnavailableError(file, err);
  }
  try {
    // Another dcap process (a CLI command next to the daemon) may hold the write lock briefly.
    db.pragma('busy_timeout = 5000');
    const found = db.pragma('user_version', { simple: true }) as number;
    if (found > SCHEMA_VERSION) throw new StoreTooNewError(file, found, SCHEMA_VERSION);
    if (!opts.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${opts.synchronous ?? 'FULL'}`);
      db.pragma('foreign_keys = ON');
      migrate(db);
    } else if (found < SCHEMA_VERSION) {
      throw new StoreUnavailableError(file, new Error(`schema version ${found} is older than ${SCHEMA_VERSION}; open it read-write once to migrate`));
    }
    return db;
  } catch (err) {
    db.close();
    if (err instanceof StoreTooNewError || err instanceof StoreUnavailableError) throw err;
    throw new StoreUnavailableError(file, err);
  }
}

/**
 * Applies the missing migrations, each in its own IMMEDIATE transaction (taken before reading
 * user_version again, so two processes opening a new database at once cannot both migrate).
 */
function migrate(db: DB): void {
  for (const m of MIGRATIONS) {
    db.exec('BEGIN IMMEDIATE');
    try {
      const current = db.pragma('user_version', { simple: true }) as number;
      if (current >= m.version) {
        db.exec('COMMIT');
        continue;
      }
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
      db.exec('COMMIT');
    } catch (err) {
      db.exec('ROLLBACK');
      throw new Error(`migration ${m.version} (${m.name}) failed: ${(err as Error).message}`, { cause: err });
    }
  }
}
