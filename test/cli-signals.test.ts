import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, storePath } from '../src/store/db.js';
import { newId } from '../src/store/ids.js';
import { insertSignal, type SignalInsert } from '../src/store/signals.js';
import { createStrategy } from '../src/store/strategies.js';
import { defaultSettings } from '../src/core/settings.js';

const ROOT = join(import.meta.dirname, '..');
let dir: string;
let dataDir: string;

function dcap(...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/dcap.js'), '--data-dir', dataDir, ...args], { cwd: dir, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const T0 = Date.parse('2025-03-03T08:00:00Z');
const ids: Record<string, string> = {};

function signal(key: string, strategyId: string, receivedAt: number, over: Partial<SignalInsert>): void {
  const id = newId();
  ids[key] = id;
  const body = over.rawBody ?? '{"action":"buy","symbol":"OANDA:EURUSD","qty":"0.10"}';
  const s: SignalInsert = {
    id,
    strategyId,
    receivedAt,
    sourceIp: '203.0.113.7',
    contentType: 'application/json',
    rawBody: body,
    bodyHash: 'x'.repeat(64),
    format: 'json',
    alertId: null,
    parsed: { format: 'json', action: 'buy', symbol: 'OANDA:EURUSD', qty: 0.1 },
    symbol: 'OANDA:EURUSD',
    action: 'buy',
    outcome: 'accepted',
    reason: null,
    error: null,
    httpStatus: 200,
    duplicateOf: null,
    jobId: null,
    ...over,
  };
  insertSignal(db, s);
}
let db: ReturnType<typeof openDb>;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dcap-signals-'));
  dataDir = join(dir, 'data');
  db = openDb(storePath(dataDir));
  const trend = createStrategy(db, 'trend', defaultSettings(), T0).strategy.id;
  const pine = createStrategy(db, 'pine', defaultSettings(), T0).strategy.id;
  signal('a', trend, T0, {});
  signal('b', trend, T0 + 60_000, { outcome: 'blocked', reason: 'symbol_not_allowed', symbol: 'OANDA:USDJPY', rawBody: '{"action":"buy","symbol":"OANDA:USDJPY"}' });
  signal('c', pine, T0 + 120_000, { contentType: 'text/plain; charset=utf-8', rawBody: '60123456789,sell,XAUUSD,lots=0.2', format: 'pine', action: 'sell', symbol: 'XAUUSD', parsed: { format: 'pine', action: 'sell', symbol: 'XAUUSD', qty: 0.2 } });
  signal('d', trend, T0 + 180_000, { outcome: 'rejected', httpStatus: 422, reason: 'placeholder', error: { code: 'placeholder', message: 'symbol contains {{ticker}}', field: 'symbol' }, parsed: null, symbol: null, action: null, format: null, rawBody: '{"action":"buy","symbol":"{{ticker}}"}' });
  signal('recent', pine, Date.now() - 5 * 60_000, { rawBody: '60123456789,closeall', format: 'pine', action: 'close_all', symbol: null });
  db.close();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('dcap signals list', () => {
  it('lists newest first with the documented JSON fields', () => {
    const r = dcap('--json', 'signals', 'list');
    expect(r.code, r.stderr).toBe(0);
    const items = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(items.map((i) => i.id)).toEqual([ids.recent, ids.d, ids.c, ids.b, ids.a]);
    expect(items[3]).toMatchObject({ strategy: 'trend', status: 'blocked', outcome: 'blocked', reason: 'symbol_not_allowed', receivedAt: '2025-03-03T08:01:00.000Z', symbol: 'OANDA:USDJPY', action: 'buy', httpStatus: 200 });
    expect(items[1]).toMatchObject({ status: 'rejected', reason: 'placeholder', httpStatus: 422, symbol: null, action: null });
  });

  it('filters by strategy, status, since (ISO and duration) and limit', () => {
    const list = (...a: string[]) => (JSON.parse(dcap('--json', 'signals', 'list', ...a).stdout) as { id: string }[]).map((i) => i.id);
    expect(list('--strategy', 'pine')).toEqual([ids.recent, ids.c]);
    expect(list('--status', 'blocked')).toEqual([ids.b]);
    expect(list('--strategy', 'trend', '--since', '2025-03-03T08:01:00Z')).toEqual([ids.d, ids.b]);
    expect(list('--since', '1h')).toEqual([ids.recent]);
    expect(list('--limit', '2')).toEqual([ids.recent, ids.d]);
  });

  it('prints a readable table', () => {
    const r = dcap('signals', 'list', '--strategy', 'trend');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^id\s+received\s+strategy\s+status\s+http\s+symbol\s+action\s+reason$/);
    expect(lines).toHaveLength(4);
    expect(lines[2]).toContain('symbol_not_allowed');
  });

  it('names a bad filter instead of printing an empty list', () => {
    const a = dcap('signals', 'list', '--strategy', 'nope');
    expect(a.code).toBe(1);
    expect(a.stderr).toContain('no strategy named "nope"');
    const b = dcap('signals', 'list', '--status', 'done');
    expect(b.code).toBe(1);
    expect(b.stderr).toContain('--status: "done"');
    const c = dcap('signals', 'list', '--since', 'yesterday');
    expect(c.code).toBe(1);
    expect(c.stderr).toContain('--since');
  });
});

describe('dcap signals show', () => {
  it('shows every column, the raw body and the parsed alert, by full id or unique prefix', () => {
    const r = dcap('signals', 'show', ids.c!);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('60123456789,sell,XAUUSD,lots=0.2');
    expect(r.stdout).toMatch(/parsed alert:\n\s+\{\n\s+"format": "pine"/);
    expect(r.stdout).toMatch(/content type:\s+text\/plain; charset=utf-8/);
    const j = dcap('--json', 'signals', 'show', ids.d!.slice(0, 30));
    expect(j.code, j.stderr).toBe(0);
    expect(JSON.parse(j.stdout)).toMatchObject({ id: ids.d, strategy: 'trend', rawBody: '{"action":"buy","symbol":"{{ticker}}"}', error: { code: 'placeholder', field: 'symbol' }, parsed: null, httpStatus: 422 });
  });

  it('refuses an ambiguous prefix, an unknown id and a non-id', () => {
    const common = ids.a!.slice(0, 4);
    const amb = dcap('signals', 'show', common);
    expect(amb.code).toBe(1);
    expect(amb.stderr).toContain('matches several signals');
    const none = dcap('signals', 'show', 'ffffffff');
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no signal with id ffffffff');
    const bad = dcap('signals', 'show', "x' OR 1=1");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('is not a signal id');
  });
});

describe('dcap signals export', () => {
  it('writes fixture lines oldest first, filtered, to stdout or a file', () => {
    const r = dcap('signals', 'export', '--strategy', 'trend');
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([
      { strategy: 'trend', contentType: 'application/json', body: '{"action":"buy","symbol":"OANDA:EURUSD","qty":"0.10"}', at: '2025-03-03T08:00:00.000Z' },
      { strategy: 'trend', contentType: 'application/json', body: '{"action":"buy","symbol":"OANDA:USDJPY"}', at: '2025-03-03T08:01:00.000Z' },
      { strategy: 'trend', contentType: 'application/json', body: '{"action":"buy","symbol":"{{ticker}}"}', at: '2025-03-03T08:03:00.000Z' },
    ]);
    const out = join(dir, 'since.jsonl');
    const f = dcap('--json', 'signals', 'export', '--since', '2025-03-03T08:02:00Z', '--out', out);
    expect(f.code, f.stderr).toBe(0);
    expect(JSON.parse(f.stdout)).toEqual({ file: out, count: 3 });
    const written = readFileSync(out, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { body: string }).body);
    expect(written).toEqual(['60123456789,sell,XAUUSD,lots=0.2', '{"action":"buy","symbol":"{{ticker}}"}', '60123456789,closeall']);
  });
});
