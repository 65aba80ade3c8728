import { SYNC_TABLES, type Row, type SyncTableName } from '../supabase/upsert.js';

/** One outbox row as the loop reads it (src/store/migrations/001-init.ts). */
export interface OutboxRow {
  seq: number;
  id: string;
  aggregate: string;
  aggregateId: string;
  type: string;
  /** The JSON text stored in the outbox. */
  payload: string;
  createdAt: number;
}

/** Who owns the rows in the target, and which node wrote them. */
export interface MapContext {
  userId: string;
  nodeId: string | null;
}

/**
 * A row for one target table. `full` rows are whole snapshots (upserted: inserted, or merged
 * onto the target's row); a patch carries only the columns an event changed, so it may only
 * UPDATE a row that exists (an upsert would null, or fail on, the columns it leaves out).
 */
export interface TargetRow {
  table: SyncTableName;
  full: boolean;
  row: Row;
}

/** An event the mapping cannot turn into rows: it goes dead at once (a retry cannot fix it). */
export class MappingError extends Error {
  override name = 'MappingError';
}

type P = Record<string, unknown>;
type Mapper = (p: P, ev: OutboxRow) => TargetRow[];

/**
 * outbox event type -> target rows. Every state row's version is (updated_at, sync_seq): the
 * local time of the change (the row's own updatedAt when the event carries it, else the outbox
 * row's created_at, which is the same `now`) and the outbox seq, so the schema's
 * keep_newer_state guard drops a late version whatever order rows arrive in.
 */
const MAPPERS: Record<string, Mapper> = {
  'strategy.upserted': strategy,
  'strategy.removed': strategy,
  'signal.recorded': (p) => [
    full('tv_signals', {
      id: str(p, 'id'),
      strategy_id: str(p, 'strategyId'),
      received_at: time(p.receivedAt),
      source_ip: p.sourceIp ?? null,
      content_type: p.contentType ?? null,
      raw_body: str(p, 'rawBody'),
      body_hash: str(p, 'bodyHash'),
      format: p.format ?? null,
      alert_id: p.alertId ?? null,
      parsed: p.parsed ?? null,
      symbol: p.symbol ?? null,
      action: p.action ?? null,
      outcome: str(p, 'outcome'),
      status: p.status ?? p.outcome,
      reason: p.reason ?? null,
      error: p.error ?? null,
      http_status: p.httpStatus,
      duplicate_of: p.duplicateOf ?? null,
      job_id: p.jobId ?? null,
      updated_at: time(p.updatedAt ?? p.receivedAt),
    }),
  ],
  // The job's result lives in jobs.result (tv_signals.job_id links them). A null reason means
  // "unchanged" locally (COALESCE in finishJob), so it is left out of the patch.
  'signal.updated': (p) => [
    patch('tv_signals', {
      id: str(p, 'id'),
      status: str(p, 'status'),
      ...(p.reason != null ? { reason: p.reason } : {}),
      updated_at: time(p.updatedAt),
    }),
  ],
  'job.created': (p) => [
    full('jobs', {
      id: str(p, 'id'),
      signal_id: p.signalId ?? null,
      strategy_id: p.strategyId ?? null,
      agent: p.agent ?? null,
      type: str(p, 'type'),
      payload: p.payload ?? {},
      status: p.status ?? 'pending',
      attempts: 0,
      created_at: time(p.createdAt),
      updated_at: time(p.updatedAt ?? p.createdAt),
    }),
  ],
  'job.claimed': jobState,
  'job.completed': jobState,
  'agent.upserted': (p, ev) => [
    full('mt5_agents', {
      id: str(p, 'id'),
      name: str(p, 'name'),
      paired_at: time(p.createdAt),
      created_at: time(p.createdAt),
      ...(p.heartbeat ? heartbeatColumns(p.heartbeat as P, p.heartbeatAt) : {}),
      updated_at: time(ev.createdAt),
    }),
  ],
  'agent.revoked': (p, ev) => [patch('mt5_agents', { id: str(p, 'id'), revoked_at: time(p.revokedAt ?? ev.createdAt), updated_at: time(ev.createdAt) })],
  'agent.heartbeat': (p, ev) => [
    patch('mt5_agents', { id: str(p, 'id'), ...heartbeatColumns(p, p.heartbeatAt ?? ev.createdAt), updated_at: time(p.heartbeatAt ?? ev.createdAt) }),
  ],
  'agent.state': (p, ev) => {
    const account = (p.account ?? null) as P | null;
    return [
      full('positions', {
        agent_id: str(p, 'agentId'),
        currency: account?.currency ?? null,
        balance: num(account?.balance),
        equity: num(account?.equity),
        margin: num(account?.margin),
        free_margin: num(account?.freeMargin ?? account?.free_margin ?? account?.marginFree),
        account,
        positions: p.positions ?? [],
        orders: p.orders ?? [],
        updated_at: time(p.stateAt ?? ev.createdAt),
      }),
    ];
  },
  'trade_event.recorded': (p, ev) => [
    {
      table: 'trade_events',
      full: true,
      row: {
        id: str(p, 'id'),
        agent_id: p.agentId ?? null,
        job_id: p.jobId ?? null,
        signal_id: p.signalId ?? null,
        kind: str(p, 'kind'),
        symbol: p.symbol ?? null,
        side: p.side ?? null,
        volume: num(p.volume),
        price: num(p.price),
        sl: num(p.sl),
        tp: num(p.tp),
        profit: num(p.profit),
        commission: num(p.commission),
        swap: num(p.swap),
        ticket: p.ticket ?? null,
        deal: p.deal ?? null,
        comment: p.comment ?? null,
        details: p,
        occurred_at: time(p.time),
        created_at: time(ev.createdAt),
      },
    },
  ],
  // EA toolchain (src/ea/projects.ts, src/store/ea-deployments.ts). Local-only fields (the project's
  // folder, symbol and timeframe; a version's origin and note; the chart id) have no column there.
  'ea_project.created': (p) => [
    full('ea_projects', {
      id: str(p, 'id'),
      name: str(p, 'name'),
      template: p.template ?? null,
      description: p.description ?? null,
      created_at: time(p.createdAt),
      updated_at: time(p.updatedAt ?? p.createdAt),
    }),
  ],
  'ea_version.created': (p) => [
    full('ea_versions', {
      id: str(p, 'id'),
      project_id: str(p, 'projectId'),
      number: p.number,
      content_hash: str(p, 'contentHash'),
      source: typeof p.source === 'string' ? p.source : str(p, 'source'),
      compile_status: compileStatus(p.compileStatus),
      diagnostics: diagnostics(p.diagnostics),
      compiled_at: null,
      created_at: time(p.createdAt),
      updated_at: time(p.updatedAt ?? p.createdAt),
    }),
  ],
  'ea_version.compiled': (p) => [
    patch('ea_versions', {
      id: str(p, 'id'),
      compile_status: compileStatus(p.compileStatus),
      diagnostics: diagnostics(p.diagnostics),
      compiled_at: time(p.compiledAt),
      updated_at: time(p.updatedAt ?? p.compiledAt),
    }),
  ],
  'ea_artifact.recorded': (p) => [
    full('ea_artifacts', {
      id: str(p, 'id'),
      version_id: str(p, 'versionId'),
      kind: p.kind ?? 'ex5',
      path: str(p, 'path'),
      size_bytes: num(p.sizeBytes),
      sha256: p.sha256 ?? null,
      created_at: time(p.createdAt),
    }),
  ],
  'ea_deployment.created': (p) => [
    full('ea_deployments', {
      id: str(p, 'id'),
      version_id: str(p, 'versionId'),
      agent_id: p.agentId ?? null,
      symbol: p.symbol ?? null,
      timeframe: p.timeframe ?? null,
      inputs: p.inputs ?? {},
      status: str(p, 'status'),
      error: p.error ?? null,
      created_at: time(p.createdAt),
      updated_at: time(p.updatedAt ?? p.createdAt),
    }),
  ],
  'ea_deployment.updated': (p) => [patch('ea_deployments', { id: str(p, 'id'), status: str(p, 'status'), error: p.error ?? null, updated_at: time(p.updatedAt) })],
};

/** The event types the sync knows; any other goes dead (a newer dcap may know it: retry-dead). */
export const EVENT_TYPES = Object.keys(MAPPERS);

/**
 * Turns one outbox event into target rows, stamped with the owner, the node and the version
 * (sync_seq = outbox seq on state rows). Pure. Throws MappingError on an unknown type or a
 * payload that lacks what its table requires.
 */
export function mapEvent(ev: OutboxRow, ctx: MapContext): TargetRow[] {
  const mapper = MAPPERS[ev.type];
  if (!mapper) throw new MappingError(`unknown outbox event type "${ev.type}" (this dcap syncs: ${EVENT_TYPES.join(', ')})`);
  let payload: unknown;
  try {
    payload = JSON.parse(ev.payload);
  } catch (err) {
    throw new MappingError(`outbox ${ev.id}: payload is not JSON: ${(err as Error).message}`);
  }
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) throw new MappingError(`outbox ${ev.id}: payload is not an object`);
  const rows = mapper(payload as P, ev);
  for (const t of rows) {
    t.row.user_id = ctx.userId;
    t.row.node_id = ctx.nodeId;
    if (SYNC_TABLES[t.table].kind === 'state') t.row.sync_seq = ev.seq;
  }
  return rows;
}

function strategy(p: P): TargetRow[] {
  return [
    full('tv_strategies', {
      id: str(p, 'id'),
      name: str(p, 'name'),
      enabled: p.enabled ?? true,
      settings: p.settings ?? {},
      created_at: time(p.createdAt),
      removed_at: p.removedAt == null ? null : time(p.removedAt),
      updated_at: time(p.updatedAt ?? p.createdAt),
    }),
  ];
}

/** job.claimed and job.completed carry the job without its payload: a patch. */
function jobState(p: P): TargetRow[] {
  const row: Row = { id: str(p, 'id'), status: str(p, 'status'), updated_at: time(p.updatedAt) };
  if ('attempts' in p) row.attempts = p.attempts;
  if ('leaseUntil' in p) row.lease_until = p.leaseUntil == null ? null : time(p.leaseUntil);
  if ('claimedBy' in p) row.claimed_by = p.claimedBy;
  if ('result' in p) row.result = p.result ?? null;
  return [patch('jobs', row)];
}

/** Local none|compiled|failed -> the table's pending|ok|failed. */
function compileStatus(v: unknown): string {
  if (v === undefined || v === null || v === 'none') return 'pending';
  if (v === 'compiled') return 'ok';
  if (v === 'failed') return 'failed';
  throw new MappingError(`compileStatus ${JSON.stringify(v)} is not none, compiled or failed`);
}

/** Diagnostics as the table documents them: {file,line,col,severity,code,message} (locally `column`). */
function diagnostics(v: unknown): Row[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new MappingError('diagnostics must be an array');
  return v.map((d: P) => ({ file: d.file ?? null, line: d.line ?? null, col: d.column ?? d.col ?? null, severity: d.severity ?? null, code: d.code ?? null, message: d.message ?? '' }));
}

function heartbeatColumns(hb: P, at: unknown): Row {
  const account = (hb.account ?? null) as P | null;
  const row: Row = { last_heartbeat_at: time(at) };
  if ('terminalConnected' in hb) row.terminal_connected = hb.terminalConnected ?? null;
  if ('tradeAllowed' in hb) row.trade_allowed = hb.tradeAllowed ?? null;
  if ('account' in hb) {
    row.account = account;
    row.account_login = num(account?.login);
    row.account_server = account?.server ?? null;
  }
  if ('build' in hb) row.terminal_build = hb.build ?? null;
  if ('bridgeVersion' in hb) row.bridge_version = hb.bridgeVersion ?? null;
  if ('metrics' in hb) row.metrics = hb.metrics ?? null;
  return row;
}

function full(table: SyncTableName, row: Row): TargetRow {
  return { table, full: true, row };
}

function patch(table: SyncTableName, row: Row): TargetRow {
  return { table, full: false, row };
}

function str(p: P, key: string): string {
  const v = p[key];
  if (typeof v !== 'string' || v === '') throw new MappingError(`payload.${key} must be a non-empty string, got ${JSON.stringify(v)}`);
  return v;
}

/** Local times are integer ms; the target wants timestamptz (ISO strings convert on both sinks). */
function time(v: unknown): string {
  const d = typeof v === 'number' || typeof v === 'string' ? new Date(v) : undefined;
  if (!d || Number.isNaN(d.getTime())) throw new MappingError(`${JSON.stringify(v)} is not a time`);
  return d.toISOString();
}

function num(v: unknown): number | string | null {
  if (v === undefined || v === null || v === '') return null;
  if (typeof v === 'number' || typeof v === 'string') return v;
  return null;
}
