import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { serverSource } from '../src/tui/data.js';
import { initialState, reduce, type Msg, type TuiState } from '../src/tui/model.js';
import { dcapJson, killLeftovers, startDaemon, tempDir, type Daemon } from './helpers/daemon.js';

/** The TUI's data source against a real `dcap up`: first picture, refused token, reconnect after a restart. */
describe('TUI data source', () => {
  const tmp = tempDir('dcap-tui-data-');
  const env = { DCAP_DATA_DIR: join(tmp.dir, 'data') };
  const stops: (() => Promise<void>)[] = [];
  afterAll(async () => {
    await Promise.all(stops.map((s) => s()));
    expect(killLeftovers()).toBe(0);
    tmp.cleanup();
  });

  function watch(server: string, token: string) {
    let state: TuiState = initialState();
    const seen: Msg['type'][] = [];
    const stop = serverSource({ server, token, backoff: { initialMs: 100, maxMs: 300 } }).start((m) => {
      seen.push(m.type);
      state = reduce(state, m);
    });
    stops.push(stop);
    const until = async (test: (s: TuiState) => boolean, what: string) => {
      const deadline = Date.now() + 15_000;
      while (!test(state)) {
        if (Date.now() > deadline) throw new Error(`never saw ${what}: ${JSON.stringify(state.connection)} after ${seen.join(',')}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return state;
    };
    return { until, stop };
  }

  it('loads positions, agents and signals, shows the outage, and reconnects after a restart', async () => {
    const paired = dcapJson<{ agentId: string; key: string }>(['agent', 'pair', 'vps'], { env });
    const { token } = dcapJson<{ token: string }>(['token', 'create', 'tui', '--read'], { env });
    let up: Daemon = await startDaemon(['up', '--port', '0'], { env });
    // Whichever instance runs at the end (stop() of an exited one just resolves).
    stops.push(async () => void (await up.stop()));
    const port = new URL(up.url).port;
    await fetch(`${up.url}/agents/${paired.agentId}/state`, {
      method: 'POST',
      headers: { 'x-agent-key': paired.key },
      body: JSON.stringify({ account: { balance: 100 }, positions: [{ ticket: 3, symbol: 'EURUSD', side: 'sell', volume: 1, openPrice: 1.1, currentPrice: 1.1, profit: 0, swap: 0 }] }),
    });

    const tui = watch(up.url, token);
    const first = await tui.until((s) => s.connection.status === 'open' && s.books[0]?.dayRealised === 0 && s.agents.length === 1, 'the first picture (relay snapshot and reads)');
    expect(first.books[0]!.positions[0]).toMatchObject({ ticket: 3, symbol: 'EURUSD', side: 'sell' });

    expect(await up.stop()).toBe(0);
    const down = await tui.until((s) => s.connection.status === 'waiting', 'the disconnected state');
    expect(down.books).toHaveLength(1); // the stale picture stays on screen under the banner

    up = await startDaemon(['up', '--port', port], { env });
    await tui.until((s) => s.connection.status === 'open', 'the reconnect');
  });

  it('a token the server does not know ends in "unauthorized", without retrying', async () => {
    const up = await startDaemon(['up', '--port', '0'], { env });
    stops.push(async () => void (await up.stop()));
    const tui = watch(up.url, 'not-a-token');
    const s = await tui.until((x) => x.connection.status === 'unauthorized', 'the refusal');
    expect(s.connection).toMatchObject({ error: expect.stringMatching(/HTTP 401/) });
  });
});
