/**
 * Strategy settings: the zod schema every stored, imported or command-line setting passes,
 * and the translation of `dcap strategy add|set` flags into settings. Pure: no I/O.
 */
import { z } from 'zod';
import { UserError } from '../errors.js';
import { parseDuration } from './duration.js';
import { parseHours } from './hours.js';
import { DEFAULT_RATE_LIMIT, type StrategySettings } from './types.js';

/** Strategy (and agent) names: safe in URLs, file names, shells and log lines. */
export const STRATEGY_NAME_RE = /^[a-z0-9][a-z0-9_-]{0,63}$/i;

/** Lots used when neither the alert nor `--lots` gives a size: the smallest usual broker step. */
export const DEFAULT_LOTS = 0.01;

/**
 * TradingView and broker symbols ("OANDA:EURUSD", "CME_MINI:ES1!", "EURUSD.m", "#AAPL", "BTCUSD.P").
 * ASCII only, so a lookalike Unicode character can never match a different symbol; no spaces,
 * commas or "=" (the --symbols and --map separators).
 */
export const SYMBOL_RE = /^[A-Za-z0-9#$][A-Za-z0-9._:!#$&+\-/^@*]{0,63}$/;
const SUFFIX_RE = /^[A-Za-z0-9._#\-+]{1,16}$/;

const symbol = z.string().regex(SYMBOL_RE, { error: (i) => `${JSON.stringify(i.input)} is not a symbol (letters, digits and ._:!#$&+-/^@*, up to 64)` });
const positive = z.number().finite().positive();

export const StrategySettingsSchema = z
  .strictObject({
    symbols: z.array(symbol).default([]),
    map: z.record(symbol, symbol).default({}),
    suffix: z.string().regex(SUFFIX_RE, { error: 'a suffix is 1-16 of letters, digits and ._#-+ (e.g. ".m")' }).optional(),
    lots: positive.default(DEFAULT_LOTS),
    maxLots: positive.optional(),
    riskPct: positive.max(100).optional(),
    lotsPerContract: positive.optional(),
    maxPositions: z.int().min(1).optional(),
    dailyLoss: positive.optional(),
    hours: z
      .string()
      .superRefine((text, ctx) => {
        try {
          parseHours(text);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: (err as Error).message });
        }
      })
      .optional(),
    maxAgeMs: z.int().min(1).optional(),
    agent: z.string().regex(STRATEGY_NAME_RE, { error: 'an agent name is letters, digits, _ and - (up to 64)' }).optional(),
    rateLimit: z.number().finite().min(0).max(100_000).default(DEFAULT_RATE_LIMIT),
  })
  .superRefine((s, ctx) => {
    if (s.maxLots !== undefined && s.lots > s.maxLots) {
      ctx.addIssue({ code: 'custom', path: ['lots'], message: `default lots ${s.lots} exceed max lots ${s.maxLots}` });
    }
  }) satisfies z.ZodType<StrategySettings, unknown>;

/** Settings with every default applied: what `dcap strategy add` with no options stores. */
export function defaultSettings(): StrategySettings {
  return StrategySettingsSchema.parse({});
}

/** The `dcap strategy add|set` flags, as commander hands them over (raw strings). */
export interface SettingsOptions {
  symbols?: string;
  map?: string[];
  suffix?: string;
  lots?: string;
  maxLots?: string;
  riskPct?: string;
  lotsPerContract?: string;
  maxPositions?: string;
  dailyLoss?: string;
  hours?: string;
  maxAge?: string;
  agent?: string;
  rateLimit?: string;
}

/** Settings key -> the flag that sets it, so problems name what the user typed. */
const FLAG: Record<keyof StrategySettings, string> = {
  symbols: '--symbols',
  map: '--map',
  suffix: '--suffix',
  lots: '--lots',
  maxLots: '--max-lots',
  riskPct: '--risk-pct',
  lotsPerContract: '--lots-per-contract',
  maxPositions: '--max-positions',
  dailyLoss: '--daily-loss',
  hours: '--hours',
  maxAgeMs: '--max-age',
  agent: '--agent',
  rateLimit: '--rate-limit',
};

const NUMERIC = ['lots', 'maxLots', 'riskPct', 'lotsPerContract', 'maxPositions', 'dailyLoss', 'rateLimit'] as const;
const TEXT = ['suffix', 'hours', 'agent'] as const;

/** True when `opts` changes at least one setting. */
export function hasSettingsOptions(opts: SettingsOptions): boolean {
  return (Object.keys(FLAG) as (keyof StrategySettings)[]).some((k) => opts[k === 'maxAgeMs' ? 'maxAge' : k] !== undefined);
}

/**
 * Applies command-line flags to `base` (default settings when absent); flags not given keep
 * their base value. An empty value ("") returns a setting to its default (absent for the
 * optional ones, [] / {} for --symbols / --map). `--map SRC=` removes one entry. Every problem
 * is reported at once in one UserError; nothing is half-applied.
 */
export function settingsFromOptions(opts: SettingsOptions, base?: StrategySettings): StrategySettings {
  const { settings, problems } = checkSettingsOptions(opts, base);
  if (!settings) throw new UserError(`invalid strategy settings (nothing was changed):\n${problems.map((p) => `  ${p}`).join('\n')}`);
  return settings;
}

/** settingsFromOptions without the throw: the settings, or every problem ("--flag: what is wrong"). */
export function checkSettingsOptions(opts: SettingsOptions, base?: StrategySettings): { settings?: StrategySettings; problems: string[] } {
  const defaults = defaultSettings();
  const draft = structuredClone(base ?? defaults) as unknown as Record<string, unknown>;
  const problems: string[] = [];
  // Keys whose value could not even be parsed: zod would only repeat the problem.
  const unparsed = new Set<string>();

  if (opts.symbols !== undefined) {
    draft.symbols = [...new Set(opts.symbols.split(',').map((s) => s.trim()).filter((s) => s !== ''))];
  }
  if (opts.map !== undefined) {
    const map = new Map(Object.entries(draft.map as Record<string, string>));
    const given = new Map<string, string>();
    for (const entry of opts.map) {
      if (entry.trim() === '') {
        map.clear();
        continue;
      }
      const eq = entry.indexOf('=');
      if (eq <= 0) {
        problems.push(`--map: "${entry}" is not SOURCE=BROKER (e.g. OANDA:EURUSD=EURUSD.m)`);
        continue;
      }
      const source = entry.slice(0, eq).trim();
      const broker = entry.slice(eq + 1).trim();
      if (given.has(source) && given.get(source) !== broker) {
        problems.push(`--map: "${source}" is mapped twice (to "${given.get(source)}" and "${broker}")`);
        continue;
      }
      given.set(source, broker);
      if (broker === '') map.delete(source);
      else map.set(source, broker);
    }
    // Object.fromEntries defines own properties, so no key can reach a prototype.
    draft.map = Object.fromEntries(map);
  }
  for (const key of NUMERIC) {
    const raw = opts[key];
    if (raw === undefined) continue;
    if (raw.trim() === '') {
      draft[key] = (defaults as unknown as Record<string, unknown>)[key];
      continue;
    }
    const n = Number(raw);
    if (!Number.isFinite(n)) {
      problems.push(`${FLAG[key]}: "${raw}" is not a number`);
      unparsed.add(key);
    } else draft[key] = n;
  }
  for (const key of TEXT) {
    const raw = opts[key];
    if (raw === undefined) continue;
    draft[key] = raw.trim() === '' ? undefined : raw.trim();
  }
  if (opts.maxAge !== undefined) {
    if (opts.maxAge.trim() === '') draft.maxAgeMs = undefined;
    else {
      try {
        draft.maxAgeMs = parseDuration(opts.maxAge);
      } catch (err) {
        problems.push(`--max-age: ${(err as Error).message}`);
        unparsed.add('maxAgeMs');
      }
    }
  }

  const parsed = StrategySettingsSchema.safeParse(draft);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = issue.path[0] as keyof StrategySettings | undefined;
      if (key && unparsed.has(key)) continue;
      problems.push(`${key ? FLAG[key] : 'settings'}: ${issueMessage(issue)}`);
    }
  }
  if (problems.length > 0 || !parsed.success) return { problems };
  return { settings: stripUndefined(parsed.data), problems };
}

/** A zod issue as one readable line (the value's own message for symbols and hours). */
export function issueMessage(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.expected === 'int' ? 'must be a whole number' : `expected ${issue.expected}`;
    case 'too_small':
      return issue.origin === 'array' || issue.origin === 'string'
        ? issue.message
        : `must be ${issue.inclusive ? 'at least' : 'greater than'} ${issue.minimum}`;
    case 'too_big':
      return issue.origin === 'array' || issue.origin === 'string'
        ? issue.message
        : `must be ${issue.inclusive ? 'at most' : 'less than'} ${issue.maximum}`;
    case 'invalid_key':
      return issue.issues.map((i) => i.message).join('; ');
    case 'invalid_value':
      return `must be ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}`;
    default:
      return issue.message;
  }
}

/** One strategy in an export file. */
export const ExportedStrategySchema = z.strictObject({
  name: z.string().regex(STRATEGY_NAME_RE, { error: 'a strategy name is letters, digits, _ and - (up to 64, starting with a letter or digit)' }),
  enabled: z.boolean().optional(),
  settings: StrategySettingsSchema,
});
export type ExportedStrategy = z.output<typeof ExportedStrategySchema>;

/** `dcap strategy export` output and `dcap strategy import` input. */
export const StrategiesFileSchema = z
  .strictObject({
    version: z.literal(1),
    strategies: z.array(ExportedStrategySchema),
  })
  .superRefine((file, ctx) => {
    const seen = new Map<string, number>();
    file.strategies.forEach((s, i) => {
      const first = seen.get(s.name);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['strategies', i, 'name'], message: `"${s.name}" already appears at strategies[${first}]` });
      else seen.set(s.name, i);
    });
  });

/**
 * Parses and validates a strategies file (export format). Throws one UserError listing every
 * problem with its path (`strategies[2].settings.lots: ...`). `source` names the file in messages.
 */
export function parseStrategiesFile(text: string, source: string): ExportedStrategy[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${source} is not valid JSON: ${(err as Error).message} (nothing was changed)`, undefined, { cause: err });
  }
  const parsed = StrategiesFileSchema.safeParse(json);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${formatPath(i.path)}: ${issueMessage(i)}`);
    throw new UserError(`${source} is not a valid strategies file (nothing was changed):\n${lines.join('\n')}`);
  }
  return parsed.data.strategies.map((s) => ({ ...s, settings: stripUndefined(s.settings) }));
}

function formatPath(path: PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out || '(root)';
}

/** Drops absent optional keys, so stored JSON and exports hold only what is set. */
function stripUndefined(s: StrategySettings): StrategySettings {
  return Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined)) as unknown as StrategySettings;
}
