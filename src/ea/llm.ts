import { errors, request } from 'undici';
import { UserError } from '../errors.js';
import { eaProblems } from './structure.js';

export const DEFAULT_LLM_TIMEOUT_MS = 60_000;

export interface LlmOptions {
  /** OpenAI-compatible base URL, e.g. https://api.openai.com/v1 (POST <baseUrl>/chat/completions). */
  baseUrl: string;
  model: string;
  /** From DCAP_LLM_API_KEY; sent as a bearer token, never logged or shown. */
  apiKey?: string;
  timeoutMs?: number;
}

export const SYSTEM_PROMPT = `You write MetaTrader 5 Expert Advisors in MQL5 (not MQL4).
Reply with ONE complete, compilable .mq5 file in a single \`\`\`mql5 code block, and nothing else.
Requirements:
- #property copyright, #property version, #include <Trade\\Trade.mqh>, and use CTrade for orders.
- Entry points: int OnInit(), void OnDeinit(const int reason), void OnTick().
- Every tunable value is an input: timeframe (ENUM_TIMEFRAMES), indicator periods, InpRiskPercent,
  InpFixedLots, stop loss and take profit, InpSlippagePoints, long InpMagic, string InpComment.
- Indicator handles (iMA, iRSI, iATR, iBands ...) are created in OnInit, checked against
  INVALID_HANDLE, and released with IndicatorRelease in OnDeinit. Read values with CopyBuffer into
  arrays set with ArraySetAsSeries, and check how many values were copied.
- Decide once per new bar (compare iTime(_Symbol, InpTimeframe, 0) with the last seen bar) on
  closed bars (index 1 and 2), never on the forming bar.
- Risk-% sizing: lots = equity * InpRiskPercent / 100 / (stop distance / SYMBOL_TRADE_TICK_SIZE *
  SYMBOL_TRADE_TICK_VALUE), rounded down to SYMBOL_VOLUME_STEP, clamped to SYMBOL_VOLUME_MAX, no
  trade below SYMBOL_VOLUME_MIN. Every order has a stop loss, prices normalised to the tick size.
- Only touch positions and orders with this EA's symbol and magic number.
- Order comments use InpComment, which starts with "dcap:".
- Check every trade result (ResultRetcode) and Print failures; never loop on a failed order.`;

interface ChatResponse {
  choices?: { message?: { content?: unknown } }[];
}

/**
 * Asks the endpoint for an EA and returns its source, checked for the EA entry points. Every
 * failure (down, timeout, HTTP error, no usable code) is a UserError: the caller creates nothing.
 */
export async function generateWithLlm(prompt: string, opts: LlmOptions): Promise<{ source: string; model: string }> {
  const url = `${opts.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_LLM_TIMEOUT_MS;
  const body = JSON.stringify({
    model: opts.model,
    temperature: 0.2,
    messages: [
      { role: 'system', content: SYSTEM_PROMPT },
      { role: 'user', content: prompt },
    ],
  });
  let status: number;
  let text: string;
  try {
    const res = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {}) },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    status = res.statusCode;
    text = await res.body.text();
  } catch (err) {
    const e = err as Error & { code?: string };
    if (e.name === 'TimeoutError' || e.name === 'AbortError' || err instanceof errors.HeadersTimeoutError || err instanceof errors.BodyTimeoutError) {
      throw new UserError(`the LLM endpoint ${url} did not answer within ${timeoutMs / 1000} s (raise it with --timeout); no version was created`, undefined, { cause: err });
    }
    throw new UserError(`cannot reach the LLM endpoint ${url}: ${e.code ?? e.message}; no version was created`, undefined, { cause: err });
  }
  if (status < 200 || status >= 300) {
    const hint = status === 401 || status === 403 ? ' (check DCAP_LLM_API_KEY)' : status === 404 ? ' (check llm.baseUrl and llm.model)' : '';
    throw new UserError(`the LLM endpoint ${url} answered HTTP ${status}${hint}: ${errorDetail(text)}; no version was created`);
  }
  let content: unknown;
  try {
    content = (JSON.parse(text) as ChatResponse).choices?.[0]?.message?.content;
  } catch {
    throw new UserError(`the LLM endpoint ${url} did not answer with JSON (is llm.baseUrl an OpenAI-compatible API?); no version was created`);
  }
  if (typeof content !== 'string' || content.trim() === '') {
    throw new UserError(`the LLM endpoint ${url} answered without a message (choices[0].message.content); no version was created`);
  }
  const source = extractCode(content);
  if (source === null) throw new UserError('the LLM answer holds no MQL5 code (no code block with OnInit/OnTick); no version was created. Try a more specific prompt.');
  const problems = eaProblems(source);
  if (problems.length) {
    throw new UserError(`the code the LLM wrote is not a usable EA; no version was created:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  return { source: source.endsWith('\n') ? source : `${source}\n`, model: opts.model };
}

/**
 * The EA in an answer: the fenced block that defines OnTick (else the longest block), or the
 * whole answer when it is bare code. null when there is nothing code-like.
 */
export function extractCode(content: string): string | null {
  const blocks = [...content.matchAll(/```[ \t]*([A-Za-z0-9+#-]*)[^\n]*\n([\s\S]*?)```/g)].map((m) => m[2]!.replace(/\s+$/, ''));
  if (blocks.length) {
    const withTick = blocks.filter((b) => /\bOnTick\s*\(/.test(b));
    const pool = withTick.length ? withTick : blocks;
    return pool.reduce((a, b) => (b.length > a.length ? b : a));
  }
  return /\bOnInit\s*\(/.test(content) && /^\s*#(property|include)\b/m.test(content) ? content.trim() : null;
}

/** The provider's own error message when it sent one, shortened; never the request (it holds the key). */
function errorDetail(text: string): string {
  try {
    const j = JSON.parse(text) as { error?: { message?: string } | string; message?: string };
    const m = typeof j.error === 'string' ? j.error : (j.error?.message ?? j.message);
    if (m) return m.slice(0, 300);
  } catch {
    // not JSON: the body itself
  }
  return text.trim().slice(0, 300) || '(empty body)';
}
