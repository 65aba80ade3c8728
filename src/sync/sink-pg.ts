import { redactUrl } from '../util/redact.js';
import pg from 'pg';
import { buildUpsert } from '../supabase/upsert.js';
import { SinkError, type FailureKind, type Sink, type SinkOp, type SinkResult } from './sink.js';

/** SQLSTATEs the sink reacts to (https://www.postgresql.org/docs/15/errcodes-appendix.html). */
export const PG = {
  INVALID_AUTHORIZATION: '28000', // role does not exist, pg_hba rejects
  INVALID_PASSWORD: '28P01',
  INSUFFICIENT_PRIVILEGE: '42501',
  INVALID_CATALOG_NAME: '3D000', // database does not exist
  UNDEFINED_TABLE: '42P01',
  UNDEFINED_COLUMN: '42703',
  UNDEFINED_FUNCTION: '42883',
  SERIALIZATION_FAILURE: '40001',
  DEADLOCK_DETECTED: '40P01',
  OBJECT_NOT_IN_PREREQUISITE_STATE: '55000', // e.g. database not accepting connections
  LOCK_NOT_AVAILABLE: '55P03',
  QUERY_CANCELED: '57014', // statement_timeout
  ADMIN_SHUTDOWN: '57P01', // pg_terminate_backend, server stopping
  CRASH_SHUTDOWN: '57P02',
  CANNOT_CONNECT_NOW: '57P03',
  IDLE_SESSION_TIMEOUT: '57P05',
} as const;

/** Connection exceptions (class 08), insufficient resources (53), system errors (58): transient. */
const TRANSIENT_CLASSES = ['08', '53', '58', 'XX'];
/** Data exceptions (22), integrity violations (23), unsupported features (0A): the row is at fault. */
const PERMANENT_CLASSES = ['22', '23', '0A'];
const PAUSE: readonly string[] = [PG.INVALID_AUTHORIZATION, PG.INVALID_PASSWORD, PG.INSUFFICIENT_PRIVILEGE, PG.INVALID_CATALOG_NAME, PG.UNDEFINED_TABLE, PG.UNDEFINED_COLUMN, PG.UNDEFINED_FUNCTION];
const RETRY: readonly string[] = [
  PG.SERIALIZATION_FAILURE,
  PG.DEADLOCK_DETECTED,
  PG.OBJECT_NOT_IN_PREREQUISITE_STATE,
  PG.LOCK_NOT_AVAILABLE,
  PG.QUERY_CANCELED,
  PG.ADMIN_SHUTDOWN,
  PG.CRASH_SHUTDOWN,
  PG.CANNOT_CONNECT_NOW,
  PG.IDLE_SESSION_TIMEOUT,
];

/** What a pg (or socket) error means for the batch. Unknown errors are retried, never dead-lettered. */
export function classifyPgError(err: unknown): FailureKind {
  const code = (err as { code?: unknown })?.code;
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return 'retry'; // ECONNREFUSED, "Connection terminated", timeouts
  if (PAUSE.includes(code)) return 'auth';
  if (RETRY.includes(code) || TRANSIENT_CLASSES.includes(code.slice(0, 2))) return 'retry';
  if (PERMANENT_CLASSES.includes(code.slice(0, 2)) || code.startsWith('42')) return 'permanent';
  return 'retry';
}

/**
 * The direct Postgres sink (Supabase's direct connection or session pooler; not the
 * transaction pooler, which would split the batch's transaction). One connection, one
 * transaction per batch: the batch lands whole or not at all. A lost connection is dropped
 * and reopened on the next batch; the loop's backoff spaces the attempts.
 */
export class PgSink implements Sink {
  readonly kind = 'postgres';
  readonly target: string;
  private client?: pg.Client;
  private connecting?: Promise<pg.Client>;

  constructor(private readonly url: string) {
    this.target = redactUrl(url);
  }

  async apply(ops: SinkOp[]): Promise<SinkResult> {
    const missing = new Set<string>();
    let client: pg.Client;
    try {
      client = await this.connect();
    } catch (err) {
      throw this.fail(err, 'connecting');
    }
    try {
      await client.query('begin');
      for (const op of ops) {
        if (op.kind === 'upsert') {
          const st = buildUpsert(op.table, op.rows);
          await client.query(st.text, st.values);
        } else {
          const r = await client.query<{ missing: string[] }>('select public.dcap_sync_patch($1, $2::jsonb) as missing', [op.table, JSON.stringify(op.rows)]);
          for (const key of r.rows[0]!.missing) missing.add(`${op.table}:${key}`);
        }
      }
      await client.query('commit');
      return { missing };
    } catch (err) {
      // After a lost connection the rollback fails too; the server rolls back on its own.
      await client.query('rollback').catch(() => {});
      throw this.fail(err, 'writing');
    }
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.connecting = undefined;
    await client?.end().catch(() => {});
  }

  private connect(): Promise<pg.Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= (async () => {
      const client = new pg.Client({
        connectionString: this.url,
        connectionTimeoutMillis: 10_000,
        // A half-open TCP connection (network gone) must not hang the loop forever.
        query_timeout: 60_000,
        keepAlive: true,
        application_name: 'dcap-sync',
      });
      // A backend killed while idle emits 'error' on the client: without a listener it would crash the daemon.
      client.on('error', () => {
        if (this.client === client) this.client = undefined;
      });
      client.on('end', () => {
        if (this.client === client) this.client = undefined;
      });
      try {
        await client.connect();
      } catch (err) {
        await client.end().catch(() => {});
        throw err;
      }
      this.client = client;
      return client;
    })().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private fail(err: unknown, doing: string): SinkError {
    const kind = classifyPgError(err);
    // Anything but a rejected row leaves the connection suspect: start over on a fresh one.
    if (kind !== 'permanent' && this.client) {
      const c = this.client;
      this.client = undefined;
      void c.end().catch(() => {});
    }
    const code = (err as { code?: string }).code;
    return new SinkError(kind, `postgres ${doing} (${this.target}): ${(err as Error).message}${code ? ` [${code}]` : ''}`, code, { cause: err });
  }
}

