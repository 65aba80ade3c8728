import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dcap, tempDir } from './helpers/daemon.js';

const tmp = tempDir('dcap-init-');
afterAll(() => tmp.cleanup());

const FILES = ['.gitignore', 'README.md', 'dcap.config.json', 'fixtures/alerts/example.jsonl', 'fixtures/alerts/expect.json', 'strategies.json'];

describe('dcap init', () => {
  it('scaffolds a project whose fixtures replay green against its expectation', () => {
    const r = dcap(['init', 'proj', '--json'], { cwd: tmp.dir });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { dir: string; files: string[] };
    expect(out.dir).toBe(join(tmp.dir, 'proj'));
    expect([...out.files].sort()).toEqual(FILES.map((f) => join('proj', f)).sort());
    const proj = join(tmp.dir, 'proj');
    for (const f of FILES) expect(existsSync(join(proj, f)), f).toBe(true);

    // The config is valid for this dcap (loaded from the project folder).
    const config = JSON.parse(readFileSync(join(proj, 'dcap.config.json'), 'utf8')) as { dataDir: string };
    expect(config.dataDir).toBe('.dcap');
    const readme = readFileSync(join(proj, 'README.md'), 'utf8');
    for (const cmd of ['dcap strategy import strategies.json', 'dcap webhook start', '--expect fixtures/alerts/expect.json', '/webhooks/tv/<secret>']) {
      expect(readme).toContain(cmd);
    }

    const replay = dcap(['replay', 'fixtures/alerts', '--strategies', 'strategies.json', '--expect', 'fixtures/alerts/expect.json'], { cwd: proj });
    expect(replay.code, replay.stderr).toBe(0);
    expect(replay.stdout).toContain('accepted');
    expect(replay.stderr).toMatch(/all \d+ results match/);
    // The replay used the project's config and wrote no store into it.
    expect(existsSync(join(proj, '.dcap'))).toBe(false);

    // The example strategy imports as is.
    const imp = dcap(['strategy', 'import', 'strategies.json', '--json'], { cwd: proj });
    expect(imp.code, imp.stderr).toBe(0);
    expect(existsSync(join(proj, '.dcap', 'dcap.db'))).toBe(true);
  });

  it('refuses to overwrite anything without --force, and changes nothing', () => {
    const r = dcap(['init'], { cwd: tmp.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('dcap.config.json');
    writeFileSync(join(tmp.dir, 'strategies.json'), '{"mine":true}');
    const again = dcap(['init'], { cwd: tmp.dir });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('not overwriting existing files');
    expect(again.stderr).toContain('strategies.json');
    expect(readFileSync(join(tmp.dir, 'strategies.json'), 'utf8')).toBe('{"mine":true}');
    const forced = dcap(['init', '--force'], { cwd: tmp.dir });
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(join(tmp.dir, 'strategies.json'), 'utf8')).toContain('"example"');
  });
});
