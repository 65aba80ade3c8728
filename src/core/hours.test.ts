import { describe, expect, it } from 'vitest';
import { isWithinHours, parseHours } from './hours.js';

const at = (iso: string): number => Date.parse(iso);
// 2024-05-06 is a Monday; 2024-05-10 a Friday; 2024-05-11 Saturday; 2024-05-12 Sunday.

describe('parseHours', () => {
  it('parses a day range, a time range and UTC', () => {
    const h = parseHours('Mon-Fri 07:00-20:00 UTC');
    expect(h.ranges).toEqual([{ days: [1, 2, 3, 4, 5], start: 420, end: 1200, zone: { kind: 'offset', minutes: 0 } }]);
    expect(h.text).toBe('Mon-Fri 07:00-20:00 UTC');
  });

  it.each([
    ['Mon,Wed,Fri 07:00-20:00 UTC', [1, 3, 5]],
    ['Mon, Wed, Fri 07:00-20:00 UTC', [1, 3, 5]],
    ['Fri-Mon 07:00-20:00 UTC', [0, 1, 5, 6]],
    ['Mon-Tue,Thu 07:00-20:00 UTC', [1, 2, 4]],
    ['monday-FRIDAY 07:00-20:00 UTC', [1, 2, 3, 4, 5]],
    ['Daily 07:00-20:00 UTC', [0, 1, 2, 3, 4, 5, 6]],
    ['Mon - Fri 07:00 - 20:00 UTC', [1, 2, 3, 4, 5]],
    ['Sun-Sat 07:00-20:00 UTC', [0, 1, 2, 3, 4, 5, 6]],
  ])('days of %s', (text, days) => {
    expect(parseHours(text).ranges[0]!.days).toEqual(days);
  });

  it.each([
    ['Mon-Fri 07:00-20:00 UTC', { kind: 'offset', minutes: 0 }],
    ['Mon-Fri 07:00-20:00 GMT', { kind: 'offset', minutes: 0 }],
    ['Mon-Fri 07:00-20:00 +02:00', { kind: 'offset', minutes: 120 }],
    ['Mon-Fri 07:00-20:00 -05:30', { kind: 'offset', minutes: -330 }],
    ['Mon-Fri 07:00-20:00 UTC+3', { kind: 'offset', minutes: 180 }],
    ['Mon-Fri 07:00-20:00 +0545', { kind: 'offset', minutes: 345 }],
    ['Mon-Fri 07:00-20:00 Europe/London', { kind: 'iana', name: 'Europe/London' }],
    ['Mon-Fri 07:00-20:00 America/New_York', { kind: 'iana', name: 'America/New_York' }],
  ])('zone of %s', (text, zone) => {
    expect(parseHours(text).ranges[0]!.zone).toEqual(zone);
  });

  it('applies the final zone to every segment without one', () => {
    const h = parseHours('Mon-Thu 07:00-20:00; Fri 07:00-18:00 Europe/London');
    expect(h.ranges.map((r) => r.zone)).toEqual([
      { kind: 'iana', name: 'Europe/London' },
      { kind: 'iana', name: 'Europe/London' },
    ]);
    expect(h.ranges[1]).toMatchObject({ days: [5], start: 420, end: 1080 });
  });

  it('keeps a zone given per segment', () => {
    const h = parseHours('Mon 07:00-08:00 +01:00; Tue 07:00-08:00 UTC');
    expect(h.ranges[0]!.zone).toEqual({ kind: 'offset', minutes: 60 });
    expect(h.ranges[1]!.zone).toEqual({ kind: 'offset', minutes: 0 });
  });

  it('accepts 24:00 as an end', () => {
    expect(parseHours('Mon 00:00-24:00 UTC').ranges[0]).toMatchObject({ start: 0, end: 1440 });
  });

  it.each([
    ['Mon-Fry 07:00-20:00 UTC', '"Mon-Fry 07:00-20:00 UTC": unknown day "Fry"'],
    ['Mun 07:00-20:00 UTC', 'unknown day "Mun"'],
    ['Mon-Fri 07:00-20:00', 'missing time zone'],
    ['Mon-Fri 07:00-20:00 Mars/Olympus', 'unknown time zone "Mars/Olympus"'],
    ['Mon-Fri 07:00-20:00 +15:00', 'bad UTC offset "+15:00"'],
    ['Mon-Fri 7-20 UTC', 'bad time range "7-20"'],
    ['Mon-Fri 07:00-25:00 UTC', 'bad time "25:00"'],
    ['Mon-Fri 07:60-20:00 UTC', 'bad time "07:60"'],
    ['Mon-Fri 24:00-20:00 UTC', 'bad time "24:00"'],
    ['Mon-Fri 24:30-20:00 UTC', 'bad time "24:30"'],
    ['Mon-Fri 07:00-07:00 UTC', 'empty time range'],
    ['', 'empty trading hours'],
    ['   ', 'empty trading hours'],
    ['Mon-Fri 07:00-20:00 UTC;', 'empty segment 2'],
    ['Mon-Fri', 'should be DAYS HH:MM-HH:MM'],
    ['Mon-Fri 07:00-20:00 UTC extra', 'should be DAYS HH:MM-HH:MM'],
    ['Mon-Wed-Fri 07:00-20:00 UTC', 'bad day range "Mon-Wed-Fri"'],
    ['Mon,,Fri 07:00-20:00 UTC', 'empty day'],
    ['Mon-Fri 07:00-20:00 "><script>', 'unknown time zone'],
  ])('rejects %j', (text, message) => {
    expect(() => parseHours(text)).toThrow(message);
  });
});

describe('isWithinHours', () => {
  const weekdays = parseHours('Mon-Fri 07:00-20:00 UTC');

  it.each([
    ['2024-05-06T07:00:00Z', true], // Monday, start is inclusive
    ['2024-05-06T06:59:59Z', false],
    ['2024-05-06T19:59:59Z', true],
    ['2024-05-06T20:00:00Z', false], // end is exclusive
    ['2024-05-10T12:00:00Z', true], // Friday
    ['2024-05-11T12:00:00Z', false], // Saturday
    ['2024-05-12T12:00:00Z', false], // Sunday
  ])('Mon-Fri 07:00-20:00 UTC at %s -> %s', (iso, expected) => {
    expect(isWithinHours(weekdays, at(iso))).toBe(expected);
  });

  it('wraps past midnight with the day named being the day the range starts', () => {
    const fx = parseHours('Sun-Fri 22:00-21:00 UTC');
    expect(isWithinHours(fx, at('2024-05-12T22:30:00Z'))).toBe(true); // Sun evening
    expect(isWithinHours(fx, at('2024-05-12T21:30:00Z'))).toBe(false); // Sun before open (Sat range not listed)
    expect(isWithinHours(fx, at('2024-05-13T03:00:00Z'))).toBe(true); // Mon morning, from Sun's range
    expect(isWithinHours(fx, at('2024-05-13T21:30:00Z'))).toBe(false); // daily break
    expect(isWithinHours(fx, at('2024-05-10T23:00:00Z'))).toBe(true); // Fri evening (Fri range starts)
    expect(isWithinHours(fx, at('2024-05-11T20:59:00Z'))).toBe(true); // Sat, tail of Fri's range
    expect(isWithinHours(fx, at('2024-05-11T21:00:00Z'))).toBe(false); // Sat after close
  });

  it('a Friday-only overnight range covers Saturday morning but not Friday morning', () => {
    const h = parseHours('Fri 22:00-02:00 UTC');
    expect(isWithinHours(h, at('2024-05-11T01:00:00Z'))).toBe(true);
    expect(isWithinHours(h, at('2024-05-10T01:00:00Z'))).toBe(false);
  });

  it('several segments', () => {
    const h = parseHours('Mon-Thu 07:00-20:00; Fri 07:00-18:00 UTC');
    expect(isWithinHours(h, at('2024-05-09T19:00:00Z'))).toBe(true); // Thu
    expect(isWithinHours(h, at('2024-05-10T19:00:00Z'))).toBe(false); // Fri after 18:00
    expect(isWithinHours(h, at('2024-05-10T17:59:00Z'))).toBe(true);
  });

  it('fixed offsets shift the wall clock, including across the day boundary', () => {
    const h = parseHours('Mon 00:00-01:00 +02:00');
    // Monday 00:30 at +02:00 is Sunday 22:30 UTC.
    expect(isWithinHours(h, at('2024-05-12T22:30:00Z'))).toBe(true);
    expect(isWithinHours(h, at('2024-05-13T00:30:00Z'))).toBe(false);
    const west = parseHours('Fri 20:00-23:00 -05:00');
    // Friday 22:00 at -05:00 is Saturday 03:00 UTC.
    expect(isWithinHours(west, at('2024-05-11T03:00:00Z'))).toBe(true);
  });

  it('IANA zones follow daylight saving time', () => {
    const h = parseHours('Mon-Fri 08:00-17:00 Europe/London');
    // Winter: London = UTC. 2024-01-15 is a Monday.
    expect(isWithinHours(h, at('2024-01-15T08:30:00Z'))).toBe(true);
    expect(isWithinHours(h, at('2024-01-15T07:30:00Z'))).toBe(false);
    // Summer: London = UTC+1, so 07:30 UTC is 08:30 local.
    expect(isWithinHours(h, at('2024-05-06T07:30:00Z'))).toBe(true);
    expect(isWithinHours(h, at('2024-05-06T16:30:00Z'))).toBe(false); // 17:30 local
  });

  it('New York session across the US DST switch', () => {
    const h = parseHours('Mon-Fri 09:30-16:00 America/New_York');
    // 2024-03-08 (Fri, EST = UTC-5) vs 2024-03-11 (Mon, EDT = UTC-4).
    expect(isWithinHours(h, at('2024-03-08T14:30:00Z'))).toBe(true);
    expect(isWithinHours(h, at('2024-03-08T14:00:00Z'))).toBe(false);
    expect(isWithinHours(h, at('2024-03-11T13:30:00Z'))).toBe(true);
    expect(isWithinHours(h, at('2024-03-11T20:30:00Z'))).toBe(false);
  });

  it('00:00-24:00 covers the whole day', () => {
    const h = parseHours('Sat 00:00-24:00 UTC');
    expect(isWithinHours(h, at('2024-05-11T00:00:00Z'))).toBe(true);
    expect(isWithinHours(h, at('2024-05-11T23:59:59Z'))).toBe(true);
    expect(isWithinHours(h, at('2024-05-12T00:00:00Z'))).toBe(false);
  });

  it('survives a JSON round trip (settings are stored as JSON)', () => {
    const h = JSON.parse(JSON.stringify(parseHours('Mon-Fri 07:00-20:00 Europe/Berlin')));
    expect(isWithinHours(h, at('2024-05-06T06:30:00Z'))).toBe(true); // 08:30 Berlin (CEST)
  });
});
