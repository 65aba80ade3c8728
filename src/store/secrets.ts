/**
 * Webhook secrets (table strategy_secrets). A secret is shown once, when it is made; the store
 * keeps only its sha256 and an 8-character prefix for logs and `dcap strategy show`.
 *
 * Why sha256 and not bcrypt/scrypt: slow hashes protect low-entropy passwords against guessing
 * after a leak of the hashes. These secrets are 256 random bits; nobody can enumerate that space
 * at any hashing speed, so a fast hash loses nothing, and it lets the webhook daemon find a
 * strategy with one indexed lookup per request instead of spending ~100 ms of CPU on each
 * (which would also hand anyone who can reach the port a cheap way to exhaust the CPU).
 */
import type { DB } from './db.js';
import { newId } from './ids.js';
import { prepared } from './prepare.js';
import { hashToken, newToken, sameHash, TOKEN_PREFIX_LENGTH } from './tokens.js';

export const SECRET_PREFIX_LENGTH = TOKEN_PREFIX_LENGTH;

/** What may be shown about a secret: never the secret or its hash. */
export interface SecretInfo {
  prefix: string;
  createdAt: number;
  /** null: the current secret; else the end of its grace period after a rotation. */
  expiresAt: number | null;
}

/** Makes a new current secret for `strategyId` and returns it (the only time it exists in clear). */
export function insertSecret(db: DB, strategyId: string, now: number): string {
  const secret = newToken();
  prepared(db, 'INSERT INTO strategy_secrets (id, strategy_id, hash, prefix, created_at, expires_at) VALUES (?, ?, ?, ?, ?, NULL)').run(
    newId(),
    strategyId,
    hashToken(secret),
    secret.slice(0, SECRET_PREFIX_LENGTH),
    now,
  );
  return secret;
}

/**
 * The strategy id a candidate secret belongs to, if it is current or still in its grace period
 * at `now`. The lookup is by the candidate's hash: B-tree comparisons leak timing only about that
 * hash, which tells an attacker nothing about any stored secret (sha256 is preimage resistant).
 * The final comparison is constant time all the same, so no byte-by-byte early exit ever runs
 * over secret material.
 */
export function findSecret(db: DB, candidate: string, now: number): { strategyId: string; prefix: string } | undefined {
  const hash = hashToken(candidate);
  const row = prepared(db, 'SELECT strategy_id, hash, prefix, expires_at FROM strategy_secrets WHERE hash = ?').get(hash) as
    | { strategy_id: string; hash: string; prefix: string; expires_at: number | null }
    | undefined;
  if (!row) return undefined;
  if (!sameHash(row.hash, hash)) return undefined;
  if (row.expires_at !== null && row.expires_at <= now) return undefined;
  return { strategyId: row.strategy_id, prefix: row.prefix };
}

/** The secrets of a strategy that still work at `now`, oldest first. */
export function listSecrets(db: DB, strategyId: string, now: number): SecretInfo[] {
  const rows = prepared(
    db,
    'SELECT prefix, created_at, expires_at FROM strategy_secrets WHERE strategy_id = ? AND (expires_at IS NULL OR expires_at > ?) ORDER BY created_at, id',
  ).all(strategyId, now) as { prefix: string; created_at: number; expires_at: number | null }[];
  return rows.map((r) => ({ prefix: r.prefix, createdAt: r.created_at, expiresAt: r.expires_at }));
}

/**
 * Starts the grace period of every working secret of a strategy: each now ends at `until`,
 * or earlier if it already did (a rotation never extends an old secret, so `--grace 0` after
 * a leak kills every older secret at once). Secrets already expired are deleted: they can never
 * match again. Returns the new expiry of the secret that was current, or null if there was none.
 */
export function expireSecrets(db: DB, strategyId: string, until: number, now: number): number | null {
  prepared(db, 'DELETE FROM strategy_secrets WHERE strategy_id = ? AND expires_at IS NOT NULL AND expires_at <= ?').run(strategyId, now);
  const current = prepared(db, 'SELECT count(*) FROM strategy_secrets WHERE strategy_id = ? AND expires_at IS NULL').pluck().get(strategyId) as number;
  prepared(
    db,
    'UPDATE strategy_secrets SET expires_at = CASE WHEN expires_at IS NULL OR expires_at > ? THEN ? ELSE expires_at END WHERE strategy_id = ?',
  ).run(until, until, strategyId);
  return current > 0 ? until : null;
}

/** Deletes every secret of a strategy; returns how many still worked at `now`. */
export function deleteSecrets(db: DB, strategyId: string, now: number): number {
  const working = prepared(db, 'SELECT count(*) FROM strategy_secrets WHERE strategy_id = ? AND (expires_at IS NULL OR expires_at > ?)')
    .pluck()
    .get(strategyId, now) as number;
  prepared(db, 'DELETE FROM strategy_secrets WHERE strategy_id = ?').run(strategyId);
  return working;
}
