import { describe, expect, it } from 'vitest';
import { table } from './table.js';

describe('table', () => {
  it('aligns columns to their widest cell and shows missing values as -', () => {
    expect(table(['a', 'long header'], [['xyz', null], [1, ''], ['', 'v']])).toBe(['a    long header', 'xyz  -', '1    -', '-    v'].join('\n'));
  });

  it('escapes control characters so a recorded body cannot drive the terminal', () => {
    expect(table(['body'], [['\u001b[2Jboom\n']])).toContain('\\x1b[2Jboom\\x0a');
  });

  it('handles columns far longer than the argument limit of a spread', () => {
    const rows = Array.from({ length: 300_000 }, (_, i) => [i]);
    expect(table(['n'], rows).split('\n')).toHaveLength(300_001);
  });
});
