/**
 * Conformance: the folder itself. Commands run in seq order, temporary files are never read,
 * commands are deleted once answered, hello.json beats, subscribe drives ticks.json.
 */
import { readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BRIDGE_VERSION, commandFileName } from '../../src/bridge/protocol.js';
import { buy, controllable, openHarness, waitFor, type Harness } from './harness.js';

let h: Harness;
beforeEach(async () => {
  h = await openHarness({ account: 'hedging' });
});
afterEach(async () => {
  await h.close();
});

describe('the bridge folder', () => {
  it('hello.json beats with a growing beat, the bridge version and status running', async () => {
    const a = await h.hello();
    expect(a).toMatchObject({ status: 'running', bridgeVersion: BRIDGE_VERSION });
    const b = await waitFor('the next beat', async () => {
      const x = await h.hello();
      return x.beat > a.beat ? x : null;
    }, 5000);
    expect(b.time).toBeGreaterThanOrEqual(a.time);
    expect(b.startedAt).toBe(a.startedAt);
  });

  it('several commands written at once run in seq order, not in the order they appeared', async () => {
    const base = Math.floor(Date.now() / 1000) * 100 + 50_000_000;
    const jobs = [3, 1, 2].map((i) => ({ seq: base + i, jobId: h.jobId(), volume: 0.01 * i }));
    if (h.terminal) h.terminal.pause();
    for (const j of jobs) {
      const name = commandFileName(j.seq, j.jobId);
      const body = { v: 1, seq: j.seq, jobId: j.jobId, createdAt: Date.now(), ...buy(h, { volume: Number(j.volume.toFixed(2)) }) };
      await writeFile(join(h.root, 'cmd', `.${name.slice(4)}`), JSON.stringify(body));
      await rename(join(h.root, 'cmd', `.${name.slice(4)}`), join(h.root, name));
    }
    if (h.terminal) h.terminal.resume();
    const results = await Promise.all(jobs.map((j) => h.result(j.jobId)));
    const bySeq = jobs.map((j, i) => ({ seq: j.seq, ticket: results[i]!.ticket })).sort((x, y) => x.seq - y.seq);
    // Tickets grow in execution order.
    expect(bySeq.map((x) => x.ticket)).toEqual([...bySeq.map((x) => x.ticket)].sort((x, y) => x - y));
    await h.waitHello((x) => x.ea.lastSeq >= base + 3);
  });

  it('a temporary file (name starting with ".") is never read; the command is deleted once answered', async () => {
    const jobId = h.jobId();
    const tmp = join(h.root, 'cmd', `.${commandFileName(1, jobId).slice(4)}.tmp`);
    await writeFile(tmp, JSON.stringify({ v: 1, seq: 1, jobId, createdAt: Date.now(), ...buy(h) }));
    const done = await h.run(buy(h));
    expect(done.ok).toBe(true);
    await sleep(300); // more than the fallback scan period: the temp file had its chances
    const left = await readdir(join(h.root, 'cmd'));
    expect(left).toEqual([tmp.split('/').pop()]);
    expect(await readdir(join(h.root, 'res'))).not.toContain(`${jobId}.json`);
    expect((await h.state()).positions.filter((p) => p.magic === h.magic)).toHaveLength(1);
  });

  it('subscribe answers the symbol specs and ticks.json then carries the subscribed symbols', async () => {
    const r = await h.run({ type: 'subscribe', symbols: [h.symbol] });
    expect(r).toMatchObject({ ok: true, retcode: 0, retcodeText: 'OK', type: 'subscribe' });
    expect(r.symbols!.map((s) => s.symbol)).toEqual([h.symbol]);
    if (controllable) h.terminal!.setPrice('EURUSD', 1.2, 1.20008);
    const t = await waitFor('ticks.json with the symbol', async () => {
      const x = await h.ticks().catch(() => null);
      return x?.ticks.find((q) => q.symbol === h.symbol && (!controllable || q.bid === 1.2)) ?? null;
    });
    expect(t.ask).toBeGreaterThanOrEqual(t.bid);
    await h.waitHello((x) => x.subscribed.length === 1 && x.subscribed[0] === h.symbol);
  });

  it('subscribe with an unknown symbol changes nothing and names it', async () => {
    await h.run({ type: 'subscribe', symbols: [h.symbol] });
    const r = await h.run({ type: 'subscribe', symbols: [h.symbol, 'NOPE'] });
    expect(r).toMatchObject({ ok: false, retcode: 20002 });
    expect(r.error).toContain('"NOPE"');
    const later = Date.now();
    const x = await h.waitHello((y) => y.time > later);
    expect(x.subscribed).toEqual([h.symbol]);
  });

  it.skipIf(!controllable)('[paper] a paused (slow) terminal leaves commands waiting and answers them when it resumes', async () => {
    h.terminal!.pause();
    const { jobId } = await h.send(buy(h));
    await h.waitHello((x) => x.ea.pending === 1);
    expect(await readdir(join(h.root, 'res'))).not.toContain(`${jobId}.json`);
    h.terminal!.resume();
    expect(await h.result(jobId)).toMatchObject({ ok: true });
  });

  it.skipIf(!controllable)('[paper] stop() writes a last hello with status "stopped" and is idempotent', async () => {
    await Promise.all([h.terminal!.stop(), h.terminal!.stop()]);
    const last = await h.hello();
    expect(last).toMatchObject({ status: 'stopped', tradeAllowed: false });
    expect(last.reason).toBeTruthy();
  });
});
