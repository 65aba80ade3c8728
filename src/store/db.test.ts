import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT, StoreTooNewError } from '../errors.js';
import { openDb } from './db.js';
import { SCHEMA_VERSION } from './migrations/index.js';

const tmp = () => join(mkdtempSync(join(tmpdir(), 'dcap-db-')), 'dcap.db');

describe('openDb', () => {
  it('creates the schema in WAL mode with FULL sync', () => {
    const file = tmp();
    const db = openDb(file);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name").pluck().all();
    expect(tables).toEqual(expect.arrayContaining(['strategies', 'strategy_secrets', 'signals', 'jobs', 'outbox']));
    db.close();
    // Re-opening an up-to-date database changes nothing.
    const again = openDb(file);
    expect(again.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    again.close();
  });

  it('refuses a database written by a newer dcap, with its own exit code, and leaves it alone', () => {
    const file = tmp();
    const raw = new Database(file);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.exec('CREATE TABLE future (x)');
    raw.close();
    let caught: unknown;
    try {
      openDb(file);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(StoreTooNewError);
    expect((caught as StoreTooNewError).exitCode).toBe(EXIT.STORE_TOO_NEW);
    expect((caught as Error).message).toMatch(/newer dcap/);
    const check = new Database(file);
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 1);
    expect(check.prepare("SELECT count(*) FROM sqlite_master WHERE name='strategies'").pluck().get()).toBe(0);
    check.close();
  });
});
