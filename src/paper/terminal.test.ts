import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PaperTerminal } from './terminal.js';

const dirs: string[] = [];
const terminals: PaperTerminal[] = [];
afterEach(async () => {
  for (const t of terminals.splice(0)) await t.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function make(opts: Partial<ConstructorParameters<typeof PaperTerminal>[0]> & { filesDir: string }): PaperTerminal {
  const t = new PaperTerminal({ tickRate: 0, ...opts });
  terminals.push(t);
  return t;
}
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'dcap-paper-'));
  dirs.push(d);
  return d;
}

describe('PaperTerminal', () => {
  it('refuses a saved account of the other margin mode, names the fix, and starts with reset', async () => {
    const filesDir = tmp();
    const a = make({ filesDir, account: 'hedging' });
    await a.start();
    await a.stop();
    const b = make({ filesDir, account: 'netting' });
    await expect(b.start()).rejects.toThrow(/saved paper account is hedging, not netting.*reset/);
    await b.stop(); // a failed start leaves nothing to stop
    const c = make({ filesDir, account: 'netting', reset: true, balance: 777 });
    await c.start();
    expect(c.snapshot().account).toMatchObject({ marginMode: 'netting', balance: 777 });
  });

  it('stop() before start() does nothing; repeated stop() calls share one promise; start() again works', async () => {
    const t = make({ filesDir: tmp() });
    await t.stop();
    await t.start();
    const p1 = t.stop();
    expect(t.stop()).toBe(p1);
    await p1;
    await t.start();
    expect(t.snapshot().account.balance).toBe(10_000);
  });

  it('refuses a currency its symbols file does not price in, and an unknown initial subscription', () => {
    expect(() => new PaperTerminal({ filesDir: tmp(), currency: 'EUR' })).toThrow(/accountCurrency EUR/);
    expect(() => new PaperTerminal({ filesDir: tmp(), subscribe: ['NOPE'] })).toThrow(/"NOPE"/);
    expect(() => new PaperTerminal({ filesDir: tmp(), bridgeId: '../x' })).toThrow(/bridge id/);
  });

  it('setPrice refuses an unknown symbol and moves the quote of a known one', () => {
    const t = make({ filesDir: tmp() });
    expect(() => t.setPrice('NOPE', 1)).toThrow(/NOPE/);
    t.setPrice('EURUSD', 1.2, 1.2001);
    t.setPrice('XAUUSD', 2000);
    expect(t.snapshot().positions).toEqual([]);
  });
});
