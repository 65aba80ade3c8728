/**
 * The upserts the sync sends to Postgres, one statement per batch and table.
 *
 * State rows (signals, jobs, agents ...) merge, but a late row never overwrites a newer state:
 *   insert ... on conflict (id) do update set ...
 *   where (t.updated_at, t.sync_seq) <= (excluded.updated_at, excluded.sync_seq)
 * The schema enforces the same rule with a BEFORE UPDATE trigger (dcap.keep_newer_state), so
 * PostgREST upserts from supabase-js, which cannot carry a WHERE clause, are just as safe.
 * Append-only rows (trade events, artifacts) ignore duplicates: `on conflict (id) do nothing`.
 *
 * The batch travels as ONE jsonb parameter expanded by jsonb_populate_recordset over the
 * table's own row type: no 65,535-parameter ceiling, and Postgres does the type conversion.
 */

type ColumnType = 'uuid' | 'text' | 'int' | 'bigint' | 'numeric' | 'bool' | 'jsonb' | 'time';

export interface SyncTable {
  /** Conflict target: the row's id (the local UUID), or agent_id for positions. */
  key: string;
  /** state: merge, newest wins. event: append-only, duplicates ignored. */
  kind: 'state' | 'event';
  columns: Record<string, ColumnType>;
}

const owned = { user_id: 'uuid', node_id: 'uuid' } as const;
const stateVersion = { updated_at: 'time', sync_seq: 'bigint' } as const;

/** The tables the sync writes, with the columns it may send (synced_at is set by the database). */
export const SYNC_TABLES = {
  sync_nodes: {
    key: 'id',
    kind: 'state',
    columns: { id: 'uuid', user_id: 'uuid', name: 'text', kind: 'text', hostname: 'text', dcap_version: 'text', first_seen_at: 'time', last_seen_at: 'time', ...stateVersion },
  },
  tv_strategies: {
    key: 'id',
    kind: 'state',
    columns: { id: 'uuid', ...owned, name: 'text', enabled: 'bool', settings: 'jsonb', created_at: 'time', removed_at: 'time', ...stateVersion },
  },
  tv_signals: {
    key: 'id',
    kind: 'state',
    columns: {
      id: 'uuid', ...owned, strategy_id: 'uuid', received_at: 'time', source_ip: 'text', content_type: 'text', raw_body: 'text',
      body_hash: 'text', format: 'text', alert_id: 'text', parsed: 'jsonb', symbol: 'text', action: 'text', outcome: 'text',
      status: 'text', reason: 'text', error: 'jsonb', http_status: 'int', duplicate_of: 'uuid', job_id: 'uuid', ...stateVersion,
    },
  },
  jobs: {
    key: 'id',
    kind: 'state',
    columns: {
      id: 'uuid', ...owned, signal_id: 'uuid', strategy_id: 'uuid', agent: 'text', type: 'text', payload: 'jsonb', status: 'text',
      attempts: 'int', lease_until: 'time', claimed_by: 'text', result: 'jsonb', created_at: 'time', ...stateVersion,
    },
  },
  mt5_agents: {
    key: 'id',
    kind: 'state',
    columns: {
      id: 'uuid', ...owned, name: 'text', last_heartbeat_at: 'time', terminal_connected: 'bool', trade_allowed: 'bool',
      account_login: 'bigint', account_server: 'text', account: 'jsonb', terminal_build: 'int', bridge_version: 'text',
      metrics: 'jsonb', paired_at: 'time', revoked_at: 'time', created_at: 'time', ...stateVersion,
    },
  },
  positions: {
    key: 'agent_id',
    kind: 'state',
    columns: {
      agent_id: 'uuid', ...owned, currency: 'text', balance: 'numeric', equity: 'numeric', margin: 'numeric', free_margin: 'numeric',
      account: 'jsonb', positions: 'jsonb', orders: 'jsonb', ...stateVersion,
    },
  },
  trade_events: {
    key: 'id',
    kind: 'event',
    columns: {
      id: 'uuid', ...owned, agent_id: 'uuid', job_id: 'uuid', signal_id: 'uuid', kind: 'text', symbol: 'text', side: 'text',
      volume: 'numeric', price: 'numeric', sl: 'numeric', tp: 'numeric', profit: 'numeric', commission: 'numeric', swap: 'numeric',
      ticket: 'numeric', deal: 'numeric', comment: 'text', details: 'jsonb', occurred_at: 'time', created_at: 'time',
    },
  },
  ea_projects: {
    key: 'id',
    kind: 'state',
    columns: { id: 'uuid', ...owned, name: 'text', strategy_id: 'uuid', template: 'text', description: 'text', created_at: 'time', removed_at: 'time', ...stateVersion },
  },
  ea_versions: {
    key: 'id',
    kind: 'state',
    columns: {
      id: 'uuid', ...owned, project_id: 'uuid', number: 'int', content_hash: 'text', source: 'text', compile_status: 'text',
      diagnostics: 'jsonb', compiled_at: 'time', created_at: 'time', ...stateVersion,
    },
  },
  ea_artifacts: {
    key: 'id',
    kind: 'event',
    columns: { id: 'uuid', ...owned, version_id: 'uuid', kind: 'text', path: 'text', size_bytes: 'bigint', sha256: 'text', created_at: 'time' },
  },
  ea_deployments: {
    key: 'id',
    kind: 'state',
    columns: {
      id: 'uuid', ...owned, version_id: 'uuid', agent_id: 'uuid', symbol: 'text', timeframe: 'text', inputs: 'jsonb', status: 'text',
      error: 'text', created_at: 'time', ...stateVersion,
    },
  },
} as const satisfies Record<string, SyncTable>;

export type SyncTableName = keyof typeof SYNC_TABLES;
export type Row = Record<string, unknown>;

export interface Statement {
  text: string;
  values: unknown[];
}

/**
 * One upsert statement for a batch of rows of one table. Rows use the Postgres column names;
 * times may be epoch ms (the local store's form), ISO strings or Dates. Columns a row leaves
 * out are NULL (or the column default on insert): send whole snapshots. `user_id` is fixed by
 * the first insert and never updated, so a misconfigured node cannot move rows between users.
 * Throws on an unknown table or column, or a row without its key, user_id or updated_at.
 */
export function buildUpsert(table: SyncTableName, rows: readonly Row[]): Statement {
  const spec: SyncTable | undefined = (SYNC_TABLES as Record<string, SyncTable>)[table];
  if (!spec) throw new Error(`"${table}" is not a table the sync writes (known: ${Object.keys(SYNC_TABLES).join(', ')})`);
  if (rows.length === 0) throw new Error(`buildUpsert(${table}): no rows`);

  const present = new Set<string>();
  for (const row of rows) {
    for (const k of Object.keys(row)) {
      if (!(k in spec.columns)) throw new Error(`${table} has no column "${k}"`);
      if (row[k] !== undefined) present.add(k);
    }
    const required = [spec.key, 'user_id', ...(spec.kind === 'state' ? ['updated_at'] : [])];
    for (const k of required) if (row[k] === undefined || row[k] === null) throw new Error(`${table} row without ${k}`);
  }
  const columns = Object.keys(spec.columns).filter((c) => present.has(c));
  const batch = dedupe(spec, rows.map((r) => normalise(spec, r)));

  const list = columns.join(', ');
  let text =
    `insert into public.${table} as t (${list})\n` +
    `select ${list} from jsonb_populate_recordset(null::public.${table}, $1::jsonb)\n`;
  if (spec.kind === 'event') {
    text += `on conflict (${spec.key}) do nothing`;
  } else {
    const set = columns.filter((c) => c !== spec.key && c !== 'user_id').map((c) => `${c} = excluded.${c}`);
    text +=
      `on conflict (${spec.key}) do update set ${set.join(', ')}\n` +
      // A late row (older updated_at, or same millisecond and lower outbox seq) changes nothing.
      `where (t.updated_at, t.sync_seq) <= (excluded.updated_at, excluded.sync_seq)`;
  }
  return { text, values: [JSON.stringify(batch)] };
}

/**
 * Postgres cannot store U+0000 in text or jsonb, so a raw webhook body holding one would fail
 * its batch forever. It becomes U+FFFD instead: the row arrives, visibly marked.
 */
function clean(value: unknown): unknown {
  if (typeof value === 'string') return value.includes('\u0000') ? value.replaceAll('\u0000', '\uFFFD') : value;
  if (Array.isArray(value)) return value.map(clean);
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [clean(k), clean(v)]));
  }
  return value;
}

function normalise(spec: SyncTable, row: Row): Row {
  const out: Row = {};
  for (const [k, v] of Object.entries(row)) {
    if (v === undefined) continue;
    out[k] = spec.columns[k] === 'time' ? toIso(v, k) : clean(v);
  }
  return out;
}

function toIso(v: unknown, column: string): string | null {
  if (v === null) return null;
  const d = typeof v === 'number' ? new Date(v) : typeof v === 'string' ? new Date(v) : v instanceof Date ? v : undefined;
  if (!d || Number.isNaN(d.getTime())) throw new Error(`${column}: ${JSON.stringify(v)} is not a time (epoch ms, ISO string or Date)`);
  return d.toISOString();
}

/**
 * `on conflict do update` refuses to touch one row twice in a statement, so a batch holding
 * two versions of a row keeps only the newest (state) or the first (event).
 */
function dedupe(spec: SyncTable, rows: Row[]): Row[] {
  const byKey = new Map<unknown, Row>();
  for (const row of rows) {
    const key = row[spec.key];
    const seen = byKey.get(key);
    if (!seen) byKey.set(key, row);
    else if (spec.kind === 'state' && compareVersion(row, seen) >= 0) byKey.set(key, row);
  }
  return [...byKey.values()];
}

function compareVersion(a: Row, b: Row): number {
  const ta = String(a.updated_at);
  const tb = String(b.updated_at);
  if (ta !== tb) return ta < tb ? -1 : 1; // ISO strings from toISOString() sort as times
  return Number(a.sync_seq ?? 0) - Number(b.sync_seq ?? 0);
}
