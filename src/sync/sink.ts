import type { Row, SyncTableName } from '../supabase/upsert.js';

/**
 * What a failure means for the rows that were being sent:
 * - retry: transient (connection lost, timeout, 5xx, 408/429, serialization failure); back off, resend.
 * - permanent: this data can never be written (4xx other than 401/403/408/429, constraint or
 *   data errors); the offending row goes dead with the error kept.
 * - auth: the credentials or the target's setup are wrong (401/403, Postgres auth failure, the
 *   schema missing); nothing is wrong with the rows, so none goes dead: the loop pauses loudly.
 */
export type FailureKind = 'retry' | 'permanent' | 'auth';

export class SinkError extends Error {
  override name = 'SinkError';
  constructor(
    readonly kind: FailureKind,
    message: string,
    /** SQLSTATE, PostgREST code or HTTP status, when there is one. */
    readonly code?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * One write to the target. An upsert inserts full rows, merging state rows (the schema's
 * keep_newer_state trigger drops a late version) and ignoring duplicate events. A patch
 * updates columns of rows that must already exist (public.dcap_sync_patch).
 */
export interface SinkOp {
  kind: 'upsert' | 'patch';
  table: SyncTableName;
  rows: Row[];
}

export interface SinkResult {
  /** `<table>:<key>` of patched rows the target does not hold (for this user). */
  missing: Set<string>;
}

export interface Sink {
  readonly kind: 'postgres' | 'supabase';
  /** Where it writes, without credentials (for status and logs). */
  readonly target: string;
  /** Applies the ops in order. Throws SinkError. Safe to repeat: every write is idempotent. */
  apply(ops: SinkOp[]): Promise<SinkResult>;
  close(): Promise<void>;
}
