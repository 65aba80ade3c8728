import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Ctx } from '../../context.js';
import { UserError } from '../../errors.js';
import { iterateSignals, type SignalRecord } from '../../store/signals-query.js';
import { iso, toFilter } from './common.js';

/** A fixture line (the format `dcap replay` reads): the raw body, byte for byte. */
export function fixtureLine(s: SignalRecord): string {
  return JSON.stringify({ strategy: s.strategy, contentType: s.contentType, body: s.rawBody, at: iso(s.receivedAt) });
}

export async function exportSignals(ctx: Ctx, opts: { strategy?: string; since?: string; out?: string }): Promise<void> {
  const db = ctx.db();
  const filter = toFilter(db, { ...(opts.strategy !== undefined ? { strategy: opts.strategy } : {}), ...(opts.since !== undefined ? { since: opts.since } : {}) });
  if (!opts.out) {
    let count = 0;
    for (const s of iterateSignals(db, filter)) {
      count++;
      if (!process.stdout.write(`${fixtureLine(s)}\n`)) await new Promise((r) => process.stdout.once('drain', r));
    }
    if (count === 0) ctx.err('no signals match');
    return;
  }
  const file = resolve(ctx.cwd, opts.out);
  // Written beside the target and renamed into place: an interrupted export leaves no half file.
  const tmp = `${file}.${process.pid}.tmp`;
  let count = 0;
  let fd: number;
  try {
    fd = openSync(tmp, 'w');
  } catch (err) {
    throw new UserError(`cannot write ${opts.out}: ${(err as Error).message}`, undefined, { cause: err });
  }
  try {
    let buf = '';
    for (const s of iterateSignals(db, filter)) {
      buf += `${fixtureLine(s)}\n`;
      count++;
      if (buf.length > 1 << 20) {
        writeSync(fd, buf);
        buf = '';
      }
    }
    writeSync(fd, buf);
    closeSync(fd);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  ctx.result({ file, count }, () => `exported ${count} signal${count === 1 ? '' : 's'} to ${opts.out}`);
}
