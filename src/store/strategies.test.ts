import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defaultSettings } from '../core/settings.js';
import { UserError } from '../errors.js';
import { openDb, type DB } from './db.js';
import {
  createStrategy,
  findStrategyBySecret,
  getStrategyById,
  getStrategyByName,
  listSecrets,
  listStrategies,
  removeStrategy,
  rotateStrategySecret,
  setStrategyEnabled,
  updateStrategySettings,
  upsertStrategies,
} from './strategies.js';

// Wrap the real timingSafeEqual so the test can see the lookup goes through it.
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>();
  return { ...real, timingSafeEqual: vi.fn(real.timingSafeEqual) };
});
const crypto = await import('node:crypto');

const T0 = 1_700_000_000_000;
const HOUR = 3_600_000;
let dir: string;
let db: DB;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dcap-strategies-'));
  db = openDb(join(dir, 'dcap.db'), { synchronous: 'OFF' });
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const outbox = () =>
  db.prepare('SELECT aggregate, aggregate_id, type, payload, created_at FROM outbox ORDER BY seq').all() as {
    aggregate: string;
    aggregate_id: string;
    type: string;
    payload: string;
    created_at: number;
  }[];
const counts = () => db.prepare('SELECT (SELECT count(*) FROM strategies) s, (SELECT count(*) FROM strategy_secrets) k, (SELECT count(*) FROM outbox) o').get();

describe('createStrategy and secret lookup', () => {
  it('stores only a hash and prefix; the secret finds its strategy', () => {
    const { strategy, secret } = createStrategy(db, 'trend', { ...defaultSettings(), symbols: ['EURUSD'] }, T0);
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 bytes, base64url
    const stored = db.prepare('SELECT hash, prefix FROM strategy_secrets').all() as { hash: string; prefix: string }[];
    expect(stored).toHaveLength(1);
    expect(stored[0]!.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored[0]!.prefix).toBe(secret.slice(0, 8));
    expect(JSON.stringify(db.prepare('SELECT * FROM strategy_secrets').all())).not.toContain(secret);

    vi.mocked(crypto.timingSafeEqual).mockClear();
    const found = findStrategyBySecret(db, secret, T0 + 1);
    expect(found?.strategy.id).toBe(strategy.id);
    expect(found?.secretPrefix).toBe(secret.slice(0, 8));
    expect(found?.strategy.settings.symbols).toEqual(['EURUSD']);
    expect(crypto.timingSafeEqual).toHaveBeenCalledTimes(1);

    expect(findStrategyBySecret(db, `${secret}x`, T0)).toBeUndefined();
    expect(findStrategyBySecret(db, secret.slice(0, 8), T0)).toBeUndefined();
    expect(findStrategyBySecret(db, '', T0)).toBeUndefined();
  });

  it('gives each strategy its own secret and refuses a duplicate name, changing nothing', () => {
    const a = createStrategy(db, 'a', defaultSettings(), T0);
    const b = createStrategy(db, 'b', defaultSettings(), T0);
    expect(a.secret).not.toBe(b.secret);
    expect(findStrategyBySecret(db, b.secret, T0)?.strategy.name).toBe('b');
    const before = counts();
    expect(() => createStrategy(db, 'a', defaultSettings(), T0)).toThrow(/already exists/);
    expect(() => createStrategy(db, 'bad name', defaultSettings(), T0)).toThrow(UserError);
    expect(() => createStrategy(db, 'c', { ...defaultSettings(), lots: -1 }, T0)).toThrow(/lots/);
    expect(counts()).toEqual(before);
  });

  it('still finds a disabled strategy (the daemon discards its alerts)', () => {
    const { secret } = createStrategy(db, 'trend', defaultSettings(), T0);
    setStrategyEnabled(db, 'trend', false, T0 + 1);
    expect(findStrategyBySecret(db, secret, T0 + 2)?.strategy.enabled).toBe(false);
  });
});

describe('rotateStrategySecret', () => {
  it('keeps the old secret through the grace period and not a millisecond after', () => {
    const { secret: old } = createStrategy(db, 'trend', defaultSettings(), T0);
    const r = rotateStrategySecret(db, 'trend', 24 * HOUR, T0 + HOUR);
    expect(r.previousExpiresAt).toBe(T0 + 25 * HOUR);
    expect(r.secret).not.toBe(old);
    const end = T0 + 25 * HOUR;
    expect(findStrategyBySecret(db, old, end - 1)?.strategy.name).toBe('trend');
    expect(findStrategyBySecret(db, old, end)).toBeUndefined();
    expect(findStrategyBySecret(db, r.secret, end + 365 * 24 * HOUR)?.strategy.name).toBe('trend');
    const infos = listSecrets(db, r.strategy.id, T0 + HOUR);
    expect(infos.map((i) => i.expiresAt)).toEqual([end, null]);
    expect(listSecrets(db, r.strategy.id, end)).toHaveLength(1);
  });

  it('with grace 0 kills every older secret at once, and never extends one', () => {
    const { secret: s1 } = createStrategy(db, 'trend', defaultSettings(), T0);
    const { secret: s2 } = rotateStrategySecret(db, 'trend', HOUR, T0);
    const { secret: s3 } = rotateStrategySecret(db, 'trend', 48 * HOUR, T0 + 1);
    // s1's expiry stays T0 + 1h: the second rotation did not extend it.
    expect(findStrategyBySecret(db, s1, T0 + HOUR)).toBeUndefined();
    expect(findStrategyBySecret(db, s2, T0 + HOUR)).toBeDefined();
    const r = rotateStrategySecret(db, 'trend', 0, T0 + 2);
    for (const s of [s1, s2, s3]) expect(findStrategyBySecret(db, s, T0 + 2)).toBeUndefined();
    expect(findStrategyBySecret(db, r.secret, T0 + 2)).toBeDefined();
    expect(() => rotateStrategySecret(db, 'nope', 0, T0)).toThrow('no strategy named "nope" (see dcap strategy list)');
  });

  it('writes no outbox row: no secret or hash ever leaves the node', () => {
    createStrategy(db, 'trend', defaultSettings(), T0);
    const n = outbox().length;
    rotateStrategySecret(db, 'trend', HOUR, T0 + 1);
    expect(outbox()).toHaveLength(n);
  });
});

describe('removeStrategy', () => {
  it('deletes the secrets, keeps the row for recorded signals, and frees the name', () => {
    const { strategy, secret } = createStrategy(db, 'trend', defaultSettings(), T0);
    const r = removeStrategy(db, 'trend', T0 + 5);
    expect(r.secretsRemoved).toBe(1);
    expect(findStrategyBySecret(db, secret, T0 + 6)).toBeUndefined();
    expect(getStrategyByName(db, 'trend')).toBeUndefined();
    expect(listStrategies(db)).toEqual([]);
    expect(getStrategyById(db, strategy.id)?.removedAt).toBe(T0 + 5);
    expect(() => removeStrategy(db, 'trend', T0 + 6)).toThrow(/no strategy named "trend"/);
    const again = createStrategy(db, 'trend', defaultSettings(), T0 + 7);
    expect(again.strategy.id).not.toBe(strategy.id);
    expect(findStrategyBySecret(db, again.secret, T0 + 8)?.strategy.id).toBe(again.strategy.id);
  });
});

describe('outbox', () => {
  it('records every change in the same transaction, never with a secret', () => {
    const { strategy, secret } = createStrategy(db, 'trend', defaultSettings(), T0);
    updateStrategySettings(db, 'trend', { ...defaultSettings(), lots: 0.5 }, T0 + 1);
    setStrategyEnabled(db, 'trend', false, T0 + 2);
    setStrategyEnabled(db, 'trend', false, T0 + 3); // no change, no row
    setStrategyEnabled(db, 'trend', true, T0 + 4);
    removeStrategy(db, 'trend', T0 + 5);
    const rows = outbox();
    expect(rows.map((r) => [r.type, r.created_at])).toEqual([
      ['strategy.upserted', T0],
      ['strategy.upserted', T0 + 1],
      ['strategy.upserted', T0 + 2],
      ['strategy.upserted', T0 + 4],
      ['strategy.removed', T0 + 5],
    ]);
    for (const r of rows) {
      expect(r.aggregate).toBe('strategy');
      expect(r.aggregate_id).toBe(strategy.id);
    }
    expect(JSON.parse(rows[1]!.payload)).toMatchObject({ id: strategy.id, name: 'trend', enabled: true, settings: { lots: 0.5 }, updatedAt: T0 + 1, removedAt: null });
    expect(JSON.parse(rows[4]!.payload)).toMatchObject({ removedAt: T0 + 5 });
    const hashes = (db.prepare('SELECT hash FROM strategy_secrets').pluck().all() as string[]).concat(secret);
    const all = JSON.stringify(rows);
    for (const h of hashes) expect(all).not.toContain(h);
    expect(all).not.toMatch(/secret|hash/i);
  });
});

describe('upsertStrategies', () => {
  it('creates, updates and skips unchanged ones, returning each new secret', () => {
    createStrategy(db, 'a', defaultSettings(), T0);
    createStrategy(db, 'b', defaultSettings(), T0);
    const before = outbox().length;
    const r = upsertStrategies(
      db,
      [
        { name: 'a', settings: { ...defaultSettings(), lots: 1 } },
        { name: 'b', settings: defaultSettings() },
        { name: 'c', enabled: false, settings: defaultSettings() },
      ],
      T0 + 1,
    );
    expect(r.created).toEqual(['c']);
    expect(r.updated).toEqual(['a']);
    expect(r.unchanged).toEqual(['b']);
    expect(findStrategyBySecret(db, r.secrets.c!, T0 + 2)?.strategy).toMatchObject({ name: 'c', enabled: false });
    expect(getStrategyByName(db, 'a')?.settings.lots).toBe(1);
    expect(getStrategyByName(db, 'a')?.enabled).toBe(true);
    expect(outbox().length - before).toBe(2);
  });

  it('changes nothing when any item is bad', () => {
    createStrategy(db, 'a', defaultSettings(), T0);
    const before = counts();
    expect(() =>
      upsertStrategies(
        db,
        [
          { name: 'a', settings: { ...defaultSettings(), lots: 2 } },
          { name: 'new', settings: defaultSettings() },
          { name: 'worse', settings: { ...defaultSettings(), rateLimit: -1 } },
        ],
        T0 + 1,
      ),
    ).toThrow(/rateLimit/);
    expect(counts()).toEqual(before);
    expect(getStrategyByName(db, 'a')?.settings.lots).toBe(0.01);
  });
});
