import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from './cli.js';

function leaves(cmd: Command, path: string[] = []): { path: string; cmd: Command }[] {
  const subs = cmd.commands.filter((c) => c.name() !== 'help');
  if (subs.length === 0) return [{ path: path.join(' '), cmd }];
  return subs.flatMap((c) => leaves(c, [...path, c.name()]));
}

describe('the command tree', () => {
  const all = leaves(buildProgram());

  it('has the commands of DESIGN.md and the issues', () => {
    const names = all.map((l) => l.path);
    for (const expected of [
      'init', 'strategy add', 'strategy rotate-secret', 'strategy export', 'strategy import', 'signals list', 'signals export', 'replay',
      'webhook start', 'agent pair', 'agent start', 'positions', 'demo', 'paper start', 'relay start', 'up', 'token create', 'tui',
      'sync run', 'sync status', 'supabase init', 'ea compile', 'ea deploy',
    ]) {
      expect(names).toContain(expected);
    }
  });

  it('gives every command a description and --help examples', () => {
    const missing = all.filter((l) => !l.cmd.description() || !/Examples:\n\s+\$ .*dcap /.test(helpOf(l.cmd))).map((l) => l.path);
    expect(missing).toEqual([]);
  });
});

function helpOf(cmd: Command): string {
  let text = '';
  cmd.configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) });
  cmd.outputHelp();
  return text;
}
