import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { extractCode, generateWithLlm, SYSTEM_PROMPT } from './llm.js';

const EA = '#property version "1.00"\n#include <Trade\\Trade.mqh>\nint OnInit() { return INIT_SUCCEEDED; }\nvoid OnDeinit(const int reason) {}\nvoid OnTick() { if(true) { Print("}"); } }';

/** A local OpenAI-compatible endpoint; `reply` decides each answer and sees the request. */
let server: Server | undefined;
const sockets = new Set<import('node:net').Socket>();
async function endpoint(reply: (req: IncomingMessage, body: string, res: ServerResponse) => void): Promise<string> {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => reply(req, body, res));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
}
afterEach(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
});

const chat = (content: string) => JSON.stringify({ choices: [{ message: { role: 'assistant', content } }] });

describe('generateWithLlm', () => {
  it('sends an OpenAI chat completion with the MQL5 system prompt and the key; returns the checked code block', async () => {
    let seen: { url?: string; auth?: string; body?: Record<string, unknown> } = {};
    const baseUrl = await endpoint((req, body, res) => {
      seen = { url: req.url, auth: req.headers.authorization, body: JSON.parse(body) as Record<string, unknown> };
      res.writeHead(200, { 'content-type': 'application/json' }).end(chat(`Here it is:\n\`\`\`mql5\n${EA}\n\`\`\`\nEnjoy.`));
    });
    const r = await generateWithLlm('an EMA cross', { baseUrl: `${baseUrl}/`, model: 'm-1', apiKey: 'sk-test' });
    expect(r.source).toBe(`${EA}\n`);
    expect(seen.url).toBe('/v1/chat/completions');
    expect(seen.auth).toBe('Bearer sk-test');
    expect(seen.body).toMatchObject({ model: 'm-1', messages: [{ role: 'system', content: SYSTEM_PROMPT }, { role: 'user', content: 'an EMA cross' }] });
  });

  it('garbage: prose without code, a truncated EA, or non-JSON are clear errors', async () => {
    const answers = [chat('I cannot help with trading.'), chat('```mql5\n#property x\nint OnInit() { return 0; }\nvoid OnTick() { if(a) {\n```'), 'not json at all'];
    const baseUrl = await endpoint((_req, _body, res) => res.writeHead(200).end(answers.shift()));
    await expect(generateWithLlm('x', { baseUrl, model: 'm' })).rejects.toThrow(/holds no MQL5 code.*no version was created/);
    await expect(generateWithLlm('x', { baseUrl, model: 'm' })).rejects.toThrow(/not a usable EA; no version was created:\n  - unclosed "\{" from line 3/);
    await expect(generateWithLlm('x', { baseUrl, model: 'm' })).rejects.toThrow(/did not answer with JSON/);
  });

  it('timeout: an endpoint that never answers', async () => {
    const baseUrl = await endpoint(() => undefined);
    await expect(generateWithLlm('x', { baseUrl, model: 'm', timeoutMs: 300 })).rejects.toThrow(/did not answer within 0.3 s \(raise it with --timeout\); no version was created/);
  });

  it('HTTP 500 shows the provider message, never the key', async () => {
    const baseUrl = await endpoint((_req, _body, res) => res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'model overloaded' } })));
    const err = await generateWithLlm('x', { baseUrl, model: 'm', apiKey: 'sk-secret-123' }).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/answered HTTP 500: model overloaded; no version was created/);
    expect((err as Error).message).not.toContain('sk-secret-123');
  });

  it('endpoint down', async () => {
    const baseUrl = await endpoint(() => undefined);
    await new Promise((r) => server!.close(r));
    server = undefined;
    await expect(generateWithLlm('x', { baseUrl, model: 'm' })).rejects.toThrow(/cannot reach the LLM endpoint .*ECONNREFUSED; no version was created/);
  });
});

describe('extractCode', () => {
  it('prefers the block with OnTick, accepts bare code, rejects prose', () => {
    expect(extractCode('```\nint a;\n```\n```cpp\nvoid OnTick() {}\n```')).toBe('void OnTick() {}');
    expect(extractCode(`${EA}\n`)).toBe(EA);
    expect(extractCode('use OnInit() to start')).toBeNull();
  });
});
