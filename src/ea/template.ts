import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { sha256 } from './projects.js';

/** templates/mql5/ea/, beside both src/ and dist/. */
export const TEMPLATE_DIR = resolve(import.meta.dirname, '..', '..', 'templates', 'mql5', 'ea');
export const TEMPLATES = ['ma-cross', 'breakout', 'grid', 'blank'] as const;
export type TemplateName = (typeof TEMPLATES)[number];

/** MT5 truncates order comments at 31 characters. */
const COMMENT_MAX = 31;

export interface TemplateValues {
  name: string;
  symbol: string;
  timeframe: string;
}

/**
 * The magic number of an EA: derived from its name, so the same project always gets the same
 * one and two projects almost never share one (1 in ~2e9), without a registry to consult.
 */
export function magicFor(name: string): number {
  return (parseInt(sha256(`dcap-ea:${name}`).slice(0, 8), 16) % 2_000_000_000) + 1;
}

/**
 * `dcap:ea/<name>`: the dcap: prefix marks dcap's orders; the `/` ends the tag as the bridge
 * reads it ("dcap:ea"), which can never be a job's short id, so an EA's orders are never
 * mistaken for a job's (templates/mql5/Include/Dcap/Util.mqh CommentHasTag).
 */
export function commentFor(name: string): string {
  return `dcap:ea/${name}`.slice(0, COMMENT_MAX);
}

/** Replaces every {{MARKER}}; a marker left over is a bug in the template, never shipped silently. */
export function fillTemplate(text: string, v: TemplateValues): string {
  const values: Record<string, string> = {
    EA_NAME: v.name,
    SYMBOL: v.symbol,
    TIMEFRAME: v.timeframe,
    MAGIC: String(magicFor(v.name)),
    COMMENT: commentFor(v.name),
  };
  const out = text.replace(/\{\{([A-Z_]+)\}\}/g, (m, key: string) => values[key] ?? m);
  const left = /\{\{[^}]*\}\}/.exec(out);
  if (left) throw new Error(`template marker ${left[0]} has no value`);
  return out;
}

export function renderTemplate(template: string, v: TemplateValues): string {
  if (!(TEMPLATES as readonly string[]).includes(template)) {
    throw new UserError(`unknown template "${template}": choose one of ${TEMPLATES.join(', ')}`);
  }
  return fillTemplate(readFileSync(join(TEMPLATE_DIR, `${template}.mq5`), 'utf8'), v);
}

/** The templates on disk (tests check each one). */
export function templateFiles(): string[] {
  return readdirSync(TEMPLATE_DIR).filter((f) => f.endsWith('.mq5'));
}
