/**
 * TradingView placeholders ({{ticker}}, {{strategy.order.contracts}}) that reached us unreplaced:
 * the alert was created on a chart or script that does not provide them, or with a typo. Sending
 * such an alert to a broker would be a guess, so it is rejected with the placeholder named.
 */

const PLACEHOLDER_RE = /\{\{[^{}\r\n]{0,80}\}\}/;

/** The first `{{...}}` in `text`, if any. */
export function findPlaceholder(text: string): string | undefined {
  return PLACEHOLDER_RE.exec(text)?.[0];
}

export interface UnquotedPlaceholder {
  placeholder: string;
  /** The JSON key whose value it is, when it can be told. */
  field: string | undefined;
}

/**
 * For a body that is not valid JSON: when replacing every unquoted placeholder by `null` makes it
 * valid JSON, the placeholder is the only thing wrong, and the caller reports it (422) instead of
 * "invalid JSON" (400). Quoted placeholders are left for the field checks.
 */
export function unquotedPlaceholder(body: string): UnquotedPlaceholder | undefined {
  let first: UnquotedPlaceholder | undefined;
  let inString = false;
  let out = '';
  let last = 0;
  // Walk the text once, tracking whether we are inside a JSON string, so that "{{x}}" inside
  // quotes is not replaced.
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
      continue;
    }
    if (c === 0x22) {
      inString = true;
      continue;
    }
    if (c === 0x7b /* { */ && body.charCodeAt(i + 1) === 0x7b) {
      const end = body.indexOf('}}', i + 2);
      if (end < 0 || end - i > 84) continue;
      const placeholder = body.slice(i, end + 2);
      if (!/^\{\{[^{}\r\n]*\}\}$/.test(placeholder)) continue;
      if (!first) first = { placeholder, field: keyBefore(body, i) };
      out += body.slice(last, i) + 'null';
      last = end + 2;
      i = end + 1;
    }
  }
  if (!first) return undefined;
  out += body.slice(last);
  try {
    JSON.parse(out);
  } catch {
    return undefined;
  }
  return first;
}

/** The JSON key immediately before position `at` (`"qty":` then spaces), if there is one. */
function keyBefore(body: string, at: number): string | undefined {
  const m = /"((?:[^"\\]|\\.){0,64})"\s*:\s*$/.exec(body.slice(Math.max(0, at - 200), at));
  if (!m) return undefined;
  try {
    return JSON.parse(`"${m[1]}"`) as string;
  } catch {
    return undefined;
  }
}
