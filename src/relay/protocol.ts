import { z } from 'zod';

/**
 * The relay's wire protocol (docs/relay.md): JSON text frames both ways. Clients send
 * `{"op": ...}` messages; the relay sends `{"type": ...}` messages.
 */

/** Limits that keep one client from growing the relay's memory. */
export const MAX_SYMBOLS_PER_PEER = 1000;
export const MAX_TICKS_PER_BATCH = 5000;
export const MAX_MESSAGE_BYTES = 1024 * 1024;

/** Subscribing to this symbol means every symbol (dashboards that show whatever is published). */
export const ALL_SYMBOLS = '*';
export const CHANNELS = ['signals', 'positions', 'agents'] as const;
export type Channel = (typeof CHANNELS)[number];

const Symbol = z.string().min(1).max(64).regex(/^[^\s]+$/, 'no whitespace in a symbol');
const Finite = z.number().finite();

export const TickSchema = z.object({
  symbol: Symbol,
  bid: Finite.nonnegative(),
  ask: Finite.nonnegative(),
  /** Last deal price (exchange symbols); absent or 0 for forex/CFDs. */
  last: Finite.nonnegative().optional(),
  /** UTC ms of the quote. */
  time: Finite.nonnegative(),
});
export type Tick = z.infer<typeof TickSchema>;

const Selection = {
  symbols: z.array(Symbol).max(MAX_SYMBOLS_PER_PEER).optional(),
  channels: z.array(z.enum(CHANNELS)).optional(),
};

export const ClientMessageSchema = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('subscribe'), ...Selection }),
  z.strictObject({ op: z.literal('unsubscribe'), ...Selection }),
  z.strictObject({ op: z.literal('ticks'), ticks: z.array(TickSchema).max(MAX_TICKS_PER_BATCH) }),
  /** An application-level ping for clients that cannot send WebSocket pings (browsers). */
  z.strictObject({ op: z.literal('ping'), id: z.union([z.string().max(64), z.number()]).optional() }),
]);
export type ClientMessage = z.infer<typeof ClientMessageSchema>;
export type Subscribe = Extract<ClientMessage, { op: 'subscribe' }>;

export type Role = 'subscriber' | 'publisher';

/** A recorded signal as subscribers see it (what the TUI's signals pane needs). */
export interface SignalView {
  id: string;
  strategy: string;
  symbol: string | null;
  action: string | null;
  status: string;
  reason: string | null;
  receivedAt: number;
  updatedAt: number;
  completedAt: number | null;
  /** Alert received to result recorded, ms; null until the job completes. */
  latencyMs: number | null;
  /** The bridge's result (fill price, volume, ticket, retcode ...), once executed or failed. */
  result: Record<string, unknown> | null;
  jobId: string | null;
}

/** An agent's health as subscribers see it (never its key or hash). */
export interface AgentView {
  id: string;
  name: string;
  heartbeatAt: number | null;
  terminalConnected: boolean | null;
  tradeAllowed: boolean | null;
  bridgeVersion: string | null;
  waitingFor: string | null;
  account: Record<string, unknown> | null;
}

export interface PositionsView {
  agentId: string;
  agent: string;
  /** When the agent reported this state (ms). */
  time: number;
  account: Record<string, unknown> | null;
  positions: Record<string, unknown>[];
  orders: Record<string, unknown>[];
}

export type TickMessage = { type: 'tick' } & Tick;
export type SignalMessage = { type: 'signal'; signal: SignalView };
export type PositionsMessage = { type: 'positions' } & PositionsView;
export type AgentMessage = { type: 'agent'; agent: AgentView };
/** What the bus carries: updates of the signals, positions and agents channels. */
export type ChannelMessage = SignalMessage | PositionsMessage | AgentMessage;

export type ServerMessage =
  | { type: 'welcome'; role: Role; instance: string; heartbeatMs: number }
  | {
      type: 'snapshot';
      ticks: Tick[];
      signals?: SignalView[];
      positions?: PositionsView[];
      agents?: AgentView[];
    }
  | TickMessage
  | ChannelMessage
  | { type: 'pong'; id?: string | number }
  | { type: 'error'; message: string };

/** The channel a bus message belongs to, and the key under which a slow subscriber keeps only its latest. */
export function channelOf(m: ChannelMessage): { channel: Channel; key: string } {
  if (m.type === 'signal') return { channel: 'signals', key: `s:${m.signal.id}` };
  if (m.type === 'positions') return { channel: 'positions', key: `p:${m.agentId}` };
  return { channel: 'agents', key: `a:${m.agent.id}` };
}

/** Parses one frame; the error message names what is wrong (sent back as {"type":"error"}). */
export function parseClientMessage(data: string): { ok: true; msg: ClientMessage } | { ok: false; message: string } {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch (err) {
    return { ok: false, message: `not JSON: ${(err as Error).message}` };
  }
  const r = ClientMessageSchema.safeParse(json);
  if (r.success) return { ok: true, msg: r.data };
  const op = (json as { op?: unknown } | null)?.op;
  const prefix = typeof op === 'string' ? `bad "${op}" message` : 'bad message';
  return { ok: false, message: `${prefix}: ${z.prettifyError(r.error).replace(/\n/g, '; ')}` };
}
