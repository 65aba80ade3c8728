/**
 * Strategy queries. Every change commits together with its outbox row (`strategy.upserted` or
 * `strategy.removed`, payload: the row without secrets), in one IMMEDIATE transaction: taking the
 * write lock up front means a CLI command beside a running daemon waits on busy_timeout instead
 * of failing with SQLITE_BUSY when its read would have to be upgraded to a write.
 */
import { StrategySettingsSchema, STRATEGY_NAME_RE, issueMessage } from '../core/settings.js';
import type { StrategySettings } from '../core/types.js';
import { UserError } from '../errors.js';
import type { DB } from './db.js';
import { newId } from './ids.js';
import { appendOutbox } from './outbox.js';
import { prepared } from './prepare.js';
import { deleteSecrets, expireSecrets, findSecret, insertSecret } from './secrets.js';

export { listSecrets, type SecretInfo } from './secrets.js';

export interface StrategyRow {
  id: string;
  name: string;
  enabled: boolean;
  settings: StrategySettings;
  createdAt: number;
  updatedAt: number;
  /** Set once removed (only getStrategyById returns removed strategies). */
  removedAt?: number;
}

interface DbRow {
  id: string;
  name: string;
  enabled: number;
  settings: string;
  created_at: number;
  updated_at: number;
  removed_at: number | null;
}

const SQLITE_CONSTRAINT_UNIQUE = 'SQLITE_CONSTRAINT_UNIQUE';
const COLUMNS = 'id, name, enabled, settings, created_at, updated_at, removed_at';

function toRow(r: DbRow): StrategyRow {
  const row: StrategyRow = {
    id: r.id,
    name: r.name,
    enabled: r.enabled === 1,
    settings: JSON.parse(r.settings) as StrategySettings,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
  if (r.removed_at !== null) row.removedAt = r.removed_at;
  return row;
}

/** A strategy that has not been removed. */
export function getStrategyByName(db: DB, name: string): StrategyRow | undefined {
  const r = prepared(db, `SELECT ${COLUMNS} FROM strategies WHERE name = ? AND removed_at IS NULL`).get(name) as DbRow | undefined;
  return r && toRow(r);
}

/** Any strategy, removed ones included (recorded signals keep pointing at them). */
export function getStrategyById(db: DB, id: string): StrategyRow | undefined {
  const r = prepared(db, `SELECT ${COLUMNS} FROM strategies WHERE id = ?`).get(id) as DbRow | undefined;
  return r && toRow(r);
}

/** Strategies not removed, by name. */
export function listStrategies(db: DB): StrategyRow[] {
  return (prepared(db, `SELECT ${COLUMNS} FROM strategies WHERE removed_at IS NULL ORDER BY name`).all() as DbRow[]).map(toRow);
}

/** The strategy named `name`, or a UserError pointing at `dcap strategy list`. */
export function requireStrategy(db: DB, name: string): StrategyRow {
  const row = getStrategyByName(db, name);
  if (!row) throw new UserError(`no strategy named "${name}" (see dcap strategy list)`);
  return row;
}

/**
 * The strategy a webhook secret belongs to, if the secret is current or within its grace period
 * at `now`. Disabled strategies are found (the daemon answers `discarded`); removed ones are not.
 */
export function findStrategyBySecret(db: DB, secret: string, now: number): { strategy: StrategyRow; secretPrefix: string } | undefined {
  const found = findSecret(db, secret, now);
  if (!found) return undefined;
  const strategy = getStrategyById(db, found.strategyId);
  if (!strategy || strategy.removedAt !== undefined) return undefined;
  return { strategy, secretPrefix: found.prefix };
}

/** The outbox payload: the row as synced to Supabase. Never a secret or hash. */
export function strategyPayload(row: StrategyRow) {
  return {
    id: row.id,
    name: row.name,
    enabled: row.enabled,
    settings: row.settings,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    removedAt: row.removedAt ?? null,
  };
}

function checkName(name: string): void {
  if (!STRATEGY_NAME_RE.test(name)) {
    throw new UserError(`"${name}" is not a valid strategy name: use letters, digits, _ and - (up to 64, starting with a letter or digit)`);
  }
}

/** Re-validates settings at the store boundary, so no caller can store something the daemon cannot use. */
function checkSettings(settings: StrategySettings, what: string): StrategySettings {
  const parsed = StrategySettingsSchema.safeParse(settings);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || 'settings'}: ${issueMessage(i)}`);
    throw new UserError(`invalid settings for ${what}:\n${lines.join('\n')}`);
  }
  return settings;
}

function emit(db: DB, row: StrategyRow, now: number): void {
  appendOutbox(
    db,
    { aggregate: 'strategy', aggregateId: row.id, type: row.removedAt === undefined ? 'strategy.upserted' : 'strategy.removed', payload: strategyPayload(row) },
    now,
  );
}

function insert(db: DB, name: string, settings: StrategySettings, enabled: boolean, now: number): { strategy: StrategyRow; secret: string } {
  checkName(name);
  checkSettings(settings, `strategy "${name}"`);
  if (getStrategyByName(db, name)) throw new UserError(`a strategy named "${name}" already exists (change it with dcap strategy set ${name})`);
  const strategy: StrategyRow = { id: newId(), name, enabled, settings, createdAt: now, updatedAt: now };
  try {
    prepared(db, 'INSERT INTO strategies (id, name, enabled, settings, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)').run(
      strategy.id,
      name,
      enabled ? 1 : 0,
      JSON.stringify(settings),
      now,
      now,
    );
  } catch (err) {
    // Another process created the same name between our check and the insert.
    if ((err as { code?: string }).code === SQLITE_CONSTRAINT_UNIQUE) throw new UserError(`a strategy named "${name}" already exists`, undefined, { cause: err });
    throw err;
  }
  const secret = insertSecret(db, strategy.id, now);
  emit(db, strategy, now);
  return { strategy, secret };
}

/** Creates an enabled strategy with its first webhook secret (returned once, stored hashed). */
export function createStrategy(db: DB, name: string, settings: StrategySettings, now: number): { strategy: StrategyRow; secret: string } {
  return db.transaction(() => insert(db, name, settings, true, now)).immediate();
}

function write(db: DB, row: StrategyRow): void {
  prepared(db, 'UPDATE strategies SET enabled = ?, settings = ?, updated_at = ? WHERE id = ?').run(
    row.enabled ? 1 : 0,
    JSON.stringify(row.settings),
    row.updatedAt,
    row.id,
  );
}

/** Replaces a strategy's settings. */
export function updateStrategySettings(db: DB, name: string, settings: StrategySettings, now: number): StrategyRow {
  return db
    .transaction(() => {
      const current = requireStrategy(db, name);
      const row: StrategyRow = { ...current, settings: checkSettings(settings, `strategy "${name}"`), updatedAt: now };
      write(db, row);
      emit(db, row, now);
      return row;
    })
    .immediate();
}

/** Enables or disables a strategy; `changed` is false (and nothing is written) if it already was. */
export function setStrategyEnabled(db: DB, name: string, enabled: boolean, now: number): { strategy: StrategyRow; changed: boolean } {
  return db
    .transaction(() => {
      const current = requireStrategy(db, name);
      if (current.enabled === enabled) return { strategy: current, changed: false };
      const row: StrategyRow = { ...current, enabled, updatedAt: now };
      write(db, row);
      emit(db, row, now);
      return { strategy: row, changed: true };
    })
    .immediate();
}

/**
 * Makes a new current secret; the old ones keep working until `now + graceMs` (0: they stop now).
 * Only secrets change, so no outbox row: nothing synced about the strategy differs.
 */
export function rotateStrategySecret(
  db: DB,
  name: string,
  graceMs: number,
  now: number,
): { strategy: StrategyRow; secret: string; previousExpiresAt: number | null } {
  if (!Number.isFinite(graceMs) || graceMs < 0) throw new UserError(`grace period must be 0 or more, got ${graceMs}`);
  return db
    .transaction(() => {
      const strategy = requireStrategy(db, name);
      const previousExpiresAt = expireSecrets(db, strategy.id, now + graceMs, now);
      const secret = insertSecret(db, strategy.id, now);
      return { strategy, secret, previousExpiresAt };
    })
    .immediate();
}

/**
 * Removes a strategy: its secrets are deleted (its webhook URLs answer 404 at once) and the row
 * is kept with removed_at, so recorded signals keep their strategy. The name becomes free.
 * `secretsRemoved` counts the secrets that still worked.
 */
export function removeStrategy(db: DB, name: string, now: number): { strategy: StrategyRow; secretsRemoved: number } {
  return db
    .transaction(() => {
      const current = requireStrategy(db, name);
      const secretsRemoved = deleteSecrets(db, current.id, now);
      prepared(db, 'UPDATE strategies SET removed_at = ?, updated_at = ? WHERE id = ?').run(now, now, current.id);
      const strategy: StrategyRow = { ...current, updatedAt: now, removedAt: now };
      emit(db, strategy, now);
      return { strategy, secretsRemoved };
    })
    .immediate();
}

export interface UpsertResult {
  created: string[];
  updated: string[];
  /** Present with identical settings and state: nothing written for them. */
  unchanged: string[];
  /** name -> webhook secret of each created strategy (shown once; never stored in clear). */
  secrets: Record<string, string>;
}

/**
 * Creates or updates strategies (`dcap strategy import`, replay seeding), all in ONE transaction:
 * any error leaves the store as it was. Settings are replaced whole; `enabled` absent keeps an
 * existing strategy's state (new ones are enabled). Strategies not listed are left alone.
 */
export function upsertStrategies(db: DB, items: { name: string; enabled?: boolean; settings: StrategySettings }[], now: number): UpsertResult {
  return db
    .transaction(() => {
      const result: UpsertResult = { created: [], updated: [], unchanged: [], secrets: Object.create(null) as Record<string, string> };
      for (const item of items) {
        const current = getStrategyByName(db, item.name);
        if (!current) {
          result.secrets[item.name] = insert(db, item.name, item.settings, item.enabled ?? true, now).secret;
          result.created.push(item.name);
          continue;
        }
        const enabled = item.enabled ?? current.enabled;
        const settings = checkSettings(item.settings, `strategy "${item.name}"`);
        if (enabled === current.enabled && canonical(settings) === canonical(current.settings)) {
          result.unchanged.push(item.name);
          continue;
        }
        const row: StrategyRow = { ...current, enabled, settings, updatedAt: now };
        write(db, row);
        emit(db, row, now);
        result.updated.push(item.name);
      }
      return result;
    })
    .immediate();
}

/** JSON with sorted keys and no undefined values, to compare settings regardless of key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
