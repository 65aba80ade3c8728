import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildArgs, buildInvocation, describeInvocation, runMode } from './metaeditor-args.js';
import { fromWindowsPath, stageSource, toWindowsPaths, zDrive } from './wine.js';

describe('runMode', () => {
  it('Windows always runs MetaEditor natively; elsewhere a .exe goes through wine unless forced', () => {
    expect(runMode('C:\\MT5\\MetaEditor64.exe', false, 'win32')).toBe('windows');
    expect(runMode('/x/MetaEditor64.exe', undefined, 'linux')).toBe('wine');
    expect(runMode('/x/MetaEditor64.EXE', undefined, 'darwin')).toBe('wine');
    expect(runMode('/x/metaeditor', undefined, 'linux')).toBe('direct');
    expect(runMode('/x/MetaEditor64.exe', false, 'linux')).toBe('direct');
    expect(runMode('/x/metaeditor', true, 'linux')).toBe('wine');
  });
});

describe('buildArgs: the quoting rule', () => {
  const paths = { compile: 'C:\\My EAs (v2)\\x.mq5', log: 'C:\\Temp\\dcap-me-1\\compile.log', include: 'C:\\Program Files\\MT5\\MQL5' };

  it('on Windows quotes the value after the colon, never the whole switch', () => {
    expect(buildArgs({ ...paths, syntaxOnly: true }, 'windows')).toEqual([
      '/compile:"C:\\My EAs (v2)\\x.mq5"',
      '/log:"C:\\Temp\\dcap-me-1\\compile.log"',
      '/inc:"C:\\Program Files\\MT5\\MQL5"',
      '/s',
    ]);
  });

  it('on Windows hands the arguments over verbatim, with argv[0] quoted', () => {
    const inv = buildInvocation('windows', 'C:\\Program Files\\MetaTrader 5\\MetaEditor64.exe', paths);
    expect(inv).toEqual({
      file: 'C:\\Program Files\\MetaTrader 5\\MetaEditor64.exe',
      args: ['/compile:"C:\\My EAs (v2)\\x.mq5"', '/log:"C:\\Temp\\dcap-me-1\\compile.log"', '/inc:"C:\\Program Files\\MT5\\MQL5"'],
      windowsVerbatimArguments: true,
      argv0: '"C:\\Program Files\\MetaTrader 5\\MetaEditor64.exe"',
    });
    expect(describeInvocation(inv)).toBe(
      '"C:\\Program Files\\MetaTrader 5\\MetaEditor64.exe" /compile:"C:\\My EAs (v2)\\x.mq5" /log:"C:\\Temp\\dcap-me-1\\compile.log" /inc:"C:\\Program Files\\MT5\\MQL5"',
    );
  });

  it('under wine passes bare values, the program first, and refuses an unstaged path with a space', () => {
    const inv = buildInvocation('wine', '/home/u/.wine/drive_c/Program Files/MetaTrader 5/MetaEditor64.exe', { compile: 'Z:\\tmp\\a\\x.mq5', log: 'Z:\\tmp\\a\\compile.log' }, '/usr/bin/wine');
    expect(inv).toEqual({
      file: '/usr/bin/wine',
      args: ['/home/u/.wine/drive_c/Program Files/MetaTrader 5/MetaEditor64.exe', '/compile:Z:\\tmp\\a\\x.mq5', '/log:Z:\\tmp\\a\\compile.log'],
      windowsVerbatimArguments: false,
    });
    expect(() => buildArgs(paths, 'wine')).toThrow(/unstaged/);
  });

  it('directly (a native stand-in) passes the paths as they are, with /s last', () => {
    expect(buildArgs({ compile: '/a b/x.mq5', log: '/t/l.log', syntaxOnly: true }, 'direct')).toEqual(['/compile:/a b/x.mq5', '/log:/t/l.log', '/s']);
  });
});

describe('wine paths', () => {
  const dirs: string[] = [];
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), 'dcap-wine-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('uses winepath -w in one call when there is one, else Z: and backslashes', async () => {
    const d = tmp();
    const winepath = join(d, 'winepath');
    // Answers with another drive so the test can tell it was used; records its arguments.
    writeFileSync(winepath, `#!/bin/sh\necho "$@" > ${d}/args\nshift\nfor p in "$@"; do printf 'Y:%s\\n' "$p" | tr / '\\\\'; done\n`);
    chmodSync(winepath, 0o755);
    expect(await toWindowsPaths(['/a/x.mq5', '/t/l.log'], winepath, process.env)).toEqual(['Y:\\a\\x.mq5', 'Y:\\t\\l.log']);
    expect(readFileSync(join(d, 'args'), 'utf8').trim()).toBe('-w /a/x.mq5 /t/l.log');
    expect(await toWindowsPaths(['/a/x.mq5'], null, process.env)).toEqual(['Z:\\a\\x.mq5']);
    expect(zDrive('/home/u/My EAs/x.mq5')).toBe('Z:\\home\\u\\My EAs\\x.mq5');
  });

  it('maps log paths back: staged ones to their originals, drives through dosdevices, Z: to /', () => {
    const prefix = tmp();
    mkdirSync(join(prefix, 'drive_c'));
    mkdirSync(join(prefix, 'dosdevices'));
    const env = { WINEPREFIX: prefix };
    symlinkSync('../drive_c', join(prefix, 'dosdevices', 'c:')); // as wineboot creates it
    const staged: [string, string][] = [
      ['Z:\\tmp\\dcap-me-1\\src\\My_EA.mq5', '/home/u/My EAs/My EA.mq5'],
      ['Z:\\tmp\\dcap-me-1\\src', '/home/u/My EAs'],
    ];
    expect(fromWindowsPath('Z:\\tmp\\dcap-me-1\\src\\My_EA.mq5', staged, env)).toBe('/home/u/My EAs/My EA.mq5');
    expect(fromWindowsPath('z:\\TMP\\dcap-me-1\\src\\lib\\x.mqh', staged, env)).toBe('/home/u/My EAs/lib/x.mqh');
    expect(fromWindowsPath('C:\\Program Files\\MT5\\MQL5\\Include\\Trade.mqh', staged, env)).toBe(join(prefix, 'drive_c', 'Program Files', 'MT5', 'MQL5', 'Include', 'Trade.mqh'));
    expect(fromWindowsPath('Z:\\home\\u\\x.mq5', [], { WINEPREFIX: join(prefix, 'none') })).toBe('/home/u/x.mq5');
    expect(fromWindowsPath('D:\\x.mq5', [], { WINEPREFIX: join(prefix, 'none') })).toBe('D:\\x.mq5');
  });

  it('stages a source in a folder with spaces as links, under a space-free name', () => {
    const d = tmp();
    const src = join(d, 'My EAs (v2)');
    mkdirSync(join(src, 'lib'), { recursive: true });
    writeFileSync(join(src, 'My EA.mq5'), '');
    writeFileSync(join(src, 'My EA.ex5'), 'old');
    writeFileSync(join(src, 'helper.mqh'), '');
    const stage = join(d, 'stage');
    mkdirSync(stage);
    const s = stageSource(join(src, 'My EA.mq5'), stage);
    expect(s.source).toBe(join(stage, 'src', 'My_EA.mq5'));
    expect(s.ex5).toBe(join(stage, 'src', 'My_EA.ex5'));
    expect(readlinkSync(s.source)).toBe(join(src, 'My EA.mq5'));
    expect(readlinkSync(join(stage, 'src', 'helper.mqh'))).toBe(join(src, 'helper.mqh'));
    expect(lstatSync(join(stage, 'src', 'lib')).isSymbolicLink()).toBe(true);
    // The old .ex5 is not linked: MetaEditor's fresh one must land in the staging folder itself.
    expect(existsSync(join(stage, 'src', 'My EA.ex5'))).toBe(false);
  });
});
