import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { compileMq5 } from './metaeditor.js';

const FAKE = fileURLToPath(new URL('../../test/fixtures/fake-metaeditor/', import.meta.url));
const ME = join(FAKE, 'metaeditor64');
const ME_EXE = join(FAKE, 'metaeditor64.exe');
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A temp folder (optionally with a spaced subfolder) holding an .mq5 whose marker picks the fake's scenario. */
function project(scenario: string, sub = 'ea', name = 'ma_cross.mq5', extra = ''): { dir: string; file: string; root: string } {
  const root = mkdtempSync(join(tmpdir(), 'dcap-me-test-'));
  dirs.push(root);
  const dir = join(root, sub);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  writeFileSync(file, `// fake-metaeditor: ${scenario}\n${extra}int OnInit() { return 0; }\n`);
  return { dir, file, root };
}
const envWith = (extra: Record<string, string>) => ({ ...process.env, DCAP_WINE: join(FAKE, 'wine'), ...extra });

describe('compileMq5 against the stand-in MetaEditor (run directly)', () => {
  it('success: exact arguments, a fresh .ex5, summary figures, exit code ignored', async () => {
    const { dir, file, root } = project('success');
    const record = join(root, 'argv.json');
    const r = await compileMq5(file, { metaeditor: ME, env: envWith({ FAKE_ME_RECORD: record }) });
    expect(r).toMatchObject({ ok: true, errors: 0, warnings: 0, elapsedMs: 412, diagnostics: [], ex5: join(dir, 'ma_cross.ex5'), problem: null });
    expect(existsSync(join(dir, 'ma_cross.ex5'))).toBe(true);
    expect(r.log).toMatch(/Result: 0 errors, 0 warnings, 412 ms elapsed/);
    const { args, cwd } = JSON.parse(readFileSync(record, 'utf8')) as { args: string[]; cwd: string };
    expect(args).toEqual([`/compile:${file}`, `/log:${join(cwd, 'compile.log')}`]);
    // The scratch folder with the log is gone afterwards.
    expect(existsSync(cwd)).toBe(false);
  });

  it('passes /inc: and /s exactly, and a syntax check writes no .ex5', async () => {
    const { dir, file, root } = project('success');
    const mql5 = join(root, 'MQL5');
    mkdirSync(mql5);
    const record = join(root, 'argv.json');
    const r = await compileMq5(file, { metaeditor: ME, include: mql5, syntaxOnly: true, env: envWith({ FAKE_ME_RECORD: record }) });
    expect(r).toMatchObject({ ok: true, errors: 0, elapsedMs: 412, ex5: null, syntaxOnly: true });
    expect(readdirSync(dir)).toEqual(['ma_cross.mq5']);
    const { args, cwd } = JSON.parse(readFileSync(record, 'utf8')) as { args: string[]; cwd: string };
    expect(args).toEqual([`/compile:${file}`, `/log:${join(cwd, 'compile.log')}`, `/inc:${mql5}`, '/s']);
  });

  it('errors: diagnostics with and without a path, counts from the summary, no .ex5', async () => {
    const { file } = project('errors');
    const r = await compileMq5(file, { metaeditor: ME });
    expect(r.ok).toBe(false);
    expect(r.errors).toBe(2);
    expect(r.warnings).toBe(1);
    expect(r.elapsedMs).toBeNull();
    expect(r.ex5).toBeNull();
    expect(r.problem).toBeNull();
    expect(r.diagnostics).toEqual([
      { file, line: 12, column: 5, severity: 'error', code: 256, message: "undeclared identifier 'x'" },
      { file, line: 14, column: 7, severity: 'warning', code: 43, message: "possible loss of data due to type conversion from 'double' to 'int'" },
      { file: null, line: 1, column: 1, severity: 'error', code: 161, message: 'unexpected end of program' },
    ]);
  });

  it('warnings only: a success', async () => {
    const { dir, file } = project('warnings');
    const r = await compileMq5(file, { metaeditor: ME });
    expect(r).toMatchObject({ ok: true, errors: 0, warnings: 2, ex5: join(dir, 'ma_cross.ex5') });
  });

  it('no log: a failure saying MetaEditor did not understand the command line', async () => {
    const { file } = project('no-log');
    const r = await compileMq5(file, { metaeditor: ME });
    expect(r.ok).toBe(false);
    expect(r.problem).toMatch(/wrote no log: it did not understand the command line/);
    expect(r.log).toBe('');
  });

  it('a command line the stand-in rejects ends the same way (it fails the test if arguments are wrong)', async () => {
    const { file } = project('success');
    const r = await compileMq5(file, { metaeditor: ME, env: envWith({ FAKE_ME_EXPECT_ARGS: JSON.stringify(['/compile:elsewhere']) }) });
    expect(r.ok).toBe(false);
    expect(r.problem).toMatch(/did not understand the command line[\s\S]*refused: arguments/);
  });

  it('0 errors but no .ex5: a failure', async () => {
    const { file } = project('no-ex5');
    const r = await compileMq5(file, { metaeditor: ME });
    expect(r).toMatchObject({ ok: false, errors: 0, ex5: null, problem: 'MetaEditor reported 0 errors but wrote no ma_cross.ex5' });
  });

  it('a stale .ex5 from before is deleted first, so it can never pass for fresh output', async () => {
    for (const scenario of ['no-ex5', 'errors', 'no-log']) {
      const { dir, file } = project(scenario);
      writeFileSync(join(dir, 'ma_cross.ex5'), 'stale');
      const r = await compileMq5(file, { metaeditor: ME });
      expect(r.ok, scenario).toBe(false);
      expect(r.ex5, scenario).toBeNull();
      expect(existsSync(join(dir, 'ma_cross.ex5')), scenario).toBe(false);
    }
  });

  it('a fresh .ex5 replaces the old one', async () => {
    const { dir, file } = project('success');
    writeFileSync(join(dir, 'ma_cross.ex5'), 'stale');
    const r = await compileMq5(file, { metaeditor: ME });
    expect(r.ok).toBe(true);
    expect(readFileSync(join(dir, 'ma_cross.ex5'), 'utf8')).toBe('EX5\0fake');
  });

  it('a MetaEditor that hangs is stopped at the timeout and reported', async () => {
    const { file } = project('hang');
    const r = await compileMq5(file, { metaeditor: ME, timeoutMs: 1500 });
    expect(r.ok).toBe(false);
    expect(r.problem).toMatch(/did not finish within 2 s/);
  });

  it('bad input is a clear error: missing source, not an .mq5, missing MetaEditor, include not a folder', async () => {
    const { dir, file } = project('success');
    await expect(compileMq5(join(dir, 'nope.mq5'), { metaeditor: ME })).rejects.toThrow(/nope\.mq5 does not exist/);
    writeFileSync(join(dir, 'x.txt'), '');
    await expect(compileMq5(join(dir, 'x.txt'), { metaeditor: ME })).rejects.toThrow(/is not an \.mq5 file/);
    await expect(compileMq5(file, { metaeditor: join(dir, 'MetaEditor64.exe') })).rejects.toThrow(/MetaEditor .*MetaEditor64\.exe does not exist/);
    await expect(compileMq5(file, { metaeditor: ME, include: file })).rejects.toThrow(/is not a folder/);
    await expect(compileMq5(file, { metaeditor: ME_EXE, env: { PATH: '' } })).rejects.toThrow(/`wine` is not on PATH/);
  });
});

describe('compileMq5 through wine (a stand-in wine, so the Windows-form arguments are checked)', () => {
  it('converts paths to Z:\\ form and maps diagnostics back to local paths', async () => {
    const { file } = project('errors');
    const record = join(dirs[0]!, 'argv.json');
    const r = await compileMq5(file, { metaeditor: ME_EXE, env: envWith({ FAKE_ME_RECORD: record }) });
    const { args, underWine, cwd } = JSON.parse(readFileSync(record, 'utf8')) as { args: string[]; underWine: boolean; cwd: string };
    expect(underWine).toBe(true);
    const win = (p: string) => `Z:${p.replace(/\//g, '\\')}`;
    expect(args).toEqual([`/compile:${win(file)}`, `/log:${win(join(cwd, 'compile.log'))}`]);
    expect(r.errors).toBe(2);
    expect(r.diagnostics[0]).toMatchObject({ file, line: 12, column: 5 });
  });

  it('stages a source and an include folder with spaces, keeps neighbouring headers reachable, copies the .ex5 back', async () => {
    const { dir, file, root } = project('warnings', 'My EAs (v2)', 'MA Cross.mq5', '#include "lib\\helper.mqh"\n');
    mkdirSync(join(dir, 'lib'));
    writeFileSync(join(dir, 'lib', 'helper.mqh'), '');
    const mql5 = join(root, 'Program Files', 'MQL5');
    mkdirSync(mql5, { recursive: true });
    const record = join(root, 'argv.json');
    const r = await compileMq5(file, { metaeditor: ME_EXE, include: mql5, env: envWith({ FAKE_ME_RECORD: record }) });
    const { args } = JSON.parse(readFileSync(record, 'utf8')) as { args: string[] };
    expect(args).toHaveLength(3);
    expect(args[0]).toMatch(/^\/compile:Z:\\\S+\\src\\MA_Cross\.mq5$/);
    expect(args[2]).toMatch(/^\/inc:Z:\\\S+\\inc$/);
    expect(r).toMatchObject({ ok: true, warnings: 2, ex5: join(dir, 'MA Cross.ex5') });
    expect(statSync(join(dir, 'MA Cross.ex5')).isFile()).toBe(true);
    expect(r.diagnostics.map((d) => d.file)).toEqual([file, file]);
    expect(readdirSync(dir).sort()).toEqual(['MA Cross.ex5', 'MA Cross.mq5', 'lib']);
  });

  it('--no-wine runs a .exe directly', async () => {
    const { file, root } = project('success');
    const record = join(root, 'argv.json');
    const r = await compileMq5(file, { metaeditor: ME_EXE, wine: false, env: envWith({ FAKE_ME_RECORD: record }) });
    expect(r.ok).toBe(true);
    expect((JSON.parse(readFileSync(record, 'utf8')) as { underWine: boolean }).underWine).toBe(false);
  });
});
