/**
 * `dcap strategy ...` through the real CLI (node bin/dcap.js) against real SQLite files.
 * Relies on a build; rebuilds first when dist/ is missing or older than the strategy sources.
 */
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDb } from '../src/store/db.js';
import { findStrategyBySecret } from '../src/store/strategies.js';
import { dcap as runDcap, ROOT, tempDir, type CliResult } from './helpers/daemon.js';

const SOURCES = ['src/cli/strategy.ts', 'src/core/settings.ts', 'src/store/strategies.ts', 'src/store/secrets.ts', ...readdirSync(join(ROOT, 'src/commands/strategy')).map((f) => `src/commands/strategy/${f}`)];

beforeAll(() => {
  const built = join(ROOT, 'dist/commands/strategy/add.js');
  const stale = !existsSync(built) || SOURCES.some((f) => statSync(join(ROOT, f)).mtimeMs > statSync(built).mtimeMs);
  // tsc exits non-zero while other parts of the tree are mid-edit but still emits dist/.
  if (stale) spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'ignore' });
  expect(existsSync(built)).toBe(true);
}, 120_000);

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir('dcap-cli-strategy-')));
afterEach(() => cleanup());

/** Runs dcap in the temp dir (so no stray dcap.config.json applies) against its own store. */
function dcap(args: string[], opts: { dataDir?: string; input?: string; env?: NodeJS.ProcessEnv } = {}): CliResult {
  return runDcap(['--data-dir', opts.dataDir ?? join(dir, 'data'), ...args], { cwd: dir, input: opts.input, env: { DCAP_PUBLIC_URL: '', DCAP_CONFIG: '', ...opts.env } });
}
function ok(args: string[], opts?: Parameters<typeof dcap>[1]): string {
  const r = dcap(args, opts);
  expect(r.stderr, `dcap ${args.join(' ')}`).toBe('');
  expect(r.code, `dcap ${args.join(' ')}`).toBe(0);
  return r.stdout;
}
function json<T = Record<string, unknown>>(args: string[], opts?: Parameters<typeof dcap>[1]): T {
  return JSON.parse(ok([...args, '--json'], opts)) as T;
}

/** Every row of the store that strategy commands touch, to prove a failed command changed nothing. */
function snapshot(dataDir = join(dir, 'data')): unknown {
  if (!existsSync(join(dataDir, 'dcap.db'))) return 'no store';
  const db = new Database(join(dataDir, 'dcap.db'), { readonly: true });
  try {
    return ['strategies', 'strategy_secrets', 'outbox'].map((t) => db.prepare(`SELECT * FROM ${t} ORDER BY rowid`).all());
  } finally {
    db.close();
  }
}
function lookup(secret: string, now = Date.now()) {
  const db = openDb(join(dir, 'data', 'dcap.db'));
  try {
    return findStrategyBySecret(db, secret, now)?.strategy;
  } finally {
    db.close();
  }
}

describe('dcap strategy add', () => {
  it('prints the secret once with the webhook path, and stores only its hash', () => {
    const out = ok(['strategy', 'add', 'trend', '--symbols', 'EURUSD,XAUUSD', '--map', 'OANDA:EURUSD=EURUSD.m', '--map', 'OANDA:XAUUSD=XAUUSD.m']);
    const secret = /webhook secret: (\S+)/.exec(out)?.[1];
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(out).toContain(`/webhooks/tv/${secret}`);
    expect(out).toMatch(/not shown again/);
    expect(lookup(secret!)?.settings.map).toEqual({ 'OANDA:EURUSD': 'EURUSD.m', 'OANDA:XAUUSD': 'XAUUSD.m' });
    // Neither the database nor its WAL holds the secret in clear.
    for (const f of readdirSync(join(dir, 'data'))) expect(readFileSync(join(dir, 'data', f)).includes(secret!), f).toBe(false);
    // ... and nothing else prints it again.
    expect(ok(['strategy', 'show', 'trend'])).not.toContain(secret);
    expect(ok(['strategy', 'list', '--json'])).not.toContain(secret);
    expect(ok(['strategy', 'export'])).not.toContain(secret);
  });

  it('--json prints exactly id, name, secret, webhookPath', () => {
    const r = json(['strategy', 'add', 'gold', '--lots', '0.1', '--rate-limit', '0']);
    expect(Object.keys(r)).toEqual(['id', 'name', 'secret', 'webhookPath']);
    expect(r.name).toBe('gold');
    expect(r.webhookPath).toBe(`/webhooks/tv/${r.secret as string}`);
    expect(lookup(r.secret as string)).toMatchObject({ id: r.id, settings: { lots: 0.1, rateLimit: 0 } });
  });

  it('prints the full URL when webhook.publicUrl is configured', () => {
    writeFileSync(join(dir, 'dcap.config.json'), JSON.stringify({ webhook: { publicUrl: 'https://hooks.example.com/' } }));
    const out = ok(['strategy', 'add', 'trend'], { env: {} });
    expect(out).toMatch(/webhook URL: +https:\/\/hooks\.example\.com\/webhooks\/tv\/[A-Za-z0-9_-]{43}\n/);
  });

  it('reports every bad value at once and writes nothing', () => {
    const r = dcap(['strategy', 'add', 'bad name', '--lots', 'x', '--max-age', '3q', '--hours', 'Mon-Fri 25:00-26:00', '--map', 'nonsense', '--rate-limit', '-1']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    for (const part of ['name: "bad name"', '--lots: "x" is not a number', '--max-age:', '--hours:', '--map: "nonsense"', '--rate-limit:']) expect(r.stderr).toContain(part);
    expect(snapshot()).toBe('no store');
  });

  it('refuses a duplicate name, changing nothing', () => {
    ok(['strategy', 'add', 'trend']);
    const before = snapshot();
    const r = dcap(['strategy', 'add', 'trend', '--lots', '1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/a strategy named "trend" already exists/);
    expect(snapshot()).toEqual(before);
  });
});

describe('list, show, set, enable, disable', () => {
  it('lists strategies as a table and as JSON', () => {
    expect(ok(['strategy', 'list'])).toMatch(/no strategies yet/);
    expect(json<unknown[]>(['strategy', 'list'])).toEqual([]);
    ok(['strategy', 'add', 'trend', '--symbols', 'EURUSD', '--agent', 'vps-1']);
    ok(['strategy', 'add', 'alpha', '--rate-limit', '0']);
    const table = ok(['strategy', 'list']).trim().split('\n');
    expect(table[0]).toMatch(/^NAME +ENABLED +SYMBOLS +LOTS +AGENT +RATE +SECRETS$/);
    expect(table[1]).toMatch(/^alpha +yes +any +0\.01 +any +off +1$/);
    expect(table[2]).toMatch(/^trend +yes +EURUSD +0\.01 +vps-1 +20\/s +1$/);
    const list = json<{ name: string; enabled: boolean; settings: unknown; secrets: unknown[] }[]>(['strategy', 'list']);
    expect(list.map((s) => s.name)).toEqual(['alpha', 'trend']);
    expect(list[1]).toMatchObject({ enabled: true, settings: { symbols: ['EURUSD'], agent: 'vps-1', lots: 0.01, rateLimit: 20 } });
    expect(list[1]!.secrets).toEqual([{ prefix: expect.stringMatching(/^.{8}$/), createdAt: expect.any(String), expiresAt: null }]);
  });

  it('shows every setting and the secret prefix only', () => {
    const { secret } = json<{ secret: string }>(['strategy', 'add', 'trend', '--hours', 'Mon-Fri 07:00-20:00 UTC', '--max-age', '90s', '--max-positions', '2']);
    const out = ok(['strategy', 'show', 'trend']);
    expect(out).toMatch(/^strategy trend \(enabled\)/);
    expect(out).toMatch(/hours +Mon-Fri 07:00-20:00 UTC/);
    expect(out).toMatch(/max age +90s/);
    expect(out).toMatch(/max positions +2/);
    expect(out).toContain(`${secret.slice(0, 8)}…`);
    expect(out).not.toContain(secret.slice(0, 12));
    const shown = json(['strategy', 'show', 'trend']);
    expect(shown).toMatchObject({ name: 'trend', settings: { maxAgeMs: 90_000, maxPositions: 2 } });
    expect(JSON.stringify(shown)).not.toContain(secret);
  });

  it('says which strategy is unknown, with exit 1', () => {
    for (const cmd of [['show', 'nope'], ['set', 'nope', '--lots', '1'], ['enable', 'nope'], ['disable', 'nope'], ['rotate-secret', 'nope'], ['remove', 'nope']]) {
      const r = dcap(['strategy', ...cmd]);
      expect(r.code, cmd.join(' ')).toBe(1);
      expect(r.stderr).toBe('dcap: no strategy named "nope" (see dcap strategy list)\n');
    }
  });

  it('set changes only the options given; "" resets; bad values change nothing', () => {
    ok(['strategy', 'add', 'trend', '--symbols', 'EURUSD', '--map', 'A=B', '--map', 'C=D', '--lots', '0.5', '--agent', 'vps-1', '--hours', 'Mon 00:00-12:00 UTC']);
    const r = json<{ settings: unknown }>(['strategy', 'set', 'trend', '--max-lots', '2', '--map', 'A=', '--map', 'E=F', '--agent', '']);
    expect(r.settings).toEqual({ symbols: ['EURUSD'], map: { C: 'D', E: 'F' }, lots: 0.5, maxLots: 2, hours: 'Mon 00:00-12:00 UTC', rateLimit: 20 });
    expect(ok(['strategy', 'set', 'trend', '--hours', ''])).toMatch(/updated strategy "trend"/);
    expect(json<{ settings: { hours?: string } }>(['strategy', 'show', 'trend']).settings.hours).toBeUndefined();

    const before = snapshot();
    const bad = dcap(['strategy', 'set', 'trend', '--lots', '5', '--symbols', 'EUR USD']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--lots: default lots 5 exceed max lots 2');
    expect(bad.stderr).toContain('--symbols: "EUR USD" is not a symbol');
    const none = dcap(['strategy', 'set', 'trend']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/nothing to change/);
    expect(snapshot()).toEqual(before);
  });

  it('enable and disable flip the state once, and the secret keeps finding a disabled strategy', () => {
    const { secret } = json<{ secret: string }>(['strategy', 'add', 'trend']);
    expect(json(['strategy', 'disable', 'trend'])).toMatchObject({ enabled: false, changed: true });
    expect(ok(['strategy', 'disable', 'trend'])).toMatch(/already disabled/);
    expect(lookup(secret)?.enabled).toBe(false);
    expect(ok(['strategy', 'list'])).toMatch(/trend +no/);
    expect(ok(['strategy', 'enable', 'trend'])).toMatch(/enabled strategy "trend"/);
    expect(lookup(secret)?.enabled).toBe(true);
  });
});

describe('rotate-secret and remove', () => {
  it('rotates with a grace period; --grace 0 stops the old secret at once', () => {
    const { secret: first } = json<{ secret: string }>(['strategy', 'add', 'trend']);
    const r = json<{ secret: string; previousExpiresAt: string }>(['strategy', 'rotate-secret', 'trend', '--grace', '1h']);
    expect(Object.keys(r)).toEqual(['id', 'name', 'secret', 'webhookPath', 'previousExpiresAt']);
    const until = Date.parse(r.previousExpiresAt);
    expect(lookup(first, until - 1)?.name).toBe('trend');
    expect(lookup(first, until)).toBeUndefined();
    expect(lookup(r.secret, until + 1)?.name).toBe('trend');
    expect(json<{ secrets: unknown[] }>(['strategy', 'show', 'trend']).secrets).toHaveLength(2);

    const out = ok(['strategy', 'rotate-secret', 'trend', '--grace', '0']);
    const third = /webhook secret: (\S+)/.exec(out)![1]!;
    expect(out).toMatch(/stopped working now/);
    expect(lookup(first)).toBeUndefined();
    expect(lookup(r.secret)).toBeUndefined();
    expect(lookup(third)?.name).toBe('trend');

    const bad = dcap(['strategy', 'rotate-secret', 'trend', '--grace', 'soon']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--grace: "soon" is not a duration/);
    expect(lookup(third)?.name).toBe('trend');
  });

  it('remove kills the secrets, frees the name and keeps the row', () => {
    const { id, secret } = json<{ id: string; secret: string }>(['strategy', 'add', 'trend']);
    expect(ok(['strategy', 'remove', 'trend'])).toMatch(/removed strategy "trend" \(id .+\): 1 webhook secret deleted/);
    expect(lookup(secret)).toBeUndefined();
    expect(json<unknown[]>(['strategy', 'list'])).toEqual([]);
    expect(dcap(['strategy', 'show', 'trend']).code).toBe(1);
    const db = new Database(join(dir, 'data', 'dcap.db'), { readonly: true });
    expect(db.prepare('SELECT removed_at IS NOT NULL FROM strategies WHERE id = ?').pluck().get(id)).toBe(1);
    expect(db.prepare("SELECT type FROM outbox WHERE aggregate_id = ? ORDER BY seq").pluck().all(id)).toEqual(['strategy.upserted', 'strategy.removed']);
    db.close();
    expect(json(['strategy', 'add', 'trend']).id).not.toBe(id);
  });
});

describe('export and import', () => {
  it('round-trips every strategy into another store, printing each new secret once', () => {
    ok(['strategy', 'add', 'trend', '--symbols', 'EURUSD', '--map', 'OANDA:EURUSD=EURUSD.m', '--hours', 'Mon-Fri 07:00-20:00 UTC', '--max-age', '60s', '--risk-pct', '1']);
    ok(['strategy', 'add', 'gold', '--suffix', '.m', '--rate-limit', '0']);
    ok(['strategy', 'disable', 'gold']);
    const exported = ok(['strategy', 'export']);
    const file = JSON.parse(exported) as { version: number; strategies: { name: string; enabled: boolean; settings: unknown }[] };
    expect(file.version).toBe(1);
    expect(file.strategies.map((s) => [s.name, s.enabled])).toEqual([['gold', false], ['trend', true]]);
    expect(Object.keys(file.strategies[0]!)).toEqual(['name', 'enabled', 'settings']);
    expect(exported).not.toMatch(/secret|hash|prefix/i);
    writeFileSync(join(dir, 'strategies.json'), exported);

    const other = join(dir, 'other');
    const r = json<{ created: { name: string; secret: string; webhookPath: string }[]; updated: string[] }>(['strategy', 'import', 'strategies.json'], { dataDir: other });
    expect(r.created.map((c) => c.name)).toEqual(['gold', 'trend']);
    expect(r.updated).toEqual([]);
    for (const c of r.created) expect(c.webhookPath).toBe(`/webhooks/tv/${c.secret}`);
    expect(ok(['strategy', 'export'], { dataDir: other })).toBe(exported);

    // Importing again changes nothing; a changed file updates in place and prints no secret.
    expect(json(['strategy', 'import', 'strategies.json'], { dataDir: other })).toEqual({ created: [], updated: [], unchanged: ['gold', 'trend'] });
    file.strategies[1]!.settings = { lots: 0.2 };
    const out = ok(['strategy', 'import', '-'], { dataDir: other, input: JSON.stringify(file) });
    expect(out).toBe('updated trend\nunchanged gold\n');
    expect(json<{ settings: unknown }>(['strategy', 'show', 'trend'], { dataDir: other }).settings).toEqual({ symbols: [], map: {}, lots: 0.2, rateLimit: 20 });
  });

  it('human import shows each new secret once with the store-it-now note', () => {
    writeFileSync(join(dir, 's.json'), JSON.stringify({ version: 1, strategies: [{ name: 'a', settings: {} }] }));
    const out = ok(['strategy', 'import', 's.json']);
    expect(out).toMatch(/^created a\n {2}webhook secret: [A-Za-z0-9_-]{43}\n {2}webhook path: +\/webhooks\/tv\/[A-Za-z0-9_-]{43}/);
    expect(out).toMatch(/not shown again/);
  });

  it('reports every problem with its path and changes nothing', () => {
    ok(['strategy', 'add', 'keep', '--lots', '0.3']);
    const before = snapshot();
    writeFileSync(
      join(dir, 'bad.json'),
      JSON.stringify({
        version: 1,
        strategies: [
          { name: 'keep', settings: { lots: 0.9 } },
          { name: 'fresh', settings: {} },
          { name: 'broken', settings: { lots: 0, bogus: 1 } },
          { name: 'bad name', settings: { hours: 'whenever' } },
        ],
      }),
    );
    const r = dcap(['strategy', 'import', 'bad.json']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    for (const part of ['strategies[2].settings.lots: must be greater than 0', 'strategies[2].settings: Unrecognized key: "bogus"', 'strategies[3].name:', 'strategies[3].settings.hours:', 'nothing was changed'])
      expect(r.stderr).toContain(part);
    writeFileSync(join(dir, 'notjson.json'), '{"version":1,');
    expect(dcap(['strategy', 'import', 'notjson.json']).stderr).toMatch(/is not valid JSON/);
    expect(dcap(['strategy', 'import', 'missing.json']).stderr).toMatch(/cannot read .*missing\.json/);
    expect(snapshot()).toEqual(before);
  });
});

describe('--help', () => {
  it('every strategy command has a description and examples', () => {
    for (const c of ['add', 'list', 'show', 'set', 'enable', 'disable', 'rotate-secret', 'remove', 'export', 'import']) {
      const r = runDcap(['strategy', c, '--help']);
      expect(r.code, c).toBe(0);
      expect(r.stdout, c).toMatch(new RegExp(`Examples:\\n {2}\\$ dcap .*strategy ${c}`));
    }
  });
});
