import Database from 'better-sqlite3';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT, dcap, dcapJson, tempDir } from './helpers/daemon.js';

// The real CLI (dist/, built by `npm run build`), a real store in a temp data dir, the stand-in MetaEditor.
const ME = join(ROOT, 'test', 'fixtures', 'fake-metaeditor', 'metaeditor64');
const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function workspace(): { dir: string; run: (args: string[], env?: NodeJS.ProcessEnv) => ReturnType<typeof dcap>; json: <T>(args: string[]) => T } {
  const { dir, cleanup } = tempDir('dcap-ea-proj-');
  cleanups.push(cleanup);
  const env = { DCAP_DATA_DIR: join(dir, '.dcap'), DCAP_METAEDITOR: ME };
  return {
    dir,
    run: (args, extra) => dcap(args, { cwd: dir, env: { ...env, ...extra } }),
    json: <T>(args: string[]) => dcapJson<T>(args, { cwd: dir, env }),
  };
}

type Summary = { name: string; number: number; origin: string; contentHash: string; compileStatus: string; ex5: { path: string; sha256: string; size: number } | null };

describe('dcap ea projects and versions', () => {
  it('new -> edit -> compile name -> versions/show/diff/commit; results stored on the version; outbox rows written', () => {
    const w = workspace();
    const created = w.json<{ project: { workingFile: string }; version: Summary }>(['ea', 'new', 'trend', '--template', 'breakout', '--symbol', 'GBPUSD', '--timeframe', 'm15']);
    expect(created.version).toMatchObject({ name: 'trend@1', origin: 'template', compileStatus: 'none' });
    const file = join(w.dir, 'ea', 'trend', 'trend.mq5');
    expect(created.project.workingFile).toBe(file);
    expect(readFileSync(file, 'utf8')).toContain('PERIOD_M15');

    // A second `new` of the same name changes nothing.
    const again = w.run(['ea', 'new', 'trend']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/an EA project named "trend" already exists/);

    appendFileSync(file, '// tuned\n');
    const compiled = w.run(['ea', 'compile', 'trend']);
    expect(compiled.stderr).toBe('');
    expect(compiled.code).toBe(0);
    expect(compiled.stdout).toMatch(/^committed the working file as trend@2\ncompiled .*build\/v2\/trend\.mq5 -> .*trend\.ex5: 0 errors, 0 warnings, 412 ms\nstored on trend@2: compiled\n$/);

    const list = w.json<{ versions: Summary[]; uncommittedEdits: boolean }>(['ea', 'versions', 'trend']);
    expect(list.uncommittedEdits).toBe(false);
    expect(list.versions.map((v) => [v.number, v.origin, v.compileStatus])).toEqual([[1, 'template', 'none'], [2, 'edit', 'compiled']]);
    expect(list.versions[1]!.ex5!.path).toBe(join(w.dir, 'ea', 'trend', 'build', 'v2', 'trend.ex5'));
    expect(list.versions[1]!.ex5!.size).toBeGreaterThan(0);

    const shown = w.json<{ version: Summary & { source: string } }>(['ea', 'show', 'trend@1']);
    expect(shown.version.source).not.toContain('// tuned');
    expect(w.json<{ version: { source: string } }>(['ea', 'show', 'trend']).version.source).toBe(readFileSync(file, 'utf8'));

    const d = w.run(['ea', 'diff', 'trend', '1', '2']);
    expect(d.code).toBe(0);
    expect(d.stdout).toMatch(/^--- trend@1\n\+\+\+ trend@2\n@@ -\d+,\d+ \+\d+,\d+ @@\n/);
    expect(d.stdout.split('\n').filter((l) => /^[+-][^+-]/.test(l))).toEqual(['+// tuned']);

    expect(w.run(['ea', 'commit', 'trend']).stdout).toMatch(/nothing to commit: ea\/trend\/trend\.mq5 is trend@2/);

    // A failed compile of an older version is stored on that version only.
    const failed = w.run(['ea', 'compile', 'trend@1'], { FAKE_ME_SCENARIO: 'errors' });
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/error 256: undeclared identifier 'x'[\s\S]*stored on trend@1: failed/);
    const after = w.json<{ versions: Summary[] }>(['ea', 'versions', 'trend']).versions;
    expect(after.map((v) => v.compileStatus)).toEqual(['failed', 'compiled']);

    const db = new Database(join(w.dir, '.dcap', 'dcap.db'), { readonly: true });
    try {
      const types = (db.prepare("SELECT type FROM outbox WHERE aggregate LIKE 'ea_%' ORDER BY seq").all() as { type: string }[]).map((r) => r.type);
      expect(types).toEqual(['ea_project.created', 'ea_version.created', 'ea_version.created', 'ea_version.compiled', 'ea_artifact.recorded', 'ea_version.compiled']);
      // Versions are immutable in the store itself.
      const rw = new Database(join(w.dir, '.dcap', 'dcap.db'));
      expect(() => rw.prepare("UPDATE ea_versions SET source = 'x' WHERE number = 1").run()).toThrow(/immutable/);
      expect(() => rw.prepare('DELETE FROM ea_versions').run()).toThrow(/never deleted/);
      rw.close();
    } finally {
      db.close();
    }
  });

  it('generate --from renders a spec; regenerating it unchanged adds no version; edits are never overwritten', () => {
    const w = workspace();
    const spec = join(ROOT, 'docs', 'examples', 'ea-spec-ema-rsi.json');
    const first = w.json<{ version: Summary; created: boolean }>(['ea', 'generate', 'er', '--from', spec]);
    expect(first).toMatchObject({ created: true, version: { name: 'er@1', origin: 'spec' } });
    const same = w.json<{ version: Summary; created: boolean }>(['ea', 'generate', 'er', '--from', spec]);
    expect(same).toMatchObject({ created: false, version: { number: 1 } });

    appendFileSync(join(w.dir, 'ea', 'er', 'er.mq5'), '// mine\n');
    const refused = w.run(['ea', 'generate', 'er', '--from', spec]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/has edits that are in no version: run "dcap ea commit er" first/);
    expect(readFileSync(join(w.dir, 'ea', 'er', 'er.mq5'), 'utf8')).toContain('// mine');

    writeFileSync(join(w.dir, 'bad.json'), JSON.stringify({ entry: { long: { all: [{ above: ['ema9', 1] }] } }, sizing: { lots: 1 } }));
    const bad = w.run(['ea', 'generate', 'other', '--from', 'bad.json']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/bad\.json is not a valid strategy spec[\s\S]*entry\.long\.all\.0\.above\.0: "ema9" is not an indicator id/);
    expect(existsSync(join(w.dir, 'ea', 'other'))).toBe(false);
  });

  it('generate --prompt: a working endpoint makes a version; a failing one makes none', async () => {
    const w = workspace();
    const answers = [
      { status: 500, body: JSON.stringify({ error: { message: 'overloaded' } }) },
      { status: 200, body: JSON.stringify({ choices: [{ message: { content: 'Sorry, no.' } }] }) },
      { status: 200, body: JSON.stringify({ choices: [{ message: { content: '```mql5\n#property version "1.00"\nint OnInit() { return 0; }\nvoid OnTick() {}\n```' } }] }) },
    ];
    let auth: string | undefined;
    const server: Server = createServer((req, res) => {
      auth = req.headers.authorization;
      req.resume().on('end', () => {
        const a = answers.shift()!;
        res.writeHead(a.status, { 'content-type': 'application/json' }).end(a.body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const env = { DCAP_LLM_BASE_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, DCAP_LLM_MODEL: 'test-model', DCAP_LLM_API_KEY: 'sk-not-logged' };
    // spawnSync would block this event loop, which the server answers from in a child, so the server must answer from this event loop: spawn asynchronously.
    const { spawn } = await import('node:child_process');
    const runAsync = (args: string[]) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [join(ROOT, 'bin', 'dcap.js'), ...args], { cwd: w.dir, env: { ...process.env, DCAP_DATA_DIR: join(w.dir, '.dcap'), ...env } });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
        child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
        child.on('exit', (code) => resolve({ code, stdout, stderr }));
      });

    const e500 = await runAsync(['ea', 'generate', 'ai', '--prompt', 'ema cross']);
    expect(e500.code).toBe(1);
    expect(e500.stderr).toMatch(/answered HTTP 500: overloaded; no version was created/);
    const junk = await runAsync(['ea', 'generate', 'ai', '--prompt', 'ema cross']);
    expect(junk.stderr).toMatch(/holds no MQL5 code/);
    expect(existsSync(join(w.dir, 'ea', 'ai'))).toBe(false);
    expect(w.run(['ea', 'versions', 'ai']).stderr).toMatch(/no EA project named "ai"/);

    const ok = await runAsync(['ea', 'generate', 'ai', '--prompt', 'ema cross', '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ created: true, version: { name: 'ai@1', origin: 'prompt' } });
    expect(auth).toBe('Bearer sk-not-logged');
    expect(ok.stderr + e500.stderr + junk.stderr).not.toContain('sk-not-logged');
  });

  it('bad input: names, versions, targets, flags; every command has --help with Examples', () => {
    const w = workspace();
    expect(w.run(['ea', 'new', '9lives']).stderr).toMatch(/"9lives" is not a valid EA name/);
    expect(w.run(['ea', 'new', 'x', '--timeframe', 'H7']).stderr).toMatch(/--timeframe "H7" is not one of M1/);
    expect(w.run(['ea', 'new', 'x', '--template', 'scalp']).code).toBe(2);
    expect(w.run(['ea', 'new', 'x']).code).toBe(0);
    expect(w.run(['ea', 'show', 'x@7']).stderr).toMatch(/x@7 does not exist: "x" has versions 1 to 1/);
    expect(w.run(['ea', 'show', 'x@two']).stderr).toMatch(/the version after @ must be a number/);
    expect(w.run(['ea', 'diff', 'x', '1', 'z']).stderr).toMatch(/"z" is not a version number/);
    expect(w.run(['ea', 'compile', 'nope@1']).stderr).toMatch(/no EA project named "nope"/);
    expect(w.run(['ea', 'generate', 'x']).stderr).toMatch(/give exactly one of --from/);
    expect(w.run(['ea', 'generate', 'x', '--prompt', 'hi'], { DCAP_LLM_BASE_URL: '' }).stderr).toMatch(/--prompt needs an OpenAI-compatible endpoint/);
    for (const c of ['new', 'generate', 'versions', 'show', 'diff', 'commit', 'compile']) {
      expect(dcap(['ea', c, '--help']).stdout).toMatch(new RegExp(`Examples:\\n\\s+\\$ dcap ea ${c}`));
    }
  });
});
