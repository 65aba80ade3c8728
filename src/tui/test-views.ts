/** Views as the server sends them, for the TUI's tests. */
import type { AgentView, SignalView } from '../relay/protocol.js';
import type { PositionsViewIn } from './model.js';

export const T0 = 1_763_700_000_000;

export function positionsView(over: Partial<PositionsViewIn> = {}, positions: Record<string, unknown>[] = [eurusdBuy()]): PositionsViewIn {
  return {
    agentId: 'agent-1',
    agent: 'vps-1',
    time: T0,
    account: { login: 5012345, currency: 'USD', balance: 10_000, equity: 10_010, margin: 21.7, freeMargin: 9988.3, profit: 10 },
    positions,
    orders: [],
    ...over,
  };
}

/** 0.10 lot EURUSD bought at 1.08512, reported at 1.08612 with +10.00 (k = 100,000 USD per 1.0 per lot). */
export function eurusdBuy(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ticket: 1001,
    symbol: 'EURUSD',
    side: 'buy',
    volume: 0.1,
    openPrice: 1.08512,
    currentPrice: 1.08612,
    sl: 0,
    tp: 0,
    profit: 10,
    swap: 0,
    comment: 'dcap:abc',
    magic: 0,
    openTime: T0 - 60_000,
    ...over,
  };
}

export function signal(over: Partial<SignalView> = {}): SignalView {
  return {
    id: 'sig-1',
    strategy: 'trend',
    symbol: 'EURUSD',
    action: 'buy',
    status: 'executed',
    reason: null,
    receivedAt: T0,
    updatedAt: T0 + 180,
    completedAt: T0 + 180,
    latencyMs: 180,
    result: null,
    jobId: 'job-1',
    ...over,
  };
}

export function agent(over: Partial<AgentView> = {}): AgentView {
  return {
    id: 'agent-1',
    name: 'vps-1',
    heartbeatAt: T0,
    terminalConnected: true,
    tradeAllowed: true,
    bridgeVersion: '1.0.0',
    waitingFor: null,
    account: null,
    ...over,
  };
}
