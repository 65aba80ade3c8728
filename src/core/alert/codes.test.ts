import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BLOCK_REASONS } from '../risk.js';
import { INVALID_CODES, NOT_PARSEABLE_CODES } from './index.js';

// Codes and reasons are a public contract: each one must be documented for users.
const doc = readFileSync(new URL('../../../docs/alerts.md', import.meta.url), 'utf8');

describe('docs/alerts.md documents every code', () => {
  it.each([...NOT_PARSEABLE_CODES, ...INVALID_CODES, ...BLOCK_REASONS])('%s', (code) => {
    expect(doc).toContain(`| \`${code}\` |`);
  });
});
