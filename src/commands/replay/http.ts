import { Agent, request } from 'undici';
import { randomBytes } from 'node:crypto';
import { UserError } from '../../errors.js';
import type { FixtureLine } from './fixtures.js';
import type { Reply } from './result.js';

/**
 * Replays alerts against a running webhook daemon, one at a time in file order (outcomes such
 * as duplicates and rate limits depend on order), over one keep-alive connection.
 */
export class HttpRunner {
  private readonly agent = new Agent({ connections: 1, keepAliveTimeout: 10_000, pipelining: 1 });
  private readonly base: string;
  /** Strategies without a known secret are sent to a secret that cannot exist: the daemon's 404. */
  private readonly unknownSecret = `unknown-${randomBytes(16).toString('hex')}`;

  constructor(
    target: string,
    private readonly secrets: Record<string, string>,
  ) {
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      throw new UserError(`--target: "${target}" is not a URL (example: http://127.0.0.1:8080)`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UserError(`--target: "${target}" must be an http:// or https:// URL`);
    this.base = url.href.replace(/\/+$/, '');
  }

  async send(lines: FixtureLine[]): Promise<Reply[]> {
    const replies: Reply[] = [];
    for (const line of lines) replies.push(await this.post(line));
    return replies;
  }

  private async post(line: FixtureLine): Promise<Reply> {
    const secret = Object.hasOwn(this.secrets, line.strategy) ? this.secrets[line.strategy]! : this.unknownSecret;
    const url = `${this.base}/webhooks/tv/${encodeURIComponent(secret)}`;
    let res;
    try {
      res = await request(url, {
        method: 'POST',
        body: line.body,
        headers: line.contentType !== undefined ? { 'content-type': line.contentType } : {},
        dispatcher: this.agent,
      });
    } catch (err) {
      // Not an outcome of the alert: the target is down or unreachable, so stop instead of guessing.
      throw new UserError(`cannot reach ${this.base} (at ${line.where}): ${(err as Error).message}`, undefined, { cause: err });
    }
    const text = await res.body.text();
    let body: Reply['body'];
    if (text.trim() !== '') {
      try {
        const parsed: unknown = JSON.parse(text);
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as Reply['body'];
      } catch {
        // A non-JSON body (a proxy's error page): the HTTP status alone describes the outcome.
      }
    }
    return body ? { httpStatus: res.statusCode, body } : { httpStatus: res.statusCode };
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
