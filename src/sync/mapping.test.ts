import { describe, expect, it } from 'vitest';
import { planBatch } from './batch.js';
import { EVENT_TYPES, mapEvent, MappingError, type OutboxRow } from './mapping.js';

const ctx = { userId: 'u-1', nodeId: 'n-1' };
const T = 1_763_700_000_000;
const iso = (ms: number) => new Date(ms).toISOString();
let seq = 0;
const ev = (type: string, payload: unknown, createdAt = T): OutboxRow => ({
  seq: ++seq,
  id: `e${seq}`,
  aggregate: type.split('.')[0]!,
  aggregateId: 'x',
  type,
  payload: JSON.stringify(payload),
  createdAt,
});

const signal = {
  id: 's1', strategyId: 'st1', receivedAt: T, sourceIp: '1.2.3.4', contentType: 'text/plain', rawBody: '{"action":"buy"}', bodyHash: 'h',
  format: 'json', alertId: 'a1', parsed: { action: 'buy' }, symbol: 'EURUSD', action: 'buy', outcome: 'accepted', reason: null, error: null,
  httpStatus: 200, duplicateOf: null, jobId: 'j1',
};
const job = { id: 'j1', signalId: 's1', strategyId: 'st1', agent: 'vps', type: 'trade', payload: { symbol: 'EURUSD' }, createdAt: T, expiresAt: null, status: 'pending' };
const jobState = { id: 'j1', signalId: 's1', strategyId: 'st1', agent: 'vps', type: 'trade', status: 'running', attempts: 1, leaseUntil: T + 30_000, claimedBy: 'ag1', result: null, createdAt: T, updatedAt: T + 5, expiresAt: null, completedAt: null };

describe('mapEvent', () => {
  it('strategy.upserted and strategy.removed: a full tv_strategies row, version = updatedAt', () => {
    const p = { id: 'st1', name: 'fx', enabled: true, settings: { maxLots: 1 }, createdAt: T, updatedAt: T + 1, removedAt: null };
    const e = ev('strategy.upserted', p);
    expect(mapEvent(e, ctx)).toEqual([
      { table: 'tv_strategies', full: true, row: { id: 'st1', name: 'fx', enabled: true, settings: { maxLots: 1 }, created_at: iso(T), removed_at: null, updated_at: iso(T + 1), user_id: 'u-1', node_id: 'n-1', sync_seq: e.seq } },
    ]);
    expect(mapEvent(ev('strategy.removed', { ...p, removedAt: T + 9, updatedAt: T + 9 }), ctx)[0]!.row).toMatchObject({ removed_at: iso(T + 9), updated_at: iso(T + 9) });
  });

  it('signal.recorded: a full tv_signals row whose status starts as the outcome', () => {
    const e = ev('signal.recorded', signal);
    const [t] = mapEvent(e, ctx);
    expect(t).toMatchObject({ table: 'tv_signals', full: true });
    expect(t!.row).toEqual({
      id: 's1', strategy_id: 'st1', received_at: iso(T), source_ip: '1.2.3.4', content_type: 'text/plain', raw_body: '{"action":"buy"}', body_hash: 'h',
      format: 'json', alert_id: 'a1', parsed: { action: 'buy' }, symbol: 'EURUSD', action: 'buy', outcome: 'accepted', status: 'accepted', reason: null,
      error: null, http_status: 200, duplicate_of: null, job_id: 'j1', updated_at: iso(T), user_id: 'u-1', node_id: 'n-1', sync_seq: e.seq,
    });
  });

  it('signal.updated: a patch of status (and reason only when set), version = updatedAt', () => {
    const ok = mapEvent(ev('signal.updated', { id: 's1', status: 'executed', reason: null, result: { ok: true }, completedAt: T + 7, updatedAt: T + 7 }), ctx);
    expect(ok).toEqual([{ table: 'tv_signals', full: false, row: { id: 's1', status: 'executed', updated_at: iso(T + 7), user_id: 'u-1', node_id: 'n-1', sync_seq: seq } }]);
    const failed = mapEvent(ev('signal.updated', { id: 's1', status: 'failed', reason: '10019 NO_MONEY', result: {}, completedAt: T + 8, updatedAt: T + 8 }), ctx);
    expect(failed[0]!.row).toMatchObject({ status: 'failed', reason: '10019 NO_MONEY' });
  });

  it('job.created: a full jobs row; job.claimed / job.completed: patches without the payload', () => {
    expect(mapEvent(ev('job.created', job), ctx)[0]).toMatchObject({
      table: 'jobs', full: true,
      row: { id: 'j1', signal_id: 's1', strategy_id: 'st1', agent: 'vps', type: 'trade', payload: { symbol: 'EURUSD' }, status: 'pending', attempts: 0, created_at: iso(T), updated_at: iso(T) },
    });
    const claimed = mapEvent(ev('job.claimed', jobState), ctx)[0]!;
    expect(claimed).toEqual({
      table: 'jobs', full: false,
      row: { id: 'j1', status: 'running', attempts: 1, lease_until: iso(T + 30_000), claimed_by: 'ag1', result: null, updated_at: iso(T + 5), user_id: 'u-1', node_id: 'n-1', sync_seq: seq },
    });
    const done = mapEvent(ev('job.completed', { ...jobState, status: 'done', leaseUntil: null, result: { ticket: 1 }, updatedAt: T + 9 }), ctx)[0]!;
    expect(done.row).toMatchObject({ status: 'done', lease_until: null, result: { ticket: 1 }, updated_at: iso(T + 9) });
  });

  it('agent.upserted: a full mt5_agents row; heartbeat and revoke: patches; version = time of the change', () => {
    const up = mapEvent(ev('agent.upserted', { id: 'ag1', name: 'vps', keyPrefix: 'dcap_ak_', createdAt: T, lastSeenAt: null, heartbeatAt: null, heartbeat: null, stateAt: null }), ctx)[0]!;
    expect(up).toMatchObject({ table: 'mt5_agents', full: true, row: { id: 'ag1', name: 'vps', paired_at: iso(T), created_at: iso(T), updated_at: iso(T) } });
    expect(JSON.stringify(up)).not.toContain('dcap_ak_'); // nothing of the key leaves the node
    const hb = mapEvent(ev('agent.heartbeat', { id: 'ag1', heartbeatAt: T + 3, terminalConnected: true, tradeAllowed: false, account: { login: 5001, server: 'Demo' }, build: 4410, bridgeVersion: '1.0.0', metrics: { q: 0 } }, T + 3), ctx)[0]!;
    expect(hb).toEqual({
      table: 'mt5_agents', full: false,
      row: {
        id: 'ag1', last_heartbeat_at: iso(T + 3), terminal_connected: true, trade_allowed: false, account: { login: 5001, server: 'Demo' }, account_login: 5001,
        account_server: 'Demo', terminal_build: 4410, bridge_version: '1.0.0', metrics: { q: 0 }, updated_at: iso(T + 3), user_id: 'u-1', node_id: 'n-1', sync_seq: seq,
      },
    });
    expect(mapEvent(ev('agent.revoked', { id: 'ag1', name: 'vps', revokedAt: T + 4 }, T + 4), ctx)[0]).toMatchObject({ full: false, row: { id: 'ag1', revoked_at: iso(T + 4), updated_at: iso(T + 4) } });
  });

  it('agent.state: the positions snapshot of the agent, version = stateAt', () => {
    const [t] = mapEvent(ev('agent.state', { agentId: 'ag1', stateAt: T + 2, account: { currency: 'USD', balance: 1000, equity: 990, margin: 5, freeMargin: 985 }, positions: [{ ticket: 1 }] }), ctx);
    expect(t).toMatchObject({
      table: 'positions', full: true,
      row: { agent_id: 'ag1', currency: 'USD', balance: 1000, equity: 990, margin: 5, free_margin: 985, positions: [{ ticket: 1 }], orders: [], updated_at: iso(T + 2) },
    });
  });

  it('trade_event.recorded: an append-only trade_events row (no sync_seq), the whole event kept in details', () => {
    const p = { id: 'te1', agentId: 'ag1', kind: 'fill', jobId: 'j1', signalId: 's1', symbol: 'EURUSD', side: 'buy', volume: 0.1, price: 1.1, ticket: '42', time: T - 1 };
    const [t] = mapEvent(ev('trade_event.recorded', p), ctx);
    expect(t).toMatchObject({ table: 'trade_events', full: true, row: { id: 'te1', agent_id: 'ag1', kind: 'fill', ticket: '42', occurred_at: iso(T - 1), created_at: iso(T), details: p } });
    expect(t!.row).not.toHaveProperty('sync_seq');
  });

  it('ea_project.created: a full ea_projects row without the local-only folder, symbol and timeframe', () => {
    const p = { id: 'p1', name: 'trend', template: 'ma-cross', symbol: 'EURUSD', timeframe: 'H1', dir: '/home/me/ea/trend', description: null, createdAt: T, updatedAt: T };
    const e = ev('ea_project.created', p);
    expect(mapEvent(e, ctx)).toEqual([
      { table: 'ea_projects', full: true, row: { id: 'p1', name: 'trend', template: 'ma-cross', description: null, created_at: iso(T), updated_at: iso(T), user_id: 'u-1', node_id: 'n-1', sync_seq: e.seq } },
    ]);
  });

  it('ea_version.created / ea_version.compiled: compile status none->pending, compiled->ok, failed->failed; diagnostics column->col', () => {
    const created = { id: 'v1', projectId: 'p1', projectName: 'trend', number: 2, contentHash: 'h'.repeat(64), source: 'int OnInit(){return 0;}', origin: 'edit', note: 'x', compileStatus: 'none', diagnostics: [], createdAt: T, updatedAt: T };
    const e = ev('ea_version.created', created);
    expect(mapEvent(e, ctx)).toEqual([
      {
        table: 'ea_versions', full: true,
        row: { id: 'v1', project_id: 'p1', number: 2, content_hash: 'h'.repeat(64), source: 'int OnInit(){return 0;}', compile_status: 'pending', diagnostics: [], compiled_at: null, created_at: iso(T), updated_at: iso(T), user_id: 'u-1', node_id: 'n-1', sync_seq: e.seq },
      },
    ]);
    const diag = { file: 'trend.mq5', line: 12, column: 5, severity: 'error', code: 256, message: "undeclared identifier 'x'" };
    const failed = mapEvent(ev('ea_version.compiled', { id: 'v1', projectId: 'p1', number: 2, compileStatus: 'failed', errors: 1, warnings: 0, diagnostics: [diag], problem: null, compiledAt: T + 5, updatedAt: T + 5 }), ctx);
    expect(failed).toEqual([
      {
        table: 'ea_versions', full: false,
        row: { id: 'v1', compile_status: 'failed', diagnostics: [{ file: 'trend.mq5', line: 12, col: 5, severity: 'error', code: 256, message: "undeclared identifier 'x'" }], compiled_at: iso(T + 5), updated_at: iso(T + 5), user_id: 'u-1', node_id: 'n-1', sync_seq: seq },
      },
    ]);
    expect(mapEvent(ev('ea_version.compiled', { id: 'v1', compileStatus: 'compiled', diagnostics: [], compiledAt: T + 6, updatedAt: T + 6 }), ctx)[0]!.row.compile_status).toBe('ok');
    expect(() => mapEvent(ev('ea_version.compiled', { id: 'v1', compileStatus: 'maybe', compiledAt: T }), ctx)).toThrow(/compileStatus "maybe"/);
  });

  it('ea_artifact.recorded: an append-only ea_artifacts row', () => {
    const [t] = mapEvent(ev('ea_artifact.recorded', { id: 'a1', versionId: 'v1', kind: 'ex5', path: '/p/build/v2/trend.ex5', sizeBytes: 48213, sha256: 'f'.repeat(64), createdAt: T }), ctx);
    expect(t).toEqual({ table: 'ea_artifacts', full: true, row: { id: 'a1', version_id: 'v1', kind: 'ex5', path: '/p/build/v2/trend.ex5', size_bytes: 48213, sha256: 'f'.repeat(64), created_at: iso(T), user_id: 'u-1', node_id: 'n-1' } });
  });

  it('ea_deployment.created / updated: a full ea_deployments row (no chart id), then status patches', () => {
    const d = { id: 'd1', versionId: 'v1', agentId: 'ag1', symbol: 'EURUSD', timeframe: 'H1', inputs: { RiskPct: '0.5' }, status: 'pending', error: null, chartId: null, createdAt: T, updatedAt: T };
    const e = ev('ea_deployment.created', d);
    expect(mapEvent(e, ctx)).toEqual([
      {
        table: 'ea_deployments', full: true,
        row: { id: 'd1', version_id: 'v1', agent_id: 'ag1', symbol: 'EURUSD', timeframe: 'H1', inputs: { RiskPct: '0.5' }, status: 'pending', error: null, created_at: iso(T), updated_at: iso(T), user_id: 'u-1', node_id: 'n-1', sync_seq: e.seq },
      },
    ]);
    const up = mapEvent(ev('ea_deployment.updated', { id: 'd1', status: 'running', error: null, chartId: '133200000000000001', updatedAt: T + 9 }), ctx);
    expect(up).toEqual([{ table: 'ea_deployments', full: false, row: { id: 'd1', status: 'running', error: null, updated_at: iso(T + 9), user_id: 'u-1', node_id: 'n-1', sync_seq: seq } }]);
  });

  it('every known event type is covered above', () => {
    expect(EVENT_TYPES.sort()).toEqual(
      [
        'agent.heartbeat', 'agent.revoked', 'agent.state', 'agent.upserted', 'job.claimed', 'job.completed', 'job.created', 'signal.recorded', 'signal.updated', 'strategy.removed', 'strategy.upserted', 'trade_event.recorded',
        'ea_project.created', 'ea_version.created', 'ea_version.compiled', 'ea_artifact.recorded', 'ea_deployment.created', 'ea_deployment.updated',
      ].sort(),
    );
  });

  it('refuses an unknown type, a non-JSON payload, or a missing required field, naming it', () => {
    expect(() => mapEvent(ev('order.teleported', {}), ctx)).toThrow(/unknown outbox event type "order.teleported"/);
    expect(() => mapEvent({ ...ev('signal.recorded', {}), payload: '{nope' }, ctx)).toThrow(MappingError);
    expect(() => mapEvent(ev('signal.recorded', { ...signal, rawBody: undefined }), ctx)).toThrow(/payload.rawBody/);
    expect(() => mapEvent(ev('job.created', { ...job, createdAt: 'yesterday' }), ctx)).toThrow(/not a time/);
  });
});

describe('planBatch', () => {
  it('folds a row and its later changes into one full row, sends other changes as patches, in seq order', () => {
    const batch = [
      ev('signal.recorded', signal),
      ev('job.created', job),
      ev('job.claimed', jobState),
      ev('job.completed', { ...jobState, status: 'done', result: { ticket: 1 }, updatedAt: T + 9 }),
      ev('signal.updated', { id: 's1', status: 'executed', reason: null, result: {}, completedAt: T + 9, updatedAt: T + 9 }),
      ev('signal.updated', { id: 's0', status: 'failed', reason: 'x', result: {}, completedAt: T + 9, updatedAt: T + 9 }),
    ];
    const plan = planBatch(batch, ctx);
    expect(plan.unmappable).toEqual([]);
    expect(plan.ops.map((o) => [o.kind, o.table, o.rows.length])).toEqual([
      ['upsert', 'tv_signals', 1],
      ['upsert', 'jobs', 1],
      ['patch', 'tv_signals', 1],
    ]);
    expect(plan.ops[0]!.rows[0]).toMatchObject({ id: 's1', status: 'executed', outcome: 'accepted', raw_body: '{"action":"buy"}', updated_at: iso(T + 9), sync_seq: batch[4]!.seq });
    expect(plan.ops[1]!.rows[0]).toMatchObject({ id: 'j1', status: 'done', payload: { symbol: 'EURUSD' }, claimed_by: 'ag1', result: { ticket: 1 }, sync_seq: batch[3]!.seq });
    expect(plan.ops[2]!.rows[0]).toMatchObject({ id: 's0', status: 'failed' });
    expect(plan.sources.get('jobs:j1')).toEqual([batch[1]!.seq, batch[2]!.seq, batch[3]!.seq]);
  });

  it('keeps the first copy of a duplicated event and sets unmappable rows aside', () => {
    const te = { id: 'te1', agentId: 'ag1', kind: 'fill', time: T };
    const plan = planBatch([ev('trade_event.recorded', te), ev('trade_event.recorded', { ...te, kind: 'close' }), ev('nope.nope', {})], ctx);
    expect(plan.ops).toEqual([{ kind: 'upsert', table: 'trade_events', rows: [expect.objectContaining({ kind: 'fill' })] }]);
    expect(plan.unmappable).toEqual([{ seq, error: expect.stringContaining('nope.nope') }]);
  });
});
