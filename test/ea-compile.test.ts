import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, ROOT, dcap, tempDir } from './helpers/daemon.js';

// The real CLI (dist/, built by `npm run build`) against the stand-in MetaEditor.
const ME = join(ROOT, 'test', 'fixtures', 'fake-metaeditor', 'metaeditor64');
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

function project(scenario: string): { dir: string; file: string } {
  const { dir, cleanup } = tempDir('dcap-ea-cli-');
  cleanups.push(cleanup);
  mkdirSync(join(dir, 'experts', 'MA (v2)'), { recursive: true });
  const file = join(dir, 'experts', 'MA (v2)', 'ma cross.mq5');
  writeFileSync(file, `// fake-metaeditor: ${scenario}\nint OnInit() { return 0; }\n`);
  return { dir, file };
}

describe('dcap ea compile', () => {
  it('--json: only the documented JSON on stdout, exit 0, a fresh .ex5', () => {
    const { dir, file } = project('warnings');
    const r = dcap(['ea', 'compile', 'experts/MA (v2)/ma cross.mq5', '--metaeditor', ME, '--json'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(out)).toEqual(['ok', 'errors', 'warnings', 'elapsedMs', 'diagnostics', 'ex5', 'problem']);
    expect(out).toMatchObject({ ok: true, errors: 0, warnings: 2, elapsedMs: 412, ex5: join(dir, 'experts', 'MA (v2)', 'ma cross.ex5'), problem: null });
    expect(out.diagnostics).toEqual([
      { file, line: 14, column: 7, severity: 'warning', code: 43, message: "possible loss of data due to type conversion from 'double' to 'int'" },
      { file, line: 20, column: 11, severity: 'warning', code: 68, message: "version '0.1.0' is incompatible with MQL5 Market" },
    ]);
    expect(existsSync(join(dir, 'experts', 'MA (v2)', 'ma cross.ex5'))).toBe(true);
  });

  it('errors: clickable file:line:col lines, a summary, exit 1', () => {
    const { dir } = project('errors');
    const r = dcap(['ea', 'compile', 'experts/MA (v2)/ma cross.mq5'], { cwd: dir, env: { DCAP_METAEDITOR: ME } });
    expect(r.code).toBe(1);
    expect(r.stdout.trimEnd().split('\n')).toEqual([
      "experts/MA (v2)/ma cross.mq5:12:5: error 256: undeclared identifier 'x'",
      "experts/MA (v2)/ma cross.mq5:14:7: warning 43: possible loss of data due to type conversion from 'double' to 'int'",
      'experts/MA (v2)/ma cross.mq5:1:1: error 161: unexpected end of program',
      'FAILED experts/MA (v2)/ma cross.mq5: 2 errors, 1 warning',
    ]);
  });

  it('--json on failure still prints the JSON document, and exits 1', () => {
    const { dir } = project('no-log');
    const r = dcap(['ea', 'compile', 'experts/MA (v2)/ma cross.mq5', '--json', '--metaeditor', ME], { cwd: dir });
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { ok: boolean; problem: string };
    expect(out.ok).toBe(false);
    expect(out.problem).toMatch(/did not understand the command line/);
  });

  it('takes MetaEditor from the config file, with --syntax-only', () => {
    const { dir } = project('success');
    writeFileSync(join(dir, 'dcap.config.json'), JSON.stringify({ ea: { metaeditor: ME } }));
    const r = dcap(['ea', 'compile', 'experts/MA (v2)/ma cross.mq5', '--syntax-only'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('checked experts/MA (v2)/ma cross.mq5: 0 errors, 0 warnings, 412 ms');
    expect(existsSync(join(dir, 'experts', 'MA (v2)', 'ma cross.ex5'))).toBe(false);
  });

  it('bad input: no MetaEditor configured, a missing file, a bad --timeout', () => {
    const { dir } = project('success');
    const none = dcap(['ea', 'compile', 'experts/MA (v2)/ma cross.mq5'], { cwd: dir, env: { DCAP_METAEDITOR: '' } });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no MetaEditor configured: pass --metaeditor/);
    const missing = dcap(['ea', 'compile', 'nope.mq5', '--metaeditor', ME], { cwd: dir });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nope\.mq5: no such file/);
    const timeout = dcap(['ea', 'compile', 'x.mq5', '--timeout', 'soon'], { cwd: dir });
    expect(timeout.code).toBe(2);
    expect(timeout.stderr).toMatch(/"soon" is not a duration/);
    expect(dcap(['ea', 'compile', '--help']).stdout).toMatch(/Examples:\n\s+\$ dcap ea compile/);
  });

  it('--watch: prints the first result, then only what changed on save; Ctrl-C exits 0', async () => {
    const { dir, file } = project('errors');
    const child = spawn(process.execPath, [BIN, 'ea', 'compile', file, '--watch', '--metaeditor', ME], { cwd: dir, env: { ...process.env } });
    cleanups.push(() => child.kill('SIGKILL'));
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const waitFor = async (re: RegExp) => {
      for (let i = 0; i < 300 && !re.test(out); i++) await new Promise((r) => setTimeout(r, 50));
      expect(out).toMatch(re);
    };
    await waitFor(/FAILED .*2 errors, 1 warning/);
    const first = out.length;
    writeFileSync(file, `// fake-metaeditor: warnings\nint OnInit() { return 0; }\n`);
    await waitFor(/compiled .*ma cross\.ex5: 0 errors, 2 warnings/);
    const change = out.slice(first).trim().split('\n');
    expect(change).toContain("- fixed: experts/MA (v2)/ma cross.mq5:12:5: error 256: undeclared identifier 'x'");
    expect(change).toContain("experts/MA (v2)/ma cross.mq5:20:11: warning 68: version '0.1.0' is incompatible with MQL5 Market");
    // The unchanged warning is not repeated.
    expect(change.filter((l) => l.includes('warning 43'))).toEqual([]);
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });
});
