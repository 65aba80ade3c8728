import { createHash } from 'node:crypto';
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dcap, killLeftovers, ROOT, startDaemon, tempDir } from './helpers/daemon.js';

interface Result {
  index: number;
  strategy: string;
  status: string;
  httpStatus: number;
  reason: string | null;
}
interface Output {
  results: Result[];
  summary: { total: number; byStatus: Record<string, number>; alertsPerSecond: number };
}

const tmp = tempDir('dcap-replay-');
const dir = tmp.dir;
afterAll(() => tmp.cleanup());
afterEach(() => expect(killLeftovers()).toBe(0));

const strategies = {
  version: 1,
  strategies: [
    { name: 'alpha', settings: { symbols: ['EURUSD'], lots: 0.1, maxLots: 1, rateLimit: 2 } },
    { name: 'off', enabled: false, settings: { rateLimit: 20 } },
    { name: 'hours', settings: { hours: 'Mon-Fri 07:00-20:00 UTC', maxAgeMs: 60_000, rateLimit: 20 } },
  ],
};
const STRATEGIES = join(dir, 'strategies.json');

const at = (s: number) => new Date(Date.parse('2025-03-03T09:00:00Z') + s * 1000).toISOString();
const l = (strategy: string, body: string, s: number, contentType = 'application/json') => JSON.stringify({ strategy, contentType, body, at: at(s) });
const buy = (extra = '') => `{"action":"buy","symbol":"OANDA:EURUSD","qty":"0.10"${extra}}`;

/** One line per outcome kind, in an order where each outcome does not depend on wall time. */
const KINDS = [
  l('alpha', buy(',"id":"a1"'), 0), // accepted
  l('alpha', buy(',"id":"a1"'), 10), // duplicate by id
  l('alpha', buy(',"id":"a2","qty":"0.10"'), 20), // accepted (same qty twice agrees)
  l('off', buy(), 30), // discarded
  l('alpha', '{"action":"buy","symbol":"OANDA:USDJPY","qty":"0.1"}', 40), // blocked: symbol
  l('alpha', 'not an alert', 50, 'text/plain'), // 400
  l('alpha', '{"action":"buy","symbol":"{{ticker}}"}', 60), // 422
  l('nobody', buy(), 70), // 404
  l('alpha', `{"action":"buy","symbol":"EURUSD","comment":"${'x'.repeat(17_000)}"}`, 80), // 413
];
const KIND_EXPECT: [string, number, string | null][] = [
  ['accepted', 200, null],
  ['duplicate', 200, null],
  ['accepted', 200, null],
  ['discarded', 200, null],
  ['blocked', 200, 'symbol_not_allowed'],
  ['rejected', 400, 'unrecognized_format'],
  ['rejected', 422, 'placeholder'],
  ['not_found', 404, null],
  ['too_large', 413, null],
];

beforeAll(() => {
  writeFileSync(STRATEGIES, JSON.stringify(strategies));
  writeFileSync(join(dir, 'kinds.jsonl'), `${KINDS.join('\n')}\n`);
  // A burst of 12 alerts in one instant against 2/s with a burst of 10; time-dependent risk rules on "hours".
  const more = [
    ...Array.from({ length: 12 }, (_, i) => JSON.stringify({ strategy: 'alpha', contentType: 'text/plain', body: `1,buy,EURUSD,lots=0.1,id=b${i}`, at: '2025-03-04T09:00:00.000Z' })),
    JSON.stringify({ strategy: 'hours', contentType: 'application/json', body: buy(',"id":"h1"'), at: '2025-03-08T10:00:00Z' }),
    JSON.stringify({ strategy: 'hours', contentType: 'application/json', body: buy(',"id":"h2","time":"2025-03-04T09:00:00Z"'), at: '2025-03-04T09:05:00Z' }),
    JSON.stringify({ strategy: 'hours', contentType: 'application/json', body: buy(',"id":"h3","time":"2025-03-04T09:00:00Z"'), at: '2025-03-04T09:00:30Z' }),
  ];
  writeFileSync(join(dir, 'timed.jsonl'), `${more.join('\n')}\n`);
});

const replayJson = (...args: string[]): Output => {
  const r = dcap(['replay', '--json', ...args], { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Output;
};

describe('dcap replay (in-process)', () => {
  it('gives every outcome of the intake contract, one result per line in order', () => {
    const out = replayJson('kinds.jsonl', '--strategies', STRATEGIES);
    expect(out.results.map((r) => [r.status, r.httpStatus, r.reason])).toEqual(KIND_EXPECT);
    expect(out.results.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(out.results[3]!.strategy).toBe('off');
    expect(out.summary).toMatchObject({ total: 9, byStatus: { accepted: 2, duplicate: 1, discarded: 1, blocked: 1, rejected: 2, not_found: 1, too_large: 1 } });
  });

  it('runs on the recorded clock: rate limits, trading hours and max age are reproducible', () => {
    const out = replayJson('timed.jsonl', '--strategies', STRATEGIES);
    expect(out.results.map((r) => r.status)).toEqual([...Array(10).fill('accepted'), 'rate_limited', 'rate_limited', 'blocked', 'blocked', 'accepted']);
    expect(out.results.slice(12, 14).map((r) => r.reason)).toEqual(['outside_hours', 'too_old']);
    // A directory is every *.jsonl inside, by name: kinds.jsonl then timed.jsonl, indexed across both.
    const both = replayJson('.', '--strategies', STRATEGIES);
    expect(both.results).toHaveLength(24);
    expect(both.results[9]).toMatchObject({ index: 9, status: 'accepted' });
  });

  it('passes --expect when nothing changed, and fails with a diff naming each changed line', () => {
    const file = join(dir, 'expect.json');
    const w = dcap(['replay', 'kinds.jsonl', '--strategies', STRATEGIES, '--expect', file, '--update-expect'], { cwd: dir });
    expect(w.code, w.stderr).toBe(0);
    const ok = dcap(['replay', 'kinds.jsonl', '--strategies', STRATEGIES, '--expect', file], { cwd: dir });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toContain('all 9 results match');

    const changed = JSON.parse(readFileSync(file, 'utf8')) as Output;
    changed.results[4]!.status = 'accepted';
    changed.results[4]!.reason = null;
    changed.results.push({ index: 9, strategy: 'alpha', status: 'accepted', httpStatus: 200, reason: null });
    writeFileSync(file, JSON.stringify(changed));
    const bad = dcap(['replay', 'kinds.jsonl', '--strategies', STRATEGIES, '--expect', file], { cwd: dir });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('differs from');
    expect(bad.stderr).toContain('#4 (kinds.jsonl:5) differs in status, reason');
    expect(bad.stderr).toContain('expected alpha: accepted http=200 reason=-');
    expect(bad.stderr).toContain('got      alpha: blocked http=200 reason=symbol_not_allowed');
    expect(bad.stderr).toContain('#9: missing line');
    expect(bad.stderr).not.toContain('#3');
  });

  it('keeps the repository fixtures green (what .ci/run replays)', () => {
    const r = dcap(['replay', 'fixtures/alerts', '--strategies', 'fixtures/alerts/strategies.json', '--expect', 'fixtures/alerts/expect.json'], { cwd: ROOT });
    expect(r.code, r.stderr).toBe(0);
  });

  it('seeds from the data dir read-only: its store is byte-identical afterwards', () => {
    const dataDir = join(dir, 'data');
    const imp = dcap(['--data-dir', dataDir, 'strategy', 'import', STRATEGIES, '--json'], { cwd: dir });
    expect(imp.code, imp.stderr).toBe(0);
    const snapshot = () =>
      Object.fromEntries(readdirSync(dataDir).map((f) => [f, createHash('sha256').update(readFileSync(join(dataDir, f))).digest('hex')]));
    const before = snapshot();
    const out = replayJson('--data-dir', dataDir, 'kinds.jsonl');
    expect(out.results.map((r) => r.status)).toEqual(KIND_EXPECT.map((k) => k[0]));
    expect(snapshot()).toEqual(before);
    const list = dcap(['--data-dir', dataDir, '--json', 'signals', 'list'], { cwd: dir });
    expect(JSON.parse(list.stdout)).toEqual([]);
  });

  it('says what to do when there are no strategies to replay against', () => {
    const r = dcap(['--data-dir', join(dir, 'empty'), 'replay', 'kinds.jsonl'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--strategies FILE');
    expect(existsSync(join(dir, 'empty'))).toBe(false);
  });

  it('reports bad fixture lines with file:line and runs nothing', () => {
    writeFileSync(join(dir, 'bad.jsonl.txt'), `${KINDS[0]}\n{"strategy":"alpha","body":"x"}\nnot json\n`);
    const r = dcap(['replay', 'bad.jsonl.txt', '--strategies', STRATEGIES, '--json'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('2 bad fixture lines');
    expect(r.stderr).toContain('bad.jsonl.txt:2: at:');
    expect(r.stderr).toContain('bad.jsonl.txt:3: not JSON');
  });
});

describe('dcap replay --target (a real webhook daemon)', () => {
  it('posts each alert and gets the same outcomes as in-process for clock-independent lines', async () => {
    const dataDir = join(dir, 'live');
    const imp = dcap(['--data-dir', dataDir, 'strategy', 'import', STRATEGIES, '--json'], { cwd: dir });
    expect(imp.code, imp.stderr).toBe(0);
    const created = (JSON.parse(imp.stdout) as { created: { name: string; secret: string }[] }).created;
    const secret = (name: string) => created.find((c) => c.name === name)!.secret;
    // alpha from secrets.json (left world-readable to check the warning), off from --secret.
    const secretsFile = join(dataDir, 'secrets.json');
    writeFileSync(secretsFile, JSON.stringify({ alpha: secret('alpha') }));
    chmodSync(secretsFile, 0o644);

    const daemon = await startDaemon(['--data-dir', dataDir, 'webhook', 'start', '--port', '0']);
    try {
      const r = dcap(['--data-dir', dataDir, 'replay', 'kinds.jsonl', '--target', daemon.url, '--secret', `off=${secret('off')}`, '--json'], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout) as Output;
      expect(out.results.map((x) => [x.status, x.httpStatus, x.reason])).toEqual(KIND_EXPECT);
      expect(r.stderr).toContain('secrets.json is readable by other users');
      expect(r.stderr).toContain('no secret for nobody');
      expect(r.stderr).not.toContain(secret('alpha'));
      // In-process beside the running daemon (its -wal in use) still seeds from the data dir.
      const local = replayJson('--data-dir', dataDir, 'kinds.jsonl');
      expect(local.results.map((x) => x.status)).toEqual(KIND_EXPECT.map((k) => k[0]));
    } finally {
      await daemon.stop();
    }
    // The daemon recorded every alert that reached a strategy (not the 404 and 413).
    const list = dcap(['--data-dir', dataDir, '--json', 'signals', 'list'], { cwd: dir });
    expect((JSON.parse(list.stdout) as unknown[]).length).toBe(7);
  });
});
