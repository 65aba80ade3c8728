import { UserError } from '../errors.js';
import type { DB } from './db.js';
import { newId } from './ids.js';
import { prepared } from './prepare.js';
import { hashToken, newToken, sameHash, TOKEN_PREFIX_LENGTH } from './tokens.js';

/**
 * Read tokens: what relay subscribers (dcap tui, dashboards) authenticate with. They grant
 * reading the live stream only, never publishing or trading. Not synced through the outbox:
 * they are local credentials, and even their hashes have no business in the shared view.
 */
export const TOKEN_NAME_RE = /^[a-z0-9][a-z0-9_.-]{0,63}$/i;
export const TOKEN_SCOPES = ['read'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

export interface ReadTokenRow {
  id: string;
  name: string;
  prefix: string;
  scope: TokenScope;
  createdAt: number;
  lastUsedAt: number | null;
}

const COLUMNS = 'id, name, token_prefix AS prefix, scope, created_at AS createdAt, last_used_at AS lastUsedAt';

/** Creates a token; returns it in clear (the only time it exists so). */
export function createReadToken(db: DB, name: string, scope: TokenScope, now: number): { row: ReadTokenRow; token: string } {
  if (!TOKEN_NAME_RE.test(name)) {
    throw new UserError(`invalid token name "${name}": use letters, digits, ".", "_" or "-" (at most 64), starting with a letter or digit`);
  }
  return db.transaction(() => {
    if (getReadToken(db, name)) throw new UserError(`a token named "${name}" exists already (revoke it first, or pick another name)`);
    const token = newToken();
    const id = newId();
    prepared(db, 'INSERT INTO read_tokens (id, name, token_hash, token_prefix, scope, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(
      id,
      name,
      hashToken(token),
      token.slice(0, TOKEN_PREFIX_LENGTH),
      scope,
      now,
    );
    return { row: getReadToken(db, name)!, token };
  })();
}

export function getReadToken(db: DB, name: string): ReadTokenRow | undefined {
  return prepared(db, `SELECT ${COLUMNS} FROM read_tokens WHERE name = ? AND revoked_at IS NULL`).get(name) as ReadTokenRow | undefined;
}

export function listReadTokens(db: DB): ReadTokenRow[] {
  return prepared(db, `SELECT ${COLUMNS} FROM read_tokens WHERE revoked_at IS NULL ORDER BY name`).all() as ReadTokenRow[];
}

export function revokeReadToken(db: DB, name: string, now: number): ReadTokenRow {
  const row = getReadToken(db, name);
  if (!row) throw new UserError(`no token named "${name}" (see dcap token list)`);
  prepared(db, 'UPDATE read_tokens SET revoked_at = ? WHERE id = ?').run(now, row.id);
  return row;
}

/**
 * The live token whose hash matches `token`, or undefined. The lookup is by hash (an index
 * seek), then the hashes are compared in constant time as well, like agent keys.
 * `touch` records the use; callers rate-limit it so a reconnect storm is not a write storm.
 */
export function authenticateReadToken(db: DB, token: string): ReadTokenRow | undefined {
  const hash = hashToken(token);
  const r = prepared(db, `SELECT ${COLUMNS}, token_hash AS hash FROM read_tokens WHERE token_hash = ? AND revoked_at IS NULL`).get(hash) as
    | (ReadTokenRow & { hash: string })
    | undefined;
  if (!r || !sameHash(r.hash, hash)) return undefined;
  const { hash: _hash, ...row } = r;
  return row;
}

export function touchReadToken(db: DB, id: string, now: number): void {
  prepared(db, 'UPDATE read_tokens SET last_used_at = ? WHERE id = ?').run(now, id);
}

/** Whether the token with this id is still live (checked on every relay heartbeat). */
export function readTokenLive(db: DB, id: string): boolean {
  return prepared(db, 'SELECT 1 FROM read_tokens WHERE id = ? AND revoked_at IS NULL').get(id) !== undefined;
}
