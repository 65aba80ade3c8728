/**
 * The plain-text table of every human listing (strategies, signals, replay results, agents,
 * positions, EA versions...): left-aligned columns sized to their content, two spaces apart.
 * No colour: output is often piped or captured by CI logs. Missing values (null, undefined, '')
 * show as "-"; control characters are shown escaped, so a recorded alert can never move the
 * cursor or clear the user's screen.
 */
export function table(headers: string[], rows: readonly (readonly unknown[])[]): string {
  const cells = rows.map((r) => r.map(cell));
  // A loop, not Math.max(...column): spreading a 500,000-row column would overflow the stack.
  const widths = headers.map((h) => h.length);
  for (const r of cells) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...cells.map(line)].join('\n');
}

function cell(v: unknown): string {
  if (v === null || v === undefined || v === '') return '-';
  // eslint-disable-next-line no-control-regex
  return String(v).replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
