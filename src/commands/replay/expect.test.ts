import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { diffResults, readExpect, writeExpect } from './expect.js';
import { toResult, type ReplayResult } from './result.js';

const dir = mkdtempSync(join(tmpdir(), 'dcap-expect-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const r = (index: number, status: string, httpStatus = 200, reason: string | null = null): ReplayResult => ({ index, strategy: 's', status, httpStatus, reason });

describe('toResult', () => {
  it('takes status from the body, names body-less replies, and keeps only block reasons and error codes', () => {
    expect(toResult(0, 's', { httpStatus: 200, body: { status: 'accepted' } })).toEqual(r(0, 'accepted'));
    expect(toResult(1, 's', { httpStatus: 200, body: { status: 'blocked', reason: 'outside_hours' } })).toEqual(r(1, 'blocked', 200, 'outside_hours'));
    expect(toResult(2, 's', { httpStatus: 422, body: { status: 'rejected', error: { code: 'placeholder' } } })).toEqual(r(2, 'rejected', 422, 'placeholder'));
    expect(toResult(3, 's', { httpStatus: 200, body: { status: 'duplicate', reason: 'same_id' } })).toEqual(r(3, 'duplicate'));
    expect(toResult(4, 's', { httpStatus: 200, body: { status: 'discarded', reason: 'strategy_disabled' } })).toEqual(r(4, 'discarded'));
    expect(toResult(5, 's', { httpStatus: 404 }).status).toBe('not_found');
    expect(toResult(6, 's', { httpStatus: 413 }).status).toBe('too_large');
    expect(toResult(7, 's', { httpStatus: 429 }).status).toBe('rate_limited');
    expect(toResult(8, 's', { httpStatus: 503 }).status).toBe('unavailable');
    expect(toResult(9, 's', { httpStatus: 502 }).status).toBe('http_502');
  });
});

describe('expectations', () => {
  it('round-trips through the file, one result a line, and matches itself', () => {
    const results = [r(0, 'accepted'), r(1, 'blocked', 200, 'symbol_not_allowed'), r(2, 'rate_limited', 429)];
    const file = join(dir, 'expect.json');
    writeExpect(file, results);
    const text = readFileSync(file, 'utf8');
    expect(text.split('\n').filter((l) => l.includes('"index"'))).toHaveLength(3);
    expect(JSON.parse(text).summary).toEqual({ total: 3, byStatus: { accepted: 1, blocked: 1, rate_limited: 1 } });
    expect(readExpect(file)).toEqual(results);
    expect(diffResults(readExpect(file), results)).toEqual([]);
  });

  it('lists each differing index (expected vs got), missing and extra lines', () => {
    const expected = [r(0, 'accepted'), r(1, 'blocked', 200, 'outside_hours'), r(2, 'accepted'), r(3, 'duplicate')];
    const got = [r(0, 'accepted'), r(1, 'accepted'), r(2, 'accepted')];
    const diff = diffResults(expected, got, (i) => `a.jsonl:${i + 1}`);
    expect(diff).toEqual([
      '#1 (a.jsonl:2) differs in status, reason\n    expected s: blocked http=200 reason=outside_hours\n    got      s: accepted http=200 reason=-',
      '#3: missing line, expected s: duplicate http=200 reason=-',
    ]);
    expect(diffResults(got, expected)).toEqual([
      '#1 differs in status, reason\n    expected s: accepted http=200 reason=-\n    got      s: blocked http=200 reason=outside_hours',
      '#3: extra line, got s: duplicate http=200 reason=-',
    ]);
  });

  it('names a missing or malformed expectation file', () => {
    expect(() => readExpect(join(dir, 'none.json'))).toThrow(/create it with --update-expect/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"results":[{"index":0}]}');
    expect(() => readExpect(bad)).toThrow(/not in the replay --json format/);
  });
});
