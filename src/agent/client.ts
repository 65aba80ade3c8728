/**
 * The agent's HTTP client of the agent API (docs/agent-api.md). It only ever connects out.
 * Every request has a deadline; the long-poll is abortable so shutdown never waits 25 s.
 */
import { Agent, request } from 'undici';

/** What the server hands out (jobView in src/daemons/webhook/agent-api.ts). */
export interface ServerJob {
  id: string;
  type: string;
  payload: Record<string, unknown>;
  signalId: string | null;
  attempt: number;
  createdAt: number;
  leaseUntil: number | null;
  expiresAt?: number | null;
}

/** The server answered with a status other than the one expected. `permanent`: resending cannot help. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
  /** 4xx other than 401 (a key problem the operator can fix), 408 and 429. */
  get permanent(): boolean {
    return this.status >= 400 && this.status < 500 && ![401, 408, 429].includes(this.status);
  }
}

/** The server could not be reached, or did not answer in time. */
export class Unreachable extends Error {
  override name = 'Unreachable';
}

export interface ClientOptions {
  server: string;
  agentId: string;
  key: string;
  /** Deadline of every request but the long-poll (which gets its wait + this). */
  timeoutMs?: number;
}

export class AgentClient {
  private readonly dispatcher: Agent;
  private readonly base: string;
  private readonly timeoutMs: number;

  constructor(private readonly o: ClientOptions) {
    this.base = o.server.replace(/\/+$/, '');
    this.timeoutMs = o.timeoutMs ?? 10_000;
    this.dispatcher = new Agent({ keepAliveTimeout: 30_000, connect: { timeout: 5_000 } });
  }

  /** Long-poll for the next job: null when none came within `waitS` seconds. */
  async nextJob(waitS: number, signal?: AbortSignal): Promise<ServerJob | null> {
    const { status, body } = await this.call('GET', `jobs/next?wait=${waitS}`, undefined, waitS * 1000 + this.timeoutMs, signal);
    if (status === 204) return null;
    return (body as { job: ServerJob }).job;
  }

  async postResult(jobId: string, result: unknown): Promise<{ outcome: string; status: string }> {
    return (await this.call('POST', `jobs/${encodeURIComponent(jobId)}/result`, result)).body as { outcome: string; status: string };
  }

  async heartbeat(hb: unknown): Promise<void> {
    await this.call('POST', 'heartbeat', hb);
  }

  async state(state: unknown): Promise<void> {
    await this.call('POST', 'state', state);
  }

  async events(body: unknown): Promise<{ recorded: number; duplicates: number }> {
    return (await this.call('POST', 'events', body)).body as { recorded: number; duplicates: number };
  }

  async close(): Promise<void> {
    await this.dispatcher.destroy();
  }

  private async call(method: 'GET' | 'POST', path: string, payload?: unknown, timeoutMs = this.timeoutMs, signal?: AbortSignal) {
    const url = `${this.base}/agents/${encodeURIComponent(this.o.agentId)}/${path}`;
    const deadline = AbortSignal.timeout(timeoutMs);
    const abort = signal ? AbortSignal.any([signal, deadline]) : deadline;
    let res;
    try {
      res = await request(url, {
        method,
        dispatcher: this.dispatcher,
        signal: abort,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        headers: { 'x-agent-key': this.o.key, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
        body: payload === undefined ? undefined : JSON.stringify(payload),
      });
    } catch (err) {
      if (signal?.aborted) throw err;
      throw new Unreachable(`${method} ${this.base}/agents/.../${path.split('?')[0]}: ${(err as Error).message}`, { cause: err });
    }
    let text: string;
    try {
      text = await res.body.text();
    } catch (err) {
      if (signal?.aborted) throw err;
      throw new Unreachable(`reading the answer to ${method} ${path}: ${(err as Error).message}`, { cause: err });
    }
    if (res.statusCode >= 300 || (res.statusCode !== 200 && res.statusCode !== 204)) {
      let msg = text;
      try {
        msg = (JSON.parse(text) as { error?: string }).error ?? text;
      } catch {
        // not JSON: keep the text
      }
      if (res.statusCode >= 500) throw new Unreachable(`server answered ${res.statusCode}: ${msg.slice(0, 300)}`);
      throw new ApiError(res.statusCode, `${method} ${path.split('?')[0]}: ${res.statusCode} ${msg.slice(0, 500)}`);
    }
    return { status: res.statusCode, body: text ? (JSON.parse(text) as unknown) : undefined };
  }
}
