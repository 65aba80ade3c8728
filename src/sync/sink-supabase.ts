import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import ws from 'ws';
import { SYNC_TABLES, type SyncTable } from '../supabase/upsert.js';
import { SinkError, type FailureKind, type Sink, type SinkOp, type SinkResult } from './sink.js';

/** PostgREST codes that mean the target lacks dcap's schema (or its cache has not seen it yet). */
const SCHEMA_MISSING = ['PGRST202', 'PGRST204', 'PGRST205', '42P01', '42703', '42883'];

/** A request that hangs (network gone) is abandoned and retried. */
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * What a PostgREST answer means for the batch (DESIGN.md section 8): 401/403 pause (bad key,
 * or the service role lacks a grant); 408, 429, 5xx and network failures (status 0) retry;
 * any other 4xx is permanent, except a missing table, column or function, which is the
 * project's setup, not the row's fault, and pauses too.
 */
export function classifyHttp(status: number, code: string | undefined): FailureKind {
  if (status === 0 || status === 408 || status === 429 || status >= 500) return 'retry';
  if (status === 401 || status === 403) return 'auth';
  if (code && SCHEMA_MISSING.includes(code)) return 'auth';
  if (status >= 400) return 'permanent';
  return 'retry';
}

/**
 * The supabase-js sink: POST /rest/v1/<table> upserts (on_conflict = the row key;
 * Prefer resolution=merge-duplicates for state rows, ignore-duplicates for append-only events)
 * and POST /rest/v1/rpc/dcap_sync_patch for partial updates. The keep_newer_state trigger
 * guards state rows against late versions, which a PostgREST upsert could not express itself.
 * Each request is its own transaction, so a batch may land in parts; every write is
 * idempotent, so resending all of it after a failure is harmless. postgrest-js never retries
 * a POST: the loop does.
 */
export class SupabaseSink implements Sink {
  readonly kind = 'supabase';
  readonly target: string;
  private readonly client: SupabaseClient;

  constructor(url: string, serviceRoleKey: string, fetchImpl?: typeof fetch) {
    this.target = new URL(url).origin;
    this.client = createClient(url, serviceRoleKey, {
      auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
      realtime: { transport: ws as never },
      ...(fetchImpl ? { global: { fetch: fetchImpl } } : {}),
    });
  }

  async apply(ops: SinkOp[]): Promise<SinkResult> {
    const missing = new Set<string>();
    for (const op of ops) {
      const spec: SyncTable = SYNC_TABLES[op.table];
      const signal = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
      if (op.kind === 'upsert') {
        const { error, status } = await this.client
          .from(op.table)
          .upsert(op.rows, { onConflict: spec.key, ignoreDuplicates: spec.kind === 'event' })
          .abortSignal(signal);
        if (error) throw this.fail(op, status, error);
      } else {
        const { data, error, status } = await this.client.rpc('dcap_sync_patch', { p_table: op.table, p_rows: op.rows }).abortSignal(signal);
        if (error) throw this.fail(op, status, error);
        for (const key of (data as string[] | null) ?? []) missing.add(`${op.table}:${key}`);
      }
    }
    return { missing };
  }

  async close(): Promise<void> {
    await this.client.removeAllChannels().catch(() => {});
  }

  private fail(op: SinkOp, status: number, error: { message?: string; code?: string; details?: string; hint?: string }): SinkError {
    const code = error.code || undefined;
    const kind = classifyHttp(status, code);
    const what = op.kind === 'upsert' ? `upsert into ${op.table}` : `dcap_sync_patch(${op.table})`;
    const detail = status === 0 ? `network: ${error.message}` : `HTTP ${status}${code ? ` ${code}` : ''}: ${error.message ?? ''}`;
    return new SinkError(kind, `supabase ${what} (${this.target}): ${detail}`, code ?? (status ? String(status) : undefined));
  }
}
