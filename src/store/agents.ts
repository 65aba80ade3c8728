import { UserError } from '../errors.js';
import type { DB } from './db.js';
import { newId } from './ids.js';
import { appendOutbox } from './outbox.js';
import { prepared } from './prepare.js';
import { hashToken, newToken, sameHash, TOKEN_PREFIX_LENGTH } from './tokens.js';

/** How often agents send heartbeats; an agent is offline after three missed ones. */
export const HEARTBEAT_INTERVAL_MS = 5_000;
export const OFFLINE_AFTER_MS = 3 * HEARTBEAT_INTERVAL_MS;

export const AGENT_NAME_RE = /^[a-z0-9][a-z0-9_.-]{0,63}$/i;

export interface Heartbeat {
  terminalConnected?: boolean;
  tradeAllowed?: boolean;
  account?: Record<string, unknown> | null;
  build?: number | null;
  bridgeVersion?: string | null;
  metrics?: Record<string, unknown>;
  /** What the agent says it is waiting for (server, terminal, EA heartbeat, AutoTrading...). */
  waitingFor?: string | null;
}

export interface AgentRow {
  id: string;
  name: string;
  keyPrefix: string;
  createdAt: number;
  lastSeenAt: number | null;
  heartbeatAt: number | null;
  heartbeat: Heartbeat | null;
  stateAt: number | null;
  state: AgentState | null;
}

export interface AgentState {
  account?: Record<string, unknown>;
  positions?: Record<string, unknown>[];
  orders?: Record<string, unknown>[];
  [k: string]: unknown;
}

interface Raw {
  id: string;
  name: string;
  key_prefix: string;
  created_at: number;
  last_seen_at: number | null;
  heartbeat_at: number | null;
  heartbeat: string | null;
  state_at: number | null;
  state: string | null;
}

const COLUMNS = 'id, name, key_prefix, created_at, last_seen_at, heartbeat_at, heartbeat, state_at, state';

function fromRaw(r: Raw): AgentRow {
  return {
    id: r.id,
    name: r.name,
    keyPrefix: r.key_prefix,
    createdAt: r.created_at,
    lastSeenAt: r.last_seen_at,
    heartbeatAt: r.heartbeat_at,
    heartbeat: r.heartbeat ? (JSON.parse(r.heartbeat) as Heartbeat) : null,
    stateAt: r.state_at,
    state: r.state ? (JSON.parse(r.state) as AgentState) : null,
  };
}

/** Online when its last heartbeat is younger than three heartbeat intervals. */
export function isOnline(a: AgentRow, now: number): boolean {
  return a.heartbeatAt !== null && now - a.heartbeatAt < OFFLINE_AFTER_MS;
}

/** The payload synced for an agent: never the key or its hash. */
function agentPayload(a: AgentRow) {
  const { state: _state, ...rest } = a;
  return rest;
}

/** Creates an agent; returns its key (the only time it exists in clear). */
export function pairAgent(db: DB, name: string, now: number): { agent: AgentRow; key: string } {
  if (!AGENT_NAME_RE.test(name)) {
    throw new UserError(`invalid agent name "${name}": use letters, digits, ".", "_" or "-" (at most 64), starting with a letter or digit`);
  }
  return db.transaction(() => {
    if (getAgentByName(db, name)) throw new UserError(`an agent named "${name}" exists already (revoke it first, or pick another name)`);
    const key = newToken();
    const id = newId();
    prepared(db, 'INSERT INTO agents (id, name, key_hash, key_prefix, created_at) VALUES (?, ?, ?, ?, ?)').run(
      id,
      name,
      hashToken(key),
      key.slice(0, TOKEN_PREFIX_LENGTH),
      now,
    );
    const agent = getAgentById(db, id)!;
    appendOutbox(db, { aggregate: 'agent', aggregateId: id, type: 'agent.upserted', payload: agentPayload(agent) }, now);
    return { agent, key };
  })();
}

export function getAgentByName(db: DB, name: string): AgentRow | undefined {
  const r = prepared(db, `SELECT ${COLUMNS} FROM agents WHERE name = ? AND revoked_at IS NULL`).get(name) as Raw | undefined;
  return r && fromRaw(r);
}

export function getAgentById(db: DB, id: string): AgentRow | undefined {
  const r = prepared(db, `SELECT ${COLUMNS} FROM agents WHERE id = ? AND revoked_at IS NULL`).get(id) as Raw | undefined;
  return r && fromRaw(r);
}

export function listAgents(db: DB): AgentRow[] {
  return (prepared(db, `SELECT ${COLUMNS} FROM agents WHERE revoked_at IS NULL ORDER BY name`).all() as Raw[]).map(fromRaw);
}

/** The agent `id` if `key` is its key (constant-time comparison of the hashes). */
export function authenticateAgent(db: DB, id: string, key: string): AgentRow | undefined {
  const r = prepared(db, 'SELECT key_hash FROM agents WHERE id = ? AND revoked_at IS NULL').get(id) as { key_hash: string } | undefined;
  if (!r || !sameHash(r.key_hash, hashToken(key))) return undefined;
  return getAgentById(db, id);
}

export function revokeAgent(db: DB, name: string, now: number): AgentRow {
  return db.transaction(() => {
    const agent = getAgentByName(db, name);
    if (!agent) throw new UserError(`no agent named "${name}" (see dcap agent list)`);
    prepared(db, 'UPDATE agents SET revoked_at = ? WHERE id = ?').run(now, agent.id);
    appendOutbox(db, { aggregate: 'agent', aggregateId: agent.id, type: 'agent.revoked', payload: { id: agent.id, name, revokedAt: now } }, now);
    return agent;
  })();
}

export function touchAgent(db: DB, id: string, now: number): void {
  prepared(db, 'UPDATE agents SET last_seen_at = ? WHERE id = ?').run(now, id);
}

export function recordHeartbeat(db: DB, id: string, hb: Heartbeat, now: number): void {
  db.transaction(() => {
    prepared(db, 'UPDATE agents SET heartbeat_at = ?, heartbeat = ?, last_seen_at = ? WHERE id = ?').run(now, JSON.stringify(hb), now, id);
    appendOutbox(db, { aggregate: 'agent', aggregateId: id, type: 'agent.heartbeat', payload: { id, heartbeatAt: now, ...hb } }, now);
  })();
}

export function recordState(db: DB, id: string, state: AgentState, now: number): void {
  db.transaction(() => {
    prepared(db, 'UPDATE agents SET state_at = ?, state = ?, last_seen_at = ? WHERE id = ?').run(now, JSON.stringify(state), now, id);
    appendOutbox(db, { aggregate: 'agent', aggregateId: id, type: 'agent.state', payload: { agentId: id, stateAt: now, ...state } }, now);
  })();
}
