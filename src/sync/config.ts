import type { Config } from '../config.js';
import { redactUrl } from '../util/redact.js';

/** Which sink the config selects, or why sync is off. Pure: no connection is made. */
export type SinkChoice =
  | { kind: 'postgres'; dbUrl: string; userId: string; target: string }
  | { kind: 'supabase'; url: string; serviceRoleKey: string; userId: string; target: string }
  | { kind: 'off'; reason: string; misconfigured: boolean };

/** The idle poll interval: a new outbox row waits at most this long (lag p99 target: < 1 s). */
export const DEFAULT_INTERVAL_MS = 200;

/**
 * DCAP_SUPABASE_DB_URL (direct Postgres) wins over DCAP_SUPABASE_URL + _SERVICE_ROLE_KEY: one
 * transaction per batch, and no PostgREST in between. Either needs the owning user's id.
 */
export function chooseSink(sync: Config['sync']): SinkChoice {
  const wantsSupabase = sync.url !== undefined || sync.serviceRoleKey !== undefined;
  if (sync.dbUrl === undefined && !wantsSupabase) {
    return { kind: 'off', reason: 'sync is off: set DCAP_SUPABASE_DB_URL, or DCAP_SUPABASE_URL and DCAP_SUPABASE_SERVICE_ROLE_KEY (docs/supabase.md)', misconfigured: false };
  }
  if (!sync.userId) {
    return { kind: 'off', reason: 'sync is off: a Supabase target is set but not the user who owns the rows (DCAP_SUPABASE_USER_ID or sync.userId)', misconfigured: true };
  }
  if (sync.dbUrl !== undefined) return { kind: 'postgres', dbUrl: sync.dbUrl, userId: sync.userId, target: redactUrl(sync.dbUrl) };
  if (!sync.url || !sync.serviceRoleKey) {
    const missing = sync.url ? 'DCAP_SUPABASE_SERVICE_ROLE_KEY (sync.serviceRoleKey)' : 'DCAP_SUPABASE_URL (sync.url)';
    return { kind: 'off', reason: `sync is off: the supabase-js sink also needs ${missing}`, misconfigured: true };
  }
  return { kind: 'supabase', url: sync.url, serviceRoleKey: sync.serviceRoleKey, userId: sync.userId, target: new URL(sync.url).origin };
}
