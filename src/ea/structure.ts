/**
 * Structural checks of an EA's source, without a compiler: what every usable Expert Advisor has.
 * Used on LLM output before it becomes a version, and by the tests on templates and generated
 * EAs. MetaEditor remains the judge of everything else.
 */
export function eaProblems(source: string): string[] {
  const problems: string[] = [];
  const code = stripCommentsAndStrings(source);
  if (!/\bint\s+OnInit\s*\(/.test(code)) problems.push('no OnInit() entry point (int OnInit())');
  if (!/\bvoid\s+OnTick\s*\(/.test(code)) problems.push('no OnTick() entry point (void OnTick())');
  if (!/^\s*#(property|include)\b/m.test(code)) problems.push('no #property or #include line: this does not look like an MQL5 source file');
  const unbalanced = balance(code);
  if (unbalanced) problems.push(unbalanced);
  const marker = /\{\{[A-Za-z_]+\}\}/.exec(source);
  if (marker) problems.push(`an unreplaced template marker ${marker[0]}`);
  return problems;
}

/** Comments and string/char literals blanked out (newlines kept), so braces in them do not count. */
export function stripCommentsAndStrings(src: string): string {
  return src.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'/g, (m) => m.replace(/[^\n]/g, ' '));
}

function balance(code: string): string | null {
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  const stack: { ch: string; line: number }[] = [];
  let line = 1;
  for (const ch of code) {
    if (ch === '\n') line++;
    else if (ch === '(' || ch === '[' || ch === '{') stack.push({ ch, line });
    else if (ch in pairs) {
      const open = stack.pop();
      if (!open || open.ch !== pairs[ch]) return `unbalanced "${ch}" on line ${line}`;
    }
  }
  const open = stack.pop();
  return open ? `unclosed "${open.ch}" from line ${open.line} (the code looks cut off)` : null;
}
