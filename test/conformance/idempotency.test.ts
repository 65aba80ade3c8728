/**
 * Conformance: a job executes once. The same command written again (after its result, after a
 * restart, with the memory gone) answers the earlier outcome with source "terminal" and never
 * opens a second position.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PaperTerminal } from '../../src/paper/terminal.js';
import { buy, controllable, openHarness, type Harness } from './harness.js';

let h: Harness;
beforeEach(async () => {
  h = await openHarness({ account: 'hedging' });
});
afterEach(async () => {
  await h.close();
});

const mine = async (): Promise<number> => (await h.state()).positions.filter((p) => p.magic === h.magic).length;

describe('idempotency', () => {
  it('the same command re-written after its result answers the same result with source "terminal" and opens nothing', async () => {
    const cmd = buy(h);
    const first = await h.run(cmd);
    expect(first).toMatchObject({ ok: true, source: 'executed' });
    await h.waitState((s) => s.positions.some((p) => p.ticket === first.ticket));
    const again = await h.run(cmd, { jobId: first.jobId, seq: first.seq });
    expect(again.source).toBe('terminal');
    for (const k of ['ok', 'retcode', 'retcodeText', 'order', 'deal', 'ticket', 'price', 'volume', 'comment'] as const) expect(again[k], k).toEqual(first[k]);
    expect(again.time).toBeGreaterThanOrEqual(first.time);
    expect(await mine()).toBe(1);
  });

  it('a re-delivery under a new seq is answered the same way', async () => {
    const cmd = buy(h);
    const first = await h.run(cmd);
    const again = await h.run(cmd, { jobId: first.jobId });
    expect(again).toMatchObject({ source: 'terminal', ticket: first.ticket, deal: first.deal });
    expect(again.seq).not.toBe(first.seq);
    expect(await mine()).toBe(1);
  });

  it('a refused job stays refused: no second attempt trades', async () => {
    const cmd = buy(h, { volume: 0.001 });
    const first = await h.run(cmd);
    expect(first.retcode).toBe(10014);
    const again = await h.run({ ...cmd, volume: 0.01 }, { jobId: first.jobId });
    expect(again).toMatchObject({ retcode: 10014, source: 'terminal' });
    expect(await mine()).toBe(0);
  });

  it('a close re-written after it ran closes nothing more', async () => {
    const a = await h.run(buy(h, { volume: 0.03 }));
    const close = { type: 'close', action: 'close', ticket: a.ticket, volume: 0.01 };
    const first = await h.run(close);
    expect(first).toMatchObject({ ok: true, volume: 0.01 });
    const again = await h.run(close, { jobId: first.jobId });
    expect(again).toMatchObject({ ok: true, source: 'terminal', volume: 0.01, deal: first.deal });
    const s = await h.waitState((st) => st.positions.some((p) => p.ticket === a.ticket));
    expect(s.positions.find((p) => p.ticket === a.ticket)!.volume).toBe(0.02);
  });

  it.skipIf(!controllable)('[paper] with the memory lost, the tag in the positions/history still answers', async () => {
    const cmd = buy(h);
    const first = await h.run(cmd);
    rmSync(join(h.root, 'done', `${first.jobId}.json`));
    const again = await h.run(cmd, { jobId: first.jobId });
    expect(again).toMatchObject({ ok: true, source: 'terminal', ticket: first.ticket, deal: first.deal, price: first.price });
    expect(again.warnings!.join(' ')).toMatch(/tag was found/);
    expect(await mine()).toBe(1);
  });

  it.skipIf(!controllable)('[paper] across a terminal restart (a new process on the same folder) the job is still known', async () => {
    const cmd = buy(h);
    const first = await h.run(cmd);
    await h.terminal!.stop();
    expect((await h.hello()).status).toBe('stopped');
    // The command arrives while the terminal is down: it waits in cmd/.
    await h.send(cmd, { jobId: first.jobId });
    const filesDir = join(h.root, '..', '..');
    const next = new PaperTerminal({ filesDir, bridgeId: 'conformance', tickRate: 0 });
    await next.start();
    try {
      const again = await h.result(first.jobId, { after: first.time + 1 });
      expect(again).toMatchObject({ source: 'terminal', ticket: first.ticket });
      expect(next.snapshot().positions.filter((p) => p.magic === h.magic)).toHaveLength(1);
    } finally {
      await next.stop();
    }
  });
});
