import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import type { CloseTarget } from './actions.js';
import { App } from './app.js';
import type { DataSource } from './data.js';
import type { Msg } from './model.js';
import { agent, eurusdBuy, positionsView, signal, T0 } from './test-views.js';

const KEY = { up: '\u001B[A', down: '\u001B[B', tab: '\t', shiftTab: '\u001B[Z', esc: '\u001B' };

/** A data source the test drives: what the server would send, message by message. */
function scripted() {
  let dispatch: ((m: Msg) => void) | undefined;
  let stopped = false;
  const source: DataSource = {
    start(d) {
      dispatch = d;
      return async () => {
        stopped = true;
      };
    },
  };
  return { source, send: (...msgs: Msg[]) => msgs.forEach((m) => dispatch!(m)), stopped: () => stopped };
}

/** Lets React commit and Ink write the frame. */
const settle = () => new Promise((r) => setTimeout(r, 30));

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

async function start(closer: (t: CloseTarget) => Promise<{ jobId: string }> = async () => ({ jobId: 'job-x' }), now = T0 + 2000) {
  const s = scripted();
  const app = render(<App source={s.source} closer={closer} server="http://127.0.0.1:8080" clock={() => now} redrawMs={60_000} />);
  cleanup = app.unmount;
  await settle();
  const send = async (...msgs: Msg[]) => {
    s.send(...msgs);
    await settle();
  };
  const press = async (...keys: string[]) => {
    for (const k of keys) {
      app.stdin.write(k);
      await settle();
    }
  };
  return { app, send, press, frame: () => app.lastFrame() ?? '', stopped: s.stopped };
}

const open: Msg = { type: 'connection', connection: { status: 'open' } };
const row = (frame: string, text: string) => frame.split('\n').find((l) => l.includes(text)) ?? '';

describe('dcap tui panes', () => {
  it('positions: the P&L column and equity move with each tick', async () => {
    const t = await start();
    await t.send(open, { type: 'reads', positions: [positionsView({ dayRealised: 0 })] });
    expect(row(t.frame(), '1001 ')).toMatch(/EURUSD\s+buy\s+0\.1\s+1\.08512\s+1\.08612\s+\+10\.00/);
    expect(t.frame()).toContain('equity 10010.00');
    await t.send({ type: 'ticks', ticks: [{ symbol: 'EURUSD', bid: 1.08734, ask: 1.08744, time: T0 + 1000 }] });
    expect(row(t.frame(), '1001 ')).toMatch(/1\.08734\s+\+22\.20/);
    expect(t.frame()).toContain('equity 10022.20');
    expect(t.frame()).toMatch(/day P&L \+22\.20 USD/);
    await t.send({ type: 'ticks', ticks: [{ symbol: 'EURUSD', bid: 1.08462, ask: 1.08472, time: T0 + 2000 }] });
    expect(row(t.frame(), '1001 ')).toMatch(/1\.08462\s+-5\.00/);
  });

  it('signals: status, reason and alert-to-fill latency', async () => {
    const t = await start();
    await t.send(open, {
      type: 'snapshot',
      ticks: [],
      signals: [
        signal({ id: 'a', latencyMs: 182 }),
        signal({ id: 'b', receivedAt: T0 + 10, status: 'blocked', reason: 'daily_loss', latencyMs: null, completedAt: null }),
        signal({ id: 'c', receivedAt: T0 + 20, status: 'failed', reason: '10019 NO_MONEY', latencyMs: 2400 }),
      ],
    });
    const f = t.frame();
    expect(row(f, 'NO_MONEY')).toMatch(/trend\s+EURUSD\s+buy\s+failed\s+2\.4 s\s+10019 NO_MONEY/);
    expect(row(f, 'daily_loss')).toMatch(/blocked\s+-\s+daily_loss/);
    expect(row(f, '182 ms')).toMatch(/executed\s+182 ms/);
    // Newest first.
    expect(f.indexOf('NO_MONEY')).toBeLessThan(f.indexOf('daily_loss'));
  });

  it('agents: online/offline from the heartbeat age, terminal and AutoTrading', async () => {
    const t = await start(undefined, T0 + 3000);
    await t.send(open, {
      type: 'snapshot',
      ticks: [],
      agents: [agent(), agent({ id: 'agent-2', name: 'vps-2', heartbeatAt: T0 - 60_000, terminalConnected: false, tradeAllowed: false, waitingFor: 'terminal' })],
    });
    expect(row(t.frame(), 'vps-1 ')).toMatch(/vps-1\s+online\s+3\.0 s ago\s+yes\s+yes/);
    expect(row(t.frame(), 'vps-2 ')).toMatch(/vps-2\s+offline\s+1 min ago\s+no\s+no\s+1\.0\.0\s+terminal/);
  });

  it('shows a banner while disconnected and removes it on reconnect', async () => {
    const t = await start();
    expect(t.frame()).toContain('connecting to http://127.0.0.1:8080');
    await t.send({ type: 'connection', connection: { status: 'waiting', retryAt: T0 + 6000, error: 'connect ECONNREFUSED 127.0.0.1:8080' } });
    expect(t.frame()).toMatch(/DISCONNECTED from http:\/\/127\.0\.0\.1:8080 \(connect ECONNREFUSED 127\.0\.0\.1:8080\): reconnecting in 4 s/);
    await t.send(open);
    expect(t.frame()).not.toContain('DISCONNECTED');
    expect(t.frame()).toContain('live');
    await t.send({ type: 'connection', connection: { status: 'unauthorized', error: 'the server refused the token (HTTP 401)' } });
    expect(t.frame()).toContain('REFUSED by http://127.0.0.1:8080: the server refused the token (HTTP 401)');
  });
});

describe('dcap tui keys', () => {
  const twoPositions = positionsView({}, [eurusdBuy(), eurusdBuy({ ticket: 1002, symbol: 'GBPUSD', side: 'sell', openPrice: 1.30012, currentPrice: 1.29012, profit: 100 })]);

  it('arrows move the selection; c asks, n keeps, c + y creates the close job for the selected position', async () => {
    const asked: CloseTarget[] = [];
    const t = await start(async (target) => {
      asked.push(target);
      return { jobId: 'job-42' };
    });
    await t.send(open, { type: 'positions', view: twoPositions });
    expect(row(t.frame(), '1001 ')).toMatch(/^\W*> EURUSD/);
    await t.press(KEY.down);
    expect(row(t.frame(), '1002 ')).toMatch(/> GBPUSD/);
    await t.press(KEY.up, KEY.down);
    await t.press('c');
    expect(t.frame()).toContain('Close position #1002');
    expect(t.frame()).toContain('(sell 0.1 GBPUSD) on agent vps-1?');
    await t.press('n');
    expect(t.frame()).not.toContain('Close position #1002');
    expect(asked).toEqual([]);
    await t.press('c', 'y');
    expect(asked).toEqual([{ agentId: 'agent-1', agent: 'vps-1', ticket: 1002, symbol: 'GBPUSD' }]);
    expect(t.frame()).toContain('close job job-42 created for vps-1 (#1002 GBPUSD)');
  });

  it('a refused close is shown, not thrown', async () => {
    const t = await start(async () => {
      throw new Error('closing needs the server\'s store');
    });
    await t.send(open, { type: 'positions', view: twoPositions });
    await t.press('c', 'y');
    expect(t.frame()).toContain('could not close #1001: closing needs the server');
  });

  it('tab switches panes; arrows then move within that pane; c outside positions explains itself', async () => {
    const asked: CloseTarget[] = [];
    const t = await start(async (x) => (asked.push(x), { jobId: 'j' }));
    await t.send(open, { type: 'positions', view: twoPositions }, { type: 'snapshot', ticks: [], signals: [signal({ id: 'a' }), signal({ id: 'b', receivedAt: T0 + 5, action: 'sell' })] });
    await t.press(KEY.tab, KEY.down);
    expect(t.frame().split('\n').some((l) => /> \d\d:\d\d:\d\d\s+trend\s+EURUSD\s+buy/.test(l))).toBe(true);
    // The position selection did not move.
    expect(row(t.frame(), '1001 ')).toMatch(/> EURUSD/);
    await t.press('c');
    expect(t.frame()).toContain('tab to the positions pane first');
    expect(t.frame()).not.toContain('Close position');
    await t.press(KEY.shiftTab, 'c');
    expect(t.frame()).toContain('Close position #1001');
    await t.press(KEY.esc);
    expect(asked).toEqual([]);
  });

  it('q quits and stops the data source', async () => {
    const t = await start();
    await t.send(open);
    await t.press('q');
    await settle();
    expect(t.stopped()).toBe(true);
  });
});
