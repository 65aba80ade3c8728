/**
 * Loads malformed.json (see README.md in this folder) into ready-to-send requests. Secrets are
 * filled in at send time from the strategies the test created: none is ever stored here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CorpusExpect {
  /** For raw cases, every acceptable status; null: the connection closes without an answer. */
  http: number | (number | null)[];
  status?: string;
  code?: string;
  field?: string;
  /** Signal rows the case adds. */
  rows: number;
}

export interface CorpusCase {
  name: string;
  method: string;
  /** With {secret}, {SECRET}, {secret8}, {disabled} still in it. */
  path: string;
  contentType: string;
  chunked: boolean;
  /** Body bytes (undefined for raw cases). */
  body?: Buffer;
  /** Raw HTTP chunks for malformed requests (with {secret} still in them). */
  raw?: string[];
  rawMode: 'end' | 'destroy' | 'keep';
  expect: CorpusExpect;
}

interface Generate {
  prefix?: string;
  suffix?: string;
  repeat?: string;
  repeatHex?: string;
  times?: number;
  middle?: string;
  closeRepeat?: string;
  /** Total size in bytes: `repeat` until it fits, padded with "x". */
  fill?: number;
}

interface RawCase {
  name: string;
  body?: string;
  json?: unknown;
  hex?: string;
  generate?: Generate;
  raw?: string[];
  rawMode?: 'end' | 'destroy' | 'keep';
  method?: string;
  path?: string;
  contentType?: string;
  chunked?: boolean;
  expect: Omit<CorpusExpect, 'rows'> & { rows?: number };
}

export const CORPUS_FILE = join(import.meta.dirname, 'malformed.json');

function generate(g: Generate): Buffer {
  const prefix = Buffer.from(g.prefix ?? '');
  const suffix = Buffer.from(g.suffix ?? '');
  if (g.repeatHex) return Buffer.concat([prefix, Buffer.from(g.repeatHex.repeat(g.times ?? 1), 'hex'), suffix]);
  const unit = Buffer.from(g.repeat ?? '');
  if (g.fill !== undefined) {
    const room = g.fill - prefix.length - suffix.length;
    const n = Math.floor(room / unit.length);
    const body = Buffer.concat([prefix, Buffer.alloc(n * unit.length).fill(unit), Buffer.alloc(room - n * unit.length, 'x'), suffix]);
    if (body.length !== g.fill) throw new Error(`generate: built ${body.length} bytes, wanted ${g.fill}`);
    return body;
  }
  const times = g.times ?? 1;
  const close = g.closeRepeat ? g.closeRepeat.repeat(times) : '';
  return Buffer.concat([prefix, Buffer.from(`${unit.toString().repeat(times)}${g.middle ?? ''}${close}`), suffix]);
}

function bodyOf(c: RawCase): Buffer | undefined {
  if (c.body !== undefined) return Buffer.from(c.body, 'utf8');
  if (c.json !== undefined) return Buffer.from(JSON.stringify(c.json), 'utf8');
  if (c.hex !== undefined) return Buffer.from(c.hex, 'hex');
  if (c.generate) return generate(c.generate);
  return c.raw ? undefined : Buffer.alloc(0);
}

export function loadCorpus(file = CORPUS_FILE): CorpusCase[] {
  const { cases } = JSON.parse(readFileSync(file, 'utf8')) as { cases: RawCase[] };
  const names = new Set<string>();
  return cases.map((c) => {
    if (names.has(c.name)) throw new Error(`corpus: duplicate case name "${c.name}"`);
    names.add(c.name);
    const path = c.path ?? '/webhooks/tv/{secret}';
    const http = c.expect.http;
    // A request reaches a strategy (and is recorded) when its secret is valid and it got past the
    // method, size and rate checks: 200/400/422 on a webhook path with a known secret.
    const reaches =
      typeof http === 'number' && [200, 400, 422].includes(http) && /^\/webhooks\/tv\/\{(secret|disabled)\}$/.test(path);
    return {
      name: c.name,
      method: c.method ?? 'POST',
      path,
      contentType: c.contentType ?? 'text/plain; charset=utf-8',
      chunked: c.chunked ?? false,
      body: bodyOf(c),
      ...(c.raw ? { raw: c.raw } : {}),
      rawMode: c.rawMode ?? 'end',
      expect: { ...c.expect, rows: c.expect.rows ?? (reaches ? 1 : 0) },
    };
  });
}

export interface Secrets {
  secret: string;
  disabled: string;
}

/** Fills the secret placeholders of a path or raw chunk. */
export function fill(template: string, s: Secrets): string {
  return template
    .replaceAll('{secret}', s.secret)
    .replaceAll('{SECRET}', s.secret.toUpperCase())
    .replaceAll('{secret8}', s.secret.slice(0, 8))
    .replaceAll('{disabled}', s.disabled);
}
