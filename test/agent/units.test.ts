/** The agent's pure parts and its store, without processes. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CommandSchema, HelloSchema, type Hello, type Position } from '../../src/bridge/protocol.js';
import { toCommand } from '../../src/agent/command.js';
import { eventsFromResult, eventsFromStateChange } from '../../src/agent/events.js';
import { bridgeReadiness } from '../../src/agent/health.js';
import { AgentStore } from '../../src/agent/outbox.js';
import { backoffMs } from '../../src/agent/timing.js';
import type { ServerJob } from '../../src/agent/client.js';
import { ROOT, tempDir } from '../helpers/daemon.js';

const job = (over: Partial<ServerJob> = {}): ServerJob => ({
  id: '0193a2f4-5c6d-7e8f-9a0b-1c2d3e4f5a6b',
  type: 'trade',
  signalId: 's1',
  attempt: 1,
  createdAt: 1763700000000,
  leaseUntil: null,
  payload: { action: 'buy', symbol: 'EURUSD.m', sourceSymbol: 'OANDA:EURUSD', orderType: 'market', side: 'buy', volume: 0.1, sl: 1.08, tp: 1.09, maxVolume: 2 },
  ...over,
});

describe('toCommand', () => {
  it('maps a trade job to a protocol command, passing expiresAt and the max lots, dropping what the protocol lacks', () => {
    const m = toCommand(job({ expiresAt: 1763700060000, payload: { ...job().payload, unknownField: 1 } }), 41);
    expect(m.ok).toBe(true);
    if (!m.ok) return;
    expect(CommandSchema.parse(m.command)).toEqual(m.command);
    expect(m.command).toMatchObject({ v: 1, seq: 41, type: 'trade', action: 'buy', symbol: 'EURUSD.m', volume: 0.1, expiresAt: 1763700060000 });
    expect(m.command).toMatchObject({ maxVolume: 2 });
    expect(m.command).not.toHaveProperty('unknownField');
  });

  it('maps close, modify and cancel jobs', () => {
    const close = toCommand(job({ type: 'close', payload: { action: 'close_long', symbol: 'EURUSD.m' } }), 2);
    expect(close.ok && close.command).toMatchObject({ type: 'close', action: 'close_long', symbol: 'EURUSD.m' });
    const modify = toCommand(job({ type: 'modify', payload: { action: 'modify', symbol: 'EURUSD.m', sl: 1.07 } }), 3);
    expect(modify.ok && modify.command).toMatchObject({ type: 'modify', action: 'modify', sl: 1.07 });
    const cancel = toCommand(job({ type: 'cancel', payload: { action: 'cancel', symbol: 'EURUSD.m' } }), 4);
    expect(cancel.ok && cancel.command).toMatchObject({ type: 'cancel', action: 'cancel' });
  });

  it('answers a job the bridge cannot take with a local failed result, never a command file', () => {
    const bad = toCommand(job({ payload: { action: 'buy', symbol: 'EURUSD' } }), 5);
    expect(bad).toMatchObject({ ok: false, result: { ok: false, retcode: 20001, retcodeText: 'DCAP_BAD_COMMAND' } });
    expect((bad as unknown as { result: { error: string } }).result.error).toContain('volume');
    expect(toCommand(job({ type: 'compile', payload: {} }), 6)).toMatchObject({ ok: false, result: { retcode: 20006 } });
  });
});

describe('bridgeReadiness', () => {
  const hello = HelloSchema.parse(JSON.parse(readFileSync(join(ROOT, 'fixtures/bridge/hello.json'), 'utf8')));
  const at = (h: Partial<Hello>) => ({ ...hello, ...h });
  it('says what it waits for', () => {
    const now = hello.time + 500;
    expect(bridgeReadiness(undefined, now, 'd').waitingFor).toBe('terminal');
    expect(bridgeReadiness(hello, hello.time + 3500, 'd').waitingFor).toBe('terminal');
    expect(bridgeReadiness(at({ status: 'stopped' }), now, 'd').waitingFor).toBe('EA heartbeat');
    expect(bridgeReadiness(at({ terminal: { ...hello.terminal, connected: false } }), now, 'd').waitingFor).toBe('terminal');
    const off = bridgeReadiness(at({ tradeAllowed: false, terminal: { ...hello.terminal, tradeAllowed: false } }), now, 'd');
    expect(off).toMatchObject({ waitingFor: 'AutoTrading disabled' });
    expect(off.detail).toContain('Algo Trading');
    expect(bridgeReadiness(hello, now, 'd').waitingFor).toBeNull();
  });
});

describe('events', () => {
  const pos = (over: Partial<Position>): Position => ({
    ticket: 1, symbol: 'EURUSD', side: 'buy', volume: 0.1, openPrice: 1.1, currentPrice: 1.1, sl: 1.09, tp: 1.12,
    profit: 0, swap: 0, comment: '', magic: 0, openTime: 1, ...over,
  });
  it('names a vanished position sl, tp or close from the last price seen, once per ticket', () => {
    const before = [pos({ ticket: 1, currentPrice: 1.0899 }), pos({ ticket: 2, currentPrice: 1.1201 }), pos({ ticket: 3 }), pos({ ticket: 4 })];
    const ev = eventsFromStateChange(before, [pos({ ticket: 4 })], 10, new Set([3]));
    expect(ev.map((e) => [e.id, e.kind])).toEqual([['gone:1', 'sl'], ['gone:2', 'tp']]);
  });
  it('derives a fill from an executed trade result, keyed by the deal', () => {
    const r = JSON.parse(readFileSync(join(ROOT, 'fixtures/bridge/result-trade-ok.json'), 'utf8'));
    expect(eventsFromResult(r, 's1')).toEqual([expect.objectContaining({ id: 'fill:4987654321', kind: 'fill', signalId: 's1', volume: 0.1 })]);
    expect(eventsFromResult({ ...r, source: 'terminal' }, 's1')).toEqual([]);
  });
  it("carries the closed position's comment and its P&L (pro rata) for the daily loss limit", () => {
    const before = [pos({ ticket: 7, volume: 0.2, profit: -30, swap: -2, comment: 'dcap:abc' })];
    const close = { v: 1, jobId: 'j1', seq: 3, type: 'close', ok: true, retcode: 10009, retcodeText: 'DONE', order: 9, deal: 99, ticket: 7,
      price: 1.1, volume: 0.1, comment: 'dcap:j1', error: null, source: 'executed', time: 5 } as const;
    expect(eventsFromResult(close, null, before)).toEqual([expect.objectContaining({ id: 'close:7:99', kind: 'close', profit: -16, comment: 'dcap:abc' })]);
    const gone = eventsFromStateChange([pos({ ticket: 8, currentPrice: 1.0899, profit: -11, swap: -1, comment: 'dcap:def' })], [], 10, new Set());
    expect(gone).toEqual([expect.objectContaining({ kind: 'sl', profit: -12, comment: 'dcap:def' })]);
  });
});

describe('backoffMs', () => {
  it('doubles from 1 s to a 30 s cap, with jitter', () => {
    expect([1, 2, 3, 6, 10].map((n) => backoffMs(n, () => 0.5))).toEqual([1000, 2000, 4000, 30000, 30000]);
    expect(backoffMs(1, () => 0)).toBe(800);
    expect(backoffMs(1, () => 1)).toBe(1200);
  });
});

describe('AgentStore', () => {
  const tmp = tempDir('dcap-agent-store-');
  it('keeps seq monotonic across reopen and above minSeq; results are queued once and delivered in order', () => {
    let s = new AgentStore(tmp.dir);
    expect(s.claim(job({ id: 'a' }), 0, 1).seq).toBe(1);
    expect(s.claim(job({ id: 'b' }), 10, 2).seq).toBe(11);
    s.close();
    s = new AgentStore(tmp.dir);
    expect(s.claim(job({ id: 'c' }), 0, 3).seq).toBe(12);
    expect(s.openJobs().map((j) => j.jobId)).toEqual(['a', 'b', 'c']);
    expect(s.recordResult('b', { ok: true }, [], 4)).toBe(true);
    expect(s.recordResult('b', { ok: true }, [], 5)).toBe(false);
    s.queueState({ n: 1 }, 6);
    s.queueState({ n: 2 }, 7);
    expect(s.recordResult('a', { ok: false }, [{ id: 'e' }], 8)).toBe(true);
    const order: string[] = [];
    for (let d = s.nextDelivery(); d; d = s.nextDelivery()) {
      order.push(`${d.kind}:${d.jobId ?? JSON.stringify(d.body)}`);
      s.delivered(d, 9);
    }
    expect(order).toEqual(['result:b', 'state:{"n":2}', 'result:a', 'events:{"events":[{"id":"e"}]}']);
    expect(s.getJob('a')!.stage).toBe('done');
    expect(s.countOpen()).toBe(1);
    s.close();
    tmp.cleanup();
  });
});
