import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../errors.js';
import { loadFixtures } from './fixtures.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dcap-fixtures-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const line = (o: Record<string, unknown>) => JSON.stringify({ strategy: 's', contentType: 'application/json', body: '{}', at: '2025-03-03T08:00:00Z', ...o });

describe('loadFixtures', () => {
  it('reads the *.jsonl files of a directory sorted by name, then explicit files, in order', () => {
    mkdirSync(join(dir, 'd'));
    writeFileSync(join(dir, 'd', 'b.jsonl'), `${line({ body: 'b1' })}\n\n${line({ body: 'b2' })}\n`);
    writeFileSync(join(dir, 'd', 'a.jsonl'), line({ body: 'a1', contentType: null }));
    writeFileSync(join(dir, 'd', 'notes.txt'), 'not a fixture');
    writeFileSync(join(dir, 'x.jsonl'), line({ body: 'x1', note: 'a remark' }));
    const lines = loadFixtures(['d', 'x.jsonl'], dir);
    expect(lines.map((l) => l.body)).toEqual(['a1', 'b1', 'b2', 'x1']);
    expect(lines[0]).toEqual({ where: 'd/a.jsonl:1', strategy: 's', body: 'a1', at: Date.parse('2025-03-03T08:00:00Z') });
    expect(lines[2]!.where).toBe('d/b.jsonl:3');
    expect(lines[1]!.contentType).toBe('application/json');
  });

  it('reports every bad line with file:line before anything runs', () => {
    writeFileSync(
      join(dir, 'bad.jsonl'),
      [line({}), '{"strategy":', line({ body: 1 }), line({ at: 'yesterday' }), JSON.stringify({ body: '{}', at: '2025-03-03T08:00:00Z' }), line({ bdy: 'typo' })].join('\n'),
    );
    let err: unknown;
    try {
      loadFixtures(['bad.jsonl'], dir);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    const msg = (err as Error).message;
    expect(msg).toContain('5 bad fixture lines');
    expect(msg).toContain('bad.jsonl:2: not JSON');
    expect(msg).toMatch(/bad\.jsonl:3: body: /);
    expect(msg).toMatch(/bad\.jsonl:4: at: not an ISO date\/time/);
    expect(msg).toMatch(/bad\.jsonl:5: strategy: /);
    expect(msg).toMatch(/bad\.jsonl:6: .*bdy/);
    expect(msg).not.toContain('bad.jsonl:1');
  });

  it('names a missing path and an empty directory', () => {
    expect(() => loadFixtures(['nope.jsonl'], dir)).toThrow('no such fixture file or directory: nope.jsonl');
    mkdirSync(join(dir, 'empty'));
    expect(() => loadFixtures(['empty'], dir)).toThrow('no *.jsonl fixture files in empty');
  });
});
