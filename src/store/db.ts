import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { StoreTooNewError, StoreUnavailableError } from '../errors.js';
import { MIGRATIONS } from './migrations/index.js';

export type DB = Database.Database;

/** A numbered schema step. Other stores (the agent's agent.db) pass their own list to openDb. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

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
export function openDb(file: string, opts: StoreOptions = {}, migrations: readonly Migration[] = MIGRATIONS): DB {
  const schemaVersion = migrations[migrations.length - 1]!.version;
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
    if (found > schemaVersion) throw new StoreTooNewError(file, found, schemaVersion);
    if (!opts.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${opts.synchronous ?? 'FULL'}`);
      db.pragma('foreign_keys = ON');
      migrate(db, migrations);
    } else if (found < schemaVersion) {
      throw new StoreUnavailableError(file, new Error(`schema version ${found} is older than ${schemaVersion}; open it read-write once to migrate`));
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
function migrate(db: DB, migrations: readonly Migration[]): void {
  for (const m of migrations) {
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
