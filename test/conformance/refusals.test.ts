/**
 * Conformance: what the terminal refuses, with the retcode by number and name, and that a refusal
 * changes nothing.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buy, controllable, openHarness, type Harness } from './harness.js';

let h: Harness;
beforeEach(async () => {
  h = await openHarness({ account: 'netting', balance: 1000 });
  if (controllable) h.terminal!.setPrice('EURUSD', 1.1, 1.10008);
});
afterEach(async () => {
  await h.close();
});

async function positionsOfMagic(): Promise<number> {
  return (await h.state()).positions.filter((p) => p.magic === h.magic).length;
}

describe('refusals', () => {
  it('a volume below the minimum answers 10014 INVALID_VOLUME and opens nothing', async () => {
    const r = await h.run(buy(h, { volume: 0.001 }));
    expect(r).toMatchObject({ ok: false, retcode: 10014, retcodeText: 'INVALID_VOLUME', ticket: 0, volume: 0, source: 'executed' });
    expect(r.error).toMatch(/^10014 INVALID_VOLUME: /);
    expect(await positionsOfMagic()).toBe(0);
  });

  it('a volume off the step is rounded down, never up', async () => {
    const r = await h.run(buy(h, { volume: 0.019 }));
    expect(r).toMatchObject({ ok: true, volume: 0.01 });
  });

  it('a stop loss above the price of a buy answers 10016 INVALID_STOPS', async () => {
    const { ask } = await h.quote();
    const r = await h.run(buy(h, { sl: Number((ask * 1.01).toFixed(5)) }));
    expect(r).toMatchObject({ ok: false, retcode: 10016, retcodeText: 'INVALID_STOPS' });
    expect(await positionsOfMagic()).toBe(0);
  });

  it.skipIf(!controllable)('[paper] a stop loss nearer than the stops level answers 10016 INVALID_STOPS', async () => {
    // EURUSD stops level: 10 points; the bid is 1.1.
    const r = await h.run(buy(h, { sl: 1.09995 }));
    expect(r).toMatchObject({ ok: false, retcode: 10016 });
    expect(r.error).toContain('10 points');
  });

  it.skipIf(!controllable)('[paper] more margin than the account has answers 10019 NO_MONEY', async () => {
    // 1 lot EURUSD at 1:100 needs about 1100 USD; the account has 1000.
    const r = await h.run(buy(h, { volume: 1 }));
    expect(r).toMatchObject({ ok: false, retcode: 10019, retcodeText: 'NO_MONEY', side: 'buy', symbol: 'EURUSD' });
    expect(r.error).toMatch(/^10019 NO_MONEY: No money \(free margin 1000\.00 USD, needed 1100\.\d\d USD for 1 lots\)$/);
    expect(await positionsOfMagic()).toBe(0);
    expect((await h.state()).account.balance).toBe(1000);
  });

  it.skipIf(!controllable)('[paper] risk sizing that would exceed the margin is refused the same way', async () => {
    // A 0.5-pip stop is inside the 10-point stops level: refused before any sizing matters.
    const r = await h.run({ type: 'trade', action: 'buy', symbol: 'EURUSD', riskPct: 50, slPips: 0.5, magic: h.magic });
    expect(r).toMatchObject({ ok: false, retcode: 10016 });
    // 50% of 1000 over a 20-pip stop = 2.5 lots: far beyond the margin.
    const r2 = await h.run({ type: 'trade', action: 'buy', symbol: 'EURUSD', riskPct: 50, slPips: 20, magic: h.magic });
    expect(r2).toMatchObject({ ok: false, retcode: 10019 });
    expect(r2.error).toContain('for 2.5 lots');
  });

  it.skipIf(!controllable)('[paper] a closed market answers 10018 MARKET_CLOSED', async () => {
    h.terminal!.setMarketClosed('EURUSD', true);
    const r = await h.run(buy(h));
    expect(r).toMatchObject({ ok: false, retcode: 10018, retcodeText: 'MARKET_CLOSED' });
    h.terminal!.setMarketClosed('EURUSD', false);
    expect(await h.run(buy(h))).toMatchObject({ ok: true });
  });

  it.skipIf(!controllable)('[paper] AutoTrading off answers 10027 and no connection 10031; both are not remembered', async () => {
    h.terminal!.setTradeAllowed(false);
    const jobId = h.jobId();
    expect(await h.run(buy(h), { jobId })).toMatchObject({ ok: false, retcode: 10027, retcodeText: 'CLIENT_DISABLES_AT' });
    h.terminal!.setTradeAllowed(true);
    h.terminal!.setConnected(false);
    expect(await h.run(buy(h), { jobId })).toMatchObject({ ok: false, retcode: 10031, retcodeText: 'CONNECTION' });
    expect((await h.hello()).tradeAllowed).toBe(false);
    h.terminal!.setConnected(true);
    // Nothing was executed, so the same job trades once the terminal is back.
    expect(await h.run(buy(h), { jobId })).toMatchObject({ ok: true, retcode: 10009, source: 'executed' });
  });

  it('an unknown symbol answers 20002 DCAP_UNKNOWN_SYMBOL', async () => {
    const r = await h.run(buy(h, { symbol: 'NOPE.x' }));
    expect(r).toMatchObject({ ok: false, retcode: 20002, retcodeText: 'DCAP_UNKNOWN_SYMBOL', error: 'the terminal has no symbol "NOPE.x"' });
  });

  it('a command read after its expiresAt answers 20003 DCAP_EXPIRED', async () => {
    const r = await h.run(buy(h, { expiresAt: Date.now() - 1000 }));
    expect(r).toMatchObject({ ok: false, retcode: 20003, retcodeText: 'DCAP_EXPIRED' });
    expect(await positionsOfMagic()).toBe(0);
  });

  it('a file that is not JSON answers 20001 DCAP_BAD_COMMAND under the job id of its name, and is deleted', async () => {
    const { writeFile, rename, readdir } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const jobId = h.jobId();
    const name = `000000000001-${jobId}.json`;
    await writeFile(join(h.root, 'cmd', `.${name}`), '{"v":1,');
    await rename(join(h.root, 'cmd', `.${name}`), join(h.root, 'cmd', name));
    const r = await h.result(jobId);
    expect(r).toMatchObject({ ok: false, retcode: 20001, retcodeText: 'DCAP_BAD_COMMAND', seq: 1 });
    expect(r.type).toBeUndefined();
    expect(r.error).toMatch(/not valid JSON/);
    expect(await readdir(join(h.root, 'cmd'))).not.toContain(name);
  });

  it('a command breaking the protocol names the field', async () => {
    const r = await h.run({ type: 'trade', action: 'buy_limit', symbol: h.symbol, volume: 0.01 });
    expect(r).toMatchObject({ ok: false, retcode: 20001, type: 'trade' });
    expect(r.error).toContain('price');
  });

  it('a deploy command without its deployment and files is refused as a bad command', async () => {
    const r = await h.run({ type: 'deploy', project: 'x' });
    expect(r).toMatchObject({ ok: false, retcode: 20001, retcodeText: 'DCAP_BAD_COMMAND', type: 'deploy' });
  });
});
