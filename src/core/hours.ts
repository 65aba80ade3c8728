/**
 * Trading hours: "Mon-Fri 07:00-20:00 UTC", "Mon-Thu 07:00-20:00; Fri 07:00-18:00 Europe/London".
 * Pure: parse once (strategy add/set validates with parseHours), then ask isWithinHours per alert.
 * Syntax and examples: docs/alerts.md, "Trading hours".
 */

/** Where the wall clock of the hours is read. */
export type HoursZone =
  | { kind: 'offset'; minutes: number } // UTC is { offset, 0 }
  | { kind: 'iana'; name: string };

export interface HoursRange {
  /** Days the range starts on, 0 = Sunday ... 6 = Saturday. */
  days: number[];
  /** Minutes after local midnight, 0..1439. */
  start: number;
  /** Minutes after local midnight, 1..1440; end < start wraps past midnight into the next day. */
  end: number;
  zone: HoursZone;
}

/** Parsed trading hours; plain data (JSON-serialisable). */
export interface TradingHours {
  text: string;
  ranges: HoursRange[];
}

const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const FULL_DAY_NAMES = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const TIME_RANGE_RE = /^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$/;
const OFFSET_RE = /^(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?$/i;

/** Parses trading hours, or throws an Error whose message quotes the text and names what is wrong. */
export function parseHours(text: string): TradingHours {
  const fail = (what: string): never => {
    throw new Error(`"${text}": ${what}`);
  };
  const segments = text.split(';').map((s) => s.trim());
  if (segments.every((s) => s === '')) fail('empty trading hours (example: "Mon-Fri 07:00-20:00 UTC")');

  // A zone written only at the end applies to every segment before it that has none.
  const parsed = segments.map((seg, i) => {
    if (seg === '') fail(`empty segment ${i + 1} (stray ";")`);
    return parseSegment(seg, fail);
  });
  const lastZone = parsed[parsed.length - 1]!.zone;
  if (!lastZone) fail('missing time zone at the end (UTC, an offset like +02:00, or a name like Europe/London)');
  const ranges = parsed.map((p) => ({ days: p.days, start: p.start, end: p.end, zone: p.zone ?? lastZone! }));
  return { text, ranges };
}

interface Segment {
  days: number[];
  start: number;
  end: number;
  zone: HoursZone | undefined;
}

function parseSegment(raw: string, fail: (what: string) => never): Segment {
  // Tolerate "Mon, Wed" and "07:00 - 20:00" / "Mon - Fri": people type these.
  const seg = raw
    .replace(/\s*,\s*/g, ',')
    .replace(/(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})/, '$1-$2')
    .replace(/^([A-Za-z,]+)\s*-\s*([A-Za-z])/, '$1-$2');
  const tokens = seg.split(/\s+/);
  if (tokens.length < 2 || tokens.length > 3) {
    fail(`"${seg}" should be DAYS HH:MM-HH:MM [ZONE] (example: "Mon-Fri 07:00-20:00 UTC")`);
  }
  const days = parseDays(tokens[0]!, fail);
  const m = TIME_RANGE_RE.exec(tokens[1]!);
  if (!m) fail(`bad time range "${tokens[1]}" (expected HH:MM-HH:MM, e.g. 07:00-20:00)`);
  const start = minutes(m![1]!, m![2]!, tokens[1]!, false, fail);
  const end = minutes(m![3]!, m![4]!, tokens[1]!, true, fail);
  if (start === end) fail(`empty time range "${tokens[1]}" (start equals end; use 00:00-24:00 for all day)`);
  const zone = tokens[2] === undefined ? undefined : parseZone(tokens[2], fail);
  return { days, start, end, zone };
}

function minutes(h: string, m: string, range: string, isEnd: boolean, fail: (what: string) => never): number {
  const hh = Number(h);
  const mm = Number(m);
  const total = hh * 60 + mm;
  // 24:00 is only meaningful as an end ("until midnight").
  if (mm > 59 || hh > 24 || (hh === 24 && (mm !== 0 || !isEnd))) fail(`bad time "${h}:${m}" in "${range}"`);
  return total;
}

function dayIndex(name: string, fail: (what: string) => never): number {
  const lower = name.toLowerCase();
  let i = DAY_NAMES.indexOf(lower);
  if (i < 0) i = FULL_DAY_NAMES.indexOf(lower);
  if (i < 0) fail(`unknown day "${name}" (use Mon, Tue, Wed, Thu, Fri, Sat, Sun)`);
  return i;
}

function parseDays(token: string, fail: (what: string) => never): number[] {
  if (/^(daily|everyday)$/i.test(token)) return [0, 1, 2, 3, 4, 5, 6];
  const set = new Set<number>();
  for (const part of token.split(',')) {
    if (part === '') fail(`empty day in "${token}"`);
    const bounds = part.split('-');
    if (bounds.length > 2) fail(`bad day range "${part}"`);
    const from = dayIndex(bounds[0]!, fail);
    if (bounds.length === 1) {
      set.add(from);
      continue;
    }
    // Ranges may wrap the week: "Fri-Mon" is Fri, Sat, Sun, Mon.
    const to = dayIndex(bounds[1]!, fail);
    for (let d = from; ; d = (d + 1) % 7) {
      set.add(d);
      if (d === to) break;
    }
  }
  return [...set].sort((a, b) => a - b);
}

function parseZone(token: string, fail: (what: string) => never): HoursZone {
  if (/^(utc|gmt|z)$/i.test(token)) return { kind: 'offset', minutes: 0 };
  const m = OFFSET_RE.exec(token);
  if (m) {
    const h = Number(m[2]);
    const mm = Number(m[3] ?? '0');
    if (h > 14 || mm > 59) fail(`bad UTC offset "${token}"`);
    return { kind: 'offset', minutes: (m[1] === '-' ? -1 : 1) * (h * 60 + mm) };
  }
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(token) || !formatterFor(token)) {
    fail(`unknown time zone "${token}" (use UTC, an offset like +02:00, or a name like Europe/London)`);
  }
  return { kind: 'iana', name: token };
}

// Intl formatters are costly to build and the set of zones in use is tiny: cache them.
const formatters = new Map<string, Intl.DateTimeFormat | null>();

function formatterFor(zone: string): Intl.DateTimeFormat | null {
  let f = formatters.get(zone);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        weekday: 'short',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      });
    } catch {
      f = null;
    }
    formatters.set(zone, f);
  }
  return f;
}

/** Local weekday (0 = Sunday) and minute of the day of `ms` in `zone`. */
function localTime(zone: HoursZone, ms: number): { day: number; minute: number } {
  if (zone.kind === 'offset') {
    const d = new Date(ms + zone.minutes * 60_000);
    return { day: d.getUTCDay(), minute: d.getUTCHours() * 60 + d.getUTCMinutes() };
  }
  const parts = formatterFor(zone.name)!.formatToParts(ms);
  let day = 0;
  let hour = 0;
  let minute = 0;
  for (const p of parts) {
    if (p.type === 'weekday') day = DAY_NAMES.indexOf(p.value.toLowerCase());
    else if (p.type === 'hour') hour = Number(p.value);
    else if (p.type === 'minute') minute = Number(p.value);
  }
  return { day, minute: (hour % 24) * 60 + minute };
}

/** True when `ms` (epoch ms) falls inside any range of `hours`. Start inclusive, end exclusive. */
export function isWithinHours(hours: TradingHours, ms: number): boolean {
  for (const r of hours.ranges) {
    const { day, minute } = localTime(r.zone, ms);
    if (r.start < r.end) {
      if (r.days.includes(day) && minute >= r.start && minute < r.end) return true;
    } else {
      // Wraps past midnight: the evening part belongs to the day named, the morning part to the day before's range.
      if (r.days.includes(day) && minute >= r.start) return true;
      if (r.days.includes((day + 6) % 7) && minute < r.end) return true;
    }
  }
  return false;
}
