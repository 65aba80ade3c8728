import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/log.js';
import { openDb, type DB } from '../src/store/db.js';
import { newId } from '../src/store/ids.js';
import { appendOutbox } from '../src/store/outbox.js';
import { SyncLoop } from '../src/sync/loop.js';
import { SupabaseSink } from '../src/sync/sink-supabase.js';
import { tempDir } from './helpers/daemon.js';

/**
 * The supabase-js sink against a local HTTP server that records the exact requests
 * (Supabase's hosted REST cannot run here): paths, query, headers, bodies, and what the loop
 * does with each kind of answer.
 */
interface Captured {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: any;
}
type Answer = { status: number; body?: unknown } | 'hang-up';

const KEY = 'service-role-key-for-tests';
const USER = '7d3c1f5e-0000-4000-8000-00000000abcd';

describe('supabase-js sink contract', () => {
  const tmp = tempDir();
  let server: Server;
  let base: string;
  const requests: Captured[] = [];
  let answer: (req: Captured) => Answer = () => ({ status: 201 });

  beforeAll(async () => {
    server = createServer((req, res) => {
      let text = '';
      req.setEncoding('utf8').on('data', (d: string) => (text += d));
      req.on('end', () => {
        const url = new URL(req.url!, 'http://x');
        const captured = { method: req.method!, path: url.pathname, query: url.searchParams, headers: req.headers, body: text ? JSON.parse(text) : undefined };
        requests.push(captured);
        const a = answer(captured);
        if (a === 'hang-up') return req.socket.destroy();
        res.writeHead(a.status, { 'content-type': 'application/json' });
        res.end(a.body === undefined ? '' : JSON.stringify(a.body));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(() => {
    requests.length = 0;
    answer = () => ({ status: 201 });
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    tmp.cleanup();
  });

  const signalRow = (id: string) => ({ id, user_id: USER, strategy_id: newId(), raw_body: '{}', status: 'accepted', updated_at: '2026-11-21T00:00:00.000Z', sync_seq: 1 });

  it('upserts state rows with merge-duplicates on the row id, authenticated with the service role key', async () => {
    const sink = new SupabaseSink(base, KEY);
    const rows = [signalRow(newId()), signalRow(newId())];
    await sink.apply([{ kind: 'upsert', table: 'tv_signals', rows }]);
    expect(requests).toHaveLength(1);
    const r = requests[0]!;
    expect(r.method).toBe('POST');
    expect(r.path).toBe('/rest/v1/tv_signals');
    expect(r.query.get('on_conflict')).toBe('id');
    expect(r.query.get('columns')).toBe('"id","user_id","strategy_id","raw_body","status","updated_at","sync_seq"');
    expect(r.headers.prefer).toBe('resolution=merge-duplicates');
    expect(r.headers.apikey).toBe(KEY);
    expect(r.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(r.headers['content-type']).toContain('application/json');
    expect(r.body).toEqual(rows);
    await sink.close();
  });

  it('sends append-only events with ignore-duplicates, keyed on the event id', async () => {
    const sink = new SupabaseSink(base, KEY);
    const ev = { id: newId(), user_id: USER, kind: 'fill', occurred_at: '2026-11-21T00:00:00.000Z' };
    await sink.apply([{ kind: 'upsert', table: 'trade_events', rows: [ev] }]);
    expect(requests[0]).toMatchObject({ path: '/rest/v1/trade_events', body: [ev] });
    expect(requests[0]!.query.get('on_conflict')).toBe('id');
    expect(requests[0]!.headers.prefer).toBe('resolution=ignore-duplicates');
  });

  it('sends partial updates to rpc/dcap_sync_patch and reports the rows the target lacks', async () => {
    const sink = new SupabaseSink(base, KEY);
    const present = newId();
    const absent = newId();
    answer = () => ({ status: 200, body: [absent] });
    const rows = [
      { id: present, user_id: USER, status: 'done', updated_at: '2026-11-21T00:00:01.000Z', sync_seq: 7 },
      { id: absent, user_id: USER, status: 'done', updated_at: '2026-11-21T00:00:01.000Z', sync_seq: 8 },
    ];
    const result = await sink.apply([{ kind: 'patch', table: 'jobs', rows }]);
    expect(requests[0]).toMatchObject({ method: 'POST', path: '/rest/v1/rpc/dcap_sync_patch', body: { p_table: 'jobs', p_rows: rows } });
    expect(requests[0]!.headers.apikey).toBe(KEY);
    expect(requests[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect([...result.missing]).toEqual([`jobs:${absent}`]);
  });

  describe('the loop over this sink', () => {
    let db: DB;
    let n = 0;
    beforeAll(() => {
      db = openDb(join(tmp.dir, 'loop.db'));
    });
    afterAll(() => db.close());

    /** `count` accepted signals, each with its job, as the webhook daemon records them. */
    function record(count: number): string[] {
      const ids: string[] = [];
      db.transaction(() => {
        for (let i = 0; i < count; i++) {
          const id = newId();
          const now = Date.now();
          ids.push(id);
          const payload = { id, strategyId: newId(), receivedAt: now, rawBody: `{"n":${n++}}`, bodyHash: 'h', outcome: 'accepted', httpStatus: 200, jobId: null };
          appendOutbox(db, { aggregate: 'signal', aggregateId: id, type: 'signal.recorded', payload }, now);
        }
      })();
      return ids;
    }
    const pending = () => db.prepare('SELECT count(*) FROM outbox WHERE synced_at IS NULL AND dead = 0').pluck().get() as number;
    const loop = (url = base) =>
      new SyncLoop({ db, sink: new SupabaseSink(url, KEY), log: createLogger('error'), map: { userId: USER, nodeId: null }, batchSize: 100, intervalMs: 20, backoffBaseMs: 10, backoffMaxMs: 50 });

    it('201: rows are marked synced, in one request per table and batch', async () => {
      const ids = record(5);
      const result = await loop().drain();
      expect(result).toEqual({ ok: true, error: null });
      expect(pending()).toBe(0);
      expect(requests).toHaveLength(1);
      expect(requests[0]!.body.map((r: { id: string }) => r.id)).toEqual(ids);
      expect(requests[0]!.body[0]).toMatchObject({ user_id: USER, status: 'accepted', sync_seq: expect.any(Number) });
    });

    it('409 on one row: that row goes dead with the error kept, the others arrive', async () => {
      const ids = record(6);
      const bad = ids[3]!;
      answer = (r) => (r.body.some((row: { id: string }) => row.id === bad) ? { status: 409, body: { code: '23505', message: 'duplicate key value', details: null, hint: null } } : { status: 201 });
      const l = loop();
      const result = await l.drain();
      expect(result.ok).toBe(false);
      const dead = db.prepare('SELECT aggregate_id, last_error FROM outbox WHERE dead = 1').all() as { aggregate_id: string; last_error: string }[];
      expect(dead).toEqual([{ aggregate_id: bad, last_error: expect.stringContaining('HTTP 409 23505') }]);
      expect(pending()).toBe(0);
      // Every good row was accepted exactly in one request that did not contain the bad row.
      const delivered = requests.filter((r) => !r.body.some((row: { id: string }) => row.id === bad)).flatMap((r) => r.body.map((row: { id: string }) => row.id));
      expect(new Set(delivered)).toEqual(new Set(ids.filter((id) => id !== bad)));
      expect(l.snapshot()).toMatchObject({ dead: 1, pending: 0 });
      db.prepare('UPDATE outbox SET dead = 0, synced_at = 0 WHERE dead = 1').run();
    });

    it('401: the loop pauses, nothing goes dead, every row still waits', async () => {
      record(3);
      answer = () => ({ status: 401, body: { message: 'Invalid API key', hint: 'Double check your Supabase `anon` or `service_role` API key.' } });
      const l = loop();
      const result = await l.drain();
      expect(result.ok).toBe(false);
      expect(result.error).toContain('HTTP 401');
      expect(l.snapshot()).toMatchObject({ state: 'paused-auth', dead: 0, pending: 3, lastError: expect.stringContaining('401') });
      expect(db.prepare('SELECT count(*) FROM outbox WHERE dead = 1').pluck().get()).toBe(0);
      await l.stop();
      answer = () => ({ status: 201 });
      expect(await loop().drain()).toEqual({ ok: true, error: null });
    });

    it('5xx: backs off and resends the same batch until it is accepted', async () => {
      const ids = record(4);
      let calls = 0;
      answer = () => (++calls <= 2 ? { status: 503, body: { message: 'unavailable' } } : { status: 201 });
      expect(await loop().drain()).toEqual({ ok: true, error: null });
      expect(requests).toHaveLength(3);
      for (const r of requests) expect(r.body.map((row: { id: string }) => row.id)).toEqual(ids);
      expect(db.prepare('SELECT max(attempts) FROM outbox').pluck().get()).toBe(2);
      expect(pending()).toBe(0);
    });

    it('network failure: the connection dropped, then a closed port: rows wait and are retried', async () => {
      record(2);
      answer = () => 'hang-up';
      const l = loop();
      const r = await l.drain(2);
      expect(r.ok).toBe(false);
      expect(r.error).toContain('network');
      expect(requests.length).toBe(3); // postgrest-js never retries a POST: every attempt is the loop's
      expect(pending()).toBe(2);
      const closed = await loop('http://127.0.0.1:1').drain(1);
      expect(closed.ok).toBe(false);
      expect(pending()).toBe(2);
      answer = () => ({ status: 201 });
      expect(await loop().drain()).toEqual({ ok: true, error: null });
      expect(pending()).toBe(0);
    });
  });
});
