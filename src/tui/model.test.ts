import { describe, expect, it } from 'vitest';
import { accountLine, agentHealth, initialState, positionRows, reduce, type Msg, type TuiState } from './model.js';
import { agent, eurusdBuy, positionsView, signal, T0 } from './test-views.js';

const run = (...msgs: Msg[]): TuiState => msgs.reduce(reduce, initialState());
const tick = (symbol: string, bid: number, ask: number, time = T0 + 1000) => ({ type: 'ticks' as const, ticks: [{ symbol, bid, ask, time }] });
const only = (s: TuiState) => positionRows(s)[0]!.position;

describe('tui model: P&L per tick', () => {
  it('moves a buy with the bid, using the value per price unit learned from the reported profit', () => {
    const s = run({ type: 'positions', view: positionsView() }, tick('EURUSD', 1.08712, 1.08722));
    // +10 at 1.08612 for 0.1 lot from 1.08512: 100,000 per 1.0 per lot; at 1.08712: +20.
    expect(only(s).price).toBe(1.08712);
    expect(only(s).profit).toBeCloseTo(20, 6);
    expect(only(s).estimated).toBe(true);
  });

  it('moves a sell with the ask, in the other direction', () => {
    const view = positionsView({}, [eurusdBuy({ side: 'sell', openPrice: 1.087, currentPrice: 1.086, profit: 10 })]);
    const s = run({ type: 'positions', view }, tick('EURUSD', 1.0849, 1.085));
    expect(only(s).price).toBe(1.085);
    expect(only(s).profit).toBeCloseTo(20, 6);
  });

  it('uses the symbol spec (tickValue / tickSize) when the state carries it', () => {
    const view = positionsView({ symbols: [{ symbol: 'EURUSD', tickSize: 0.00001, tickValue: 2 }] }, [eurusdBuy({ openPrice: 1.085, currentPrice: 1.085, profit: 0 })]);
    const s = run({ type: 'positions', view }, tick('EURUSD', 1.0851, 1.0852));
    // 10 ticks x 2 per tick per lot x 0.1 lot = 2.
    expect(only(s).profit).toBeCloseTo(2, 6);
  });

  it('keeps the reported profit while the value per unit is unknown, but shows the new price', () => {
    const view = positionsView({}, [eurusdBuy({ openPrice: 1.085, currentPrice: 1.085, profit: 0 })]);
    const s = run({ type: 'positions', view }, tick('EURUSD', 1.09, 1.0901));
    expect(only(s).price).toBe(1.09);
    expect(only(s).profit).toBe(0);
  });

  it('learns the value per unit from another position of the same symbol', () => {
    const view = positionsView({}, [eurusdBuy(), eurusdBuy({ ticket: 1002, volume: 0.2, openPrice: 1.08612, currentPrice: 1.08612, profit: 0 })]);
    const s = run({ type: 'positions', view }, tick('EURUSD', 1.08712, 1.08722));
    expect(positionRows(s)[1]!.position.profit).toBeCloseTo(20, 6);
  });

  it('re-prices a state that arrives after the ticks, and ignores ticks of other symbols', () => {
    const s = run(tick('EURUSD', 1.08712, 1.08722), tick('GBPUSD', 1.3, 1.3001), { type: 'positions', view: positionsView() });
    expect(only(s).profit).toBeCloseTo(20, 6);
  });

  it('a new state resets the basis; an older one (HTTP after relay) is ignored', () => {
    const newer = positionsView({ time: T0 + 5000 }, [eurusdBuy({ currentPrice: 1.08812, profit: 30 })]);
    const s = run({ type: 'positions', view: positionsView() }, tick('EURUSD', 1.08712, 1.08722), { type: 'positions', view: newer }, { type: 'reads', positions: [positionsView()] });
    expect(only(s).profit).toBeCloseTo(20, 6); // re-priced at the last tick (1.087) from the newer basis
    expect(only(s).reportedProfit).toBe(30);
  });

  it('equity moves with the estimated P&L; day P&L is realised today plus floating', () => {
    const s = run({ type: 'reads', positions: [positionsView({ dayRealised: -5 })] }, tick('EURUSD', 1.08712, 1.08722));
    const a = accountLine(s.books[0]!);
    expect(a.equity).toBeCloseTo(10_020, 6);
    expect(a.dayPnl).toBeCloseTo(15, 6);
    expect(a.balance).toBe(10_000);
    const withoutReads = accountLine(run({ type: 'positions', view: positionsView() }).books[0]!);
    expect(withoutReads.dayPnl).toBeNull();
  });

  it('a later relay update keeps the realised figure the HTTP read gave', () => {
    const s = run({ type: 'reads', positions: [positionsView({ dayRealised: 7 })] }, { type: 'positions', view: positionsView({ time: T0 + 1 }) });
    expect(s.books[0]!.dayRealised).toBe(7);
  });
});

describe('tui model: signals, agents, connection', () => {
  it('signals are newest first, updated in place, never more than 50', () => {
    let s = run({ type: 'signal', signal: signal({ id: 'a', status: 'accepted', latencyMs: null, updatedAt: T0 }) });
    s = reduce(s, { type: 'signal', signal: signal({ id: 'a', status: 'executed', updatedAt: T0 + 200 }) });
    s = reduce(s, { type: 'signal', signal: signal({ id: 'b', receivedAt: T0 + 1000, updatedAt: T0 + 1000 }) });
    expect(s.signals.map((x) => [x.id, x.status])).toEqual([['b', 'executed'], ['a', 'executed']]);
    // A stale copy (the snapshot after an update) does not undo the update.
    s = reduce(s, { type: 'snapshot', ticks: [], signals: [signal({ id: 'a', status: 'accepted', updatedAt: T0 })] });
    expect(s.signals.find((x) => x.id === 'a')!.status).toBe('executed');
    const many = Array.from({ length: 60 }, (_, i) => signal({ id: `s${String(i).padStart(2, '0')}`, receivedAt: T0 + i }));
    expect(reduce(s, { type: 'snapshot', ticks: [], signals: many }).signals).toHaveLength(50);
  });

  it('a ticks-only snapshot keeps signals, positions and agents', () => {
    const s = run({ type: 'snapshot', ticks: [], signals: [signal()], positions: [positionsView()], agents: [agent()] }, { type: 'snapshot', ticks: [] });
    expect([s.signals.length, s.books.length, s.agents.length]).toEqual([1, 1, 1]);
  });

  it('agent health: online within 15 s of the heartbeat on the server clock', () => {
    expect(agentHealth(agent(), T0 + 14_000, 0)).toEqual({ online: true, ageMs: 14_000 });
    expect(agentHealth(agent(), T0 + 16_000, 0).online).toBe(false);
    // Our clock 10 s ahead of the server's: the heartbeat is 4 s old, not 14.
    expect(agentHealth(agent(), T0 + 14_000, -10_000)).toEqual({ online: true, ageMs: 4_000 });
    expect(agentHealth(agent({ heartbeatAt: null }), T0, 0)).toEqual({ online: false, ageMs: null });
  });

  it('learns a symbol\'s digits from the prices it sees (1.085 is 1.08500)', () => {
    const s = run({ type: 'positions', view: positionsView({}, [eurusdBuy({ openPrice: 1.085, currentPrice: 1.086 })]) });
    expect(s.digits.EURUSD).toBe(3);
    expect(reduce(s, tick('EURUSD', 1.08712, 1.0872)).digits.EURUSD).toBe(5);
  });

  it('reads set the clock offset; connection messages replace the connection', () => {
    const s = run({ type: 'reads', serverTime: T0, receivedAt: T0 + 2000 }, { type: 'connection', connection: { status: 'waiting', retryAt: T0 + 4000 } });
    expect(s.clockOffsetMs).toBe(-2000);
    expect(s.connection).toEqual({ status: 'waiting', retryAt: T0 + 4000 });
  });
});
