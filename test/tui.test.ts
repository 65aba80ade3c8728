import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, dcap, dcapJson, killLeftovers, ROOT, startDaemon, tempDir, type Daemon } from './helpers/daemon.js';

/**
 * `dcap tui` end to end, in a real pseudo-terminal (tmux): `dcap up`, an agent on the paper
 * terminal, a real alert that opens a position; the TUI shows it, closes it through `c` + `y`
 * (the paper terminal executes the close job), and quits on `q` with exit code 0.
 */

// A tmux server of our own: the test never touches a user's sessions, and kill-server ends only it.
const SOCKET = `dcap-tui-test-${process.pid}`;
const tmux = (...args: string[]) => spawnSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
const screen = () => tmux('capture-pane', '-p', '-t', 'tui').stdout;

async function waitForScreen(test: (s: string) => boolean, what: string, ms = 20_000): Promise<string> {
  const deadline = Date.now() + ms;
  let s = '';
  while (Date.now() < deadline) {
    s = screen();
    if (test(s)) return s;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the TUI never showed ${what}; last screen:\n${s}`);
}

interface Added {
  webhookPath: string;
}
interface Paired {
  agentId: string;
  key: string;
}

describe('dcap tui in a terminal', () => {
  const tmp = tempDir('dcap-tui-');
  const env = { DCAP_DATA_DIR: join(tmp.dir, 'data') };
  let up: Daemon;
  let agent: ChildProcess | undefined;

  beforeAll(async () => {
    up = await startDaemon(['up', '--port', '0'], { env });
  });
  afterAll(async () => {
    tmux('kill-server');
    if (agent && agent.exitCode === null) {
      const exited = new Promise((r) => agent!.once('exit', r));
      agent.kill('SIGTERM');
      await exited;
    }
    if (up) expect(await up.stop()).toBe(0);
    expect(killLeftovers()).toBe(0);
    tmp.cleanup();
  });

  it('without a TTY it says so and points to dcap positions --json', () => {
    const r = dcap(['tui', '--server', up.url, '--token', 'x'], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/needs an interactive terminal/);
    expect(r.stderr).toMatch(/dcap positions --json/);
    expect(r.stdout).toBe('');
  });

  it('shows the paper terminal position, closes it with c then y, and quits on q', async () => {
    const { webhookPath } = dcapJson<Added>(['strategy', 'add', 'fx', '--agent', 'paper-1', '--rate-limit', '0'], { env });
    const paired = dcapJson<Paired>(['agent', 'pair', 'paper-1'], { env });
    const { token } = dcapJson<{ token: string }>(['token', 'create', 'tui-test', '--read'], { env });
    // The agent never listens (it prints "running:"), so not startDaemon: the server sees it online below.
    agent = spawn(process.execPath, [BIN, 'agent', 'start', '--bridge', 'paper', '--server', up.url, '--agent-id', paired.agentId], {
      cwd: ROOT,
      env: { ...process.env, DCAP_DATA_DIR: join(tmp.dir, 'agent'), DCAP_AGENT_KEY: paired.key, DCAP_LOG_LEVEL: 'warn' },
      stdio: 'ignore',
    });
    const accepted = (await (await fetch(up.url + webhookPath, { method: 'POST', body: JSON.stringify({ action: 'buy', symbol: 'EURUSD', qty: '0.1', id: 'tui-1' }) })).json()) as {
      status: string;
    };
    expect(accepted.status).toBe('accepted');

    const started = tmux(
      'new-session', '-d', '-s', 'tui', '-x', '160', '-y', '48',
      '-e', `DCAP_TOKEN=${token}`, '-e', `DCAP_DATA_DIR=${env.DCAP_DATA_DIR}`, '-e', 'DCAP_LOG_LEVEL=warn',
      `cd ${ROOT} && ${process.execPath} ${BIN} tui --server ${up.url}; echo "tui exited $?"; sleep 60`,
    );
    expect(started.status, started.stderr).toBe(0);

    const shown = await waitForScreen((s) => /> EURUSD\s+buy\s+0\.1\s/.test(s), 'the EURUSD position');
    expect(shown).toMatch(/dcap tui http:\/\/127\.0\.0\.1:\d+ live/);
    expect(shown).toMatch(/paper-1\s+balance \d+\.\d\d\s+equity/);
    expect(shown).toMatch(/paper-1\s+online/);
    expect(shown).toMatch(/fx\s+EURUSD\s+buy\s+executed/);
    expect(shown).not.toContain('DISCONNECTED');
    // Live: the agent streams the position's symbol to the relay (docs/agent.md, "Live prices"),
    // so the current price and the P&L on screen move without any key pressed.
    const row = (s: string) => /> EURUSD\s+buy\s+0\.1\s+\S+\s+(\S+)\s+(\S+)/.exec(s);
    const before = row(shown)!;
    await waitForScreen((s) => {
      const r = row(s);
      return !!r && r[1] !== before[1] && r[2] !== before[2];
    }, 'the current price and P&L of the EURUSD position moving');

    tmux('send-keys', '-t', 'tui', 'c');
    await waitForScreen((s) => s.includes('Close position #'), 'the close confirmation');
    tmux('send-keys', '-t', 'tui', 'y');
    await waitForScreen((s) => /close job \S+ created for paper-1/.test(s), 'the created close job');
    // The paper terminal closed it and the agent reported the new state.
    await waitForScreen((s) => s.includes('no open positions'), 'the position gone after the close');
    const positions = dcapJson<{ positions: unknown[] }[]>(['positions'], { env });
    expect(positions[0]!.positions).toEqual([]);

    tmux('send-keys', '-t', 'tui', 'q');
    await waitForScreen((s) => s.includes('tui exited 0'), 'exit code 0 after q');
  });
});
