import type { IncomingMessage } from 'node:http';
import type { Logger } from '../log.js';
import { authenticateAgent, getAgentById } from '../store/agents.js';
import type { DB } from '../store/db.js';
import { authenticateReadToken, readTokenLive, touchReadToken } from '../store/read-tokens.js';
import type { Identity } from './peer.js';

/**
 * Who may open a relay socket, decided at the HTTP upgrade (a refused client never gets a socket):
 * - subscribers: a read token (`dcap token create --read`) as `Authorization: Bearer <token>`,
 *   or `?token=<token>` for clients that cannot set headers (browsers);
 * - publishers: an agent, with the same `X-Agent-Id` and `X-Agent-Key` headers as the agent API.
 *   Agents are our own Node processes, so headers always work, and keys stay out of URLs (which
 *   end up in proxy logs).
 * `undefined` means 401.
 */
export type Authenticate = (req: IncomingMessage) => Identity | undefined;

/** Writing last_used_at once a minute per token is enough to tell used tokens from stale ones. */
const TOUCH_EVERY_MS = 60_000;

export function storeAuthenticator(db: DB, log: Logger, now: () => number = Date.now): Authenticate {
  const touched = new Map<string, number>();
  return (req) => {
    const agentId = header(req, 'x-agent-id');
    const agentKey = header(req, 'x-agent-key');
    if (agentId !== undefined || agentKey !== undefined) {
      const agent = agentId && agentKey ? authenticateAgent(db, agentId, agentKey) : undefined;
      if (!agent) {
        log.warn({ event: 'relay.auth_failed', kind: 'agent', agentId: agentId?.slice(0, 36) }, 'relay: agent authentication failed');
        return undefined;
      }
      return { role: 'publisher', id: agent.id, name: `agent:${agent.name}`, stillValid: () => getAgentById(db, agent.id) !== undefined };
    }
    const token = bearer(req) ?? new URL(req.url ?? '/', 'http://x').searchParams.get('token') ?? undefined;
    const row = token ? authenticateReadToken(db, token) : undefined;
    if (!row) {
      log.warn({ event: 'relay.auth_failed', kind: 'token', given: token !== undefined }, 'relay: read token missing or not valid');
      return undefined;
    }
    const t = now();
    if ((touched.get(row.id) ?? 0) + TOUCH_EVERY_MS <= t) {
      touched.set(row.id, t);
      try {
        touchReadToken(db, row.id, t);
      } catch (err) {
        // Only bookkeeping: a busy store must not refuse a reader.
        log.debug({ event: 'relay.touch_failed', err: (err as Error).message }, 'could not record token use');
      }
    }
    return { role: 'subscriber', id: row.id, name: `token:${row.name}`, stillValid: () => readTokenLive(db, row.id) };
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' ? v : undefined;
}

function bearer(req: IncomingMessage): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return m?.[1];
}
