/** `dcap paper start` as a real child process: ready line, file protocol, JSON logs, clean SIGTERM. */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, renameSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { commandFileName, HelloSchema, ResultSchema, StateSchema } from '../bridge/protocol.js';
import { BIN, dcap, ROOT, tempDir } from '../../test/helpers/daemon.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

async function until<T>(fn: () => T | null, what: string, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== null) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const readJson = (f: string): unknown => (existsSync(f) ? JSON.parse(readFileSync(f, 'utf8')) : null);

describe('dcap paper start', () => {
  it('prints the ready line, trades through the files, logs JSON on stderr and stops on SIGTERM', async () => {
    const { dir, cleanup } = tempDir('dcap-paper-cli-');
    cleanups.push(cleanup);
    const child = spawn(process.execPath, [BIN, 'paper', 'start', '--files-dir', dir, '--bridge-id', 'b1', '--account', 'netting', '--seed', '3'], {
      cwd: ROOT,
      env: { ...process.env, DCAP_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cleanups.push(() => child.kill('SIGKILL'));
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const root = join(dir, 'dcap', 'b1');
    await until(() => (stdout.includes(`paper terminal running in ${root}`) ? true : null), 'the ready line');

    expect(HelloSchema.parse(readJson(join(root, 'hello.json')))).toMatchObject({ status: 'running', bridgeId: 'b1' });
    expect(StateSchema.parse(readJson(join(root, 'state.json'))).account).toMatchObject({ marginMode: 'netting', balance: 10000 });

    const jobId = '0193a2f4-5c6d-7e8f-9a0b-1c2d3e4f5a6b';
    const name = commandFileName(7, jobId);
    writeFileSync(join(root, 'cmd', '.tmp'), JSON.stringify({ v: 1, seq: 7, jobId, createdAt: Date.now(), type: 'trade', action: 'buy', symbol: 'XAUUSD', volume: 0.1 }));
    renameSync(join(root, 'cmd', '.tmp'), join(root, name));
    const result = ResultSchema.parse(await until(() => readJson(join(root, 'res', `${jobId}.json`)), 'the result'));
    expect(result).toMatchObject({ ok: true, retcode: 10009, symbol: 'XAUUSD', volume: 0.1 });

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(HelloSchema.parse(readJson(join(root, 'hello.json'))).status).toBe('stopped');
    const lines = stderr.trim().split('\n').map((l) => JSON.parse(l) as { event?: string });
    expect(lines.map((l) => l.event)).toEqual(expect.arrayContaining(['paper.started', 'paper.command', 'paper.stopped']));
    // The account survives the restart, as a broker's would.
    const saved = JSON.parse(readFileSync(join(root, 'paper', 'account.json'), 'utf8')) as { positions: unknown[] };
    expect(saved.positions).toHaveLength(1);
  });

  it('refuses bad options with a message naming each, before touching anything', () => {
    const { dir, cleanup } = tempDir('dcap-paper-cli-');
    cleanups.push(cleanup);
    const r = dcap(['paper', 'start', '--files-dir', dir, '--balance', '-5', '--leverage', '0']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--balance -5: must be above 0');
    expect(r.stderr).toContain('--leverage 0');
    expect(existsSync(join(dir, 'dcap'))).toBe(false);
    const s = dcap(['paper', 'start', '--files-dir', dir, '--symbols', join(dir, 'nope.json')]);
    expect(s.code).toBe(1);
    expect(s.stderr).toMatch(/paper start: .*nope\.json/);
    const a = dcap(['paper', 'start', '--files-dir', dir, '--account', 'spread-bet']);
    expect(a.code).toBe(2);
  });

  it('has --help with examples', () => {
    const r = dcap(['paper', 'start', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Examples:');
    expect(r.stdout).toContain('--files-dir');
  });
});
