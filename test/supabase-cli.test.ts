import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bundledMigrations, shimSql } from '../src/supabase/migrations.js';
import { dcap, tempDir } from './helpers/daemon.js';
import { pgAvailable, runSql, withTempDatabase } from './helpers/pg.js';

const migrations = bundledMigrations();
const files = migrations.map((m) => m.file);

describe('dcap supabase init', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeAll(() => {
    tmp = tempDir();
  });
  afterAll(() => tmp.cleanup());
  afterEach(() => rmSync(join(tmp.dir, 'supabase'), { recursive: true, force: true }));

  it('copies every migration into <dir>/migrations/ and lists them', () => {
    const r = dcap(['supabase', 'init', '--json'], { cwd: tmp.dir });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toEqual({ dir: join(tmp.dir, 'supabase', 'migrations'), written: files, unchanged: [] });
    for (const m of migrations) expect(readFileSync(join(tmp.dir, 'supabase', 'migrations', m.file), 'utf8')).toBe(m.sql);
    expect(r.stderr).toMatch(/config\.toml does not exist/);
  });

  it('leaves identical files alone on a second run; human output names each file', () => {
    dcap(['supabase', 'init'], { cwd: tmp.dir });
    rmSync(join(tmp.dir, 'supabase', 'migrations', files[0]!));
    const r = dcap(['supabase', 'init', '--dir', 'supabase'], { cwd: tmp.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`wrote      ${join('supabase', 'migrations', files[0]!)}`);
    for (const f of files.slice(1)) expect(r.stdout).toContain(`unchanged  ${join('supabase', 'migrations', f)}`);
  });

  it('refuses to overwrite a different file with the same name, and then writes nothing', () => {
    const dir = join(tmp.dir, 'supabase', 'migrations');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, files[1]!), '-- my own edits\n');
    const r = dcap(['supabase', 'init', '--json'], { cwd: tmp.dir });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(join(dir, files[1]!));
    expect(r.stderr).toMatch(/Nothing was written/);
    expect(readdirSync(dir)).toEqual([files[1]]);
    expect(readFileSync(join(dir, files[1]!), 'utf8')).toBe('-- my own edits\n');
  });

  it('has --help with examples', () => {
    const r = dcap(['supabase', 'init', '--help'], { cwd: tmp.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Examples:\n\s+\$ dcap supabase init/);
  });
});

describe('dcap supabase check without a server', () => {
  it('needs a URL, and says where to put it', () => {
    const r = dcap(['supabase', 'check'], { env: { DCAP_SUPABASE_DB_URL: '' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no database URL: pass --db-url or set DCAP_SUPABASE_DB_URL/);
  });

  it('reports an unreachable server without printing the password', () => {
    const r = dcap(['supabase', 'check', '--db-url', 'postgres://postgres:s3cret-pw@127.0.0.1:1/postgres']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot connect to postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/postgres/);
    expect(r.stderr).not.toContain('s3cret-pw');
  });
});

describe.skipIf(!(await pgAvailable()))('dcap supabase check against PostgreSQL', () => {
  let db: Awaited<ReturnType<typeof withTempDatabase>>;
  beforeAll(async () => {
    db = await withTempDatabase();
    await runSql(db.url, shimSql());
  });
  afterAll(async () => db?.drop());

  it('lists every migration as missing on a fresh database, exit 1', () => {
    const r = dcap(['supabase', 'check', '--db-url', db.url, '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({ applied: [], missing: files, migrationsTable: false });
  });

  it('counts versions recorded by `supabase db push` in supabase_migrations.schema_migrations', async () => {
    await runSql(
      db.url,
      `create schema supabase_migrations;
       create table supabase_migrations.schema_migrations (version text primary key, statements text[], name text);
       insert into supabase_migrations.schema_migrations (version, name) values ('${migrations[0]!.version}', '${migrations[0]!.name}');`,
    );
    const r = dcap(['supabase', 'check', '--json'], { env: { DCAP_SUPABASE_DB_URL: db.url } });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({ applied: [files[0]], missing: files.slice(1), migrationsTable: true });
    const human = dcap(['supabase', 'check'], { env: { DCAP_SUPABASE_DB_URL: db.url } });
    expect(human.stdout).toContain(`MISSING  ${files[1]}`);
    expect(human.stdout).toMatch(new RegExp(`lacks ${files.length - 1} of ${files.length} dcap migrations`));
  });

  it('reports none missing once the migrations are applied, exit 0', async () => {
    for (const m of migrations) await runSql(db.url, m.sql);
    const r = dcap(['supabase', 'check', '--db-url', db.url, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ applied: files, missing: [], migrationsTable: true });
    const human = dcap(['supabase', 'check', '--db-url', db.url]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(new RegExp(`has all ${files.length} dcap migrations`));
  });

  it('the files `init` writes are the ones `check` looks for', () => {
    const tmp = tempDir();
    try {
      dcap(['supabase', 'init', '--dir', tmp.dir]);
      expect(existsSync(join(tmp.dir, 'migrations'))).toBe(true);
      expect(readdirSync(join(tmp.dir, 'migrations')).sort()).toEqual(files);
    } finally {
      tmp.cleanup();
    }
  });
});
