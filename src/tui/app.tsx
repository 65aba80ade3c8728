import { Box, Text, useApp, useInput, useStdout } from 'ink';
import { useEffect, useMemo, useReducer, useRef, useState, type ReactNode } from 'react';
import type { Closer, CloseTarget } from './actions.js';
import { AgentsPane } from './agents.js';
import { Banner } from './banner.js';
import { Confirm } from './confirm.js';
import type { DataSource } from './data.js';
import { lots } from './format.js';
import { initialState, positionRows, reduce, type TuiState } from './model.js';
import { PositionsPane, positionKey } from './positions.js';
import { SignalsPane } from './signals.js';

export const PANES = ['positions', 'signals', 'agents'] as const;
export type Pane = (typeof PANES)[number];

export interface AppProps {
  source: DataSource;
  closer: Closer;
  /** Shown in the title and the banner. */
  server: string;
  clock?: () => number;
  /** How often ages and the reconnect countdown are redrawn. */
  redrawMs?: number;
  initial?: TuiState;
}

/** Terminal size, updated on resize (Ink redraws; this re-splits the rows between panes). */
function useSize(): { columns: number; rows: number } {
  const { stdout } = useStdout();
  const read = () => ({ columns: stdout.columns || 100, rows: stdout.rows || 40 });
  const [size, setSize] = useState(read);
  useEffect(() => {
    const onResize = () => setSize(read());
    stdout.on('resize', onResize);
    return () => void stdout.off('resize', onResize);
  }, [stdout]);
  return size;
}

export function App({ source, closer, server, clock = Date.now, redrawMs = 1000, initial }: AppProps) {
  const { exit } = useApp();
  const [state, dispatch] = useReducer(reduce, initial ?? initialState());
  const [now, setNow] = useState(clock);
  const [pane, setPane] = useState<Pane>('positions');
  const [selectedKey, setSelectedKey] = useState<string | null>(null);
  const [signalSel, setSignalSel] = useState(0);
  const [agentSel, setAgentSel] = useState(0);
  const [confirm, setConfirm] = useState<{ target: CloseTarget; side: string; volume: string } | null>(null);
  const size = useSize();

  useEffect(() => {
    const stop = source.start(dispatch);
    return () => void stop();
  }, [source]);
  useEffect(() => {
    const t = setInterval(() => setNow(clock()), redrawMs);
    return () => clearInterval(t);
  }, [clock, redrawMs]);

  const rows = useMemo(() => positionRows(state), [state]);
  // The selection follows its position across updates; when that position is gone, the first one.
  const selected = rows.find((r) => positionKey(r.book, r.position) === selectedKey) ?? rows[0];
  const selKey = selected ? positionKey(selected.book, selected.position) : null;

  // Keys read what is on screen now: a handler closed over an earlier render would act on a
  // position that is no longer the selected one (fast keys outrun React's effects).
  const live = useRef({ rows, selKey, pane, confirm, signals: state.signals.length, agents: state.agents.length });
  live.current = { rows, selKey, pane, confirm, signals: state.signals.length, agents: state.agents.length };

  const move = (delta: number) => {
    const { rows, selKey, pane, signals, agents } = live.current;
    if (pane === 'positions' && rows.length) {
      const i = rows.findIndex((r) => positionKey(r.book, r.position) === selKey);
      const next = rows[Math.min(rows.length - 1, Math.max(0, i + delta))]!;
      live.current.selKey = positionKey(next.book, next.position);
      setSelectedKey(live.current.selKey);
    } else if (pane === 'signals') setSignalSel((i) => Math.min(Math.max(0, signals - 1), Math.max(0, i + delta)));
    else if (pane === 'agents') setAgentSel((i) => Math.min(Math.max(0, agents - 1), Math.max(0, i + delta)));
  };

  useInput((input, key) => {
    const { confirm, pane } = live.current;
    if (confirm) {
      if (input === 'y' || input === 'Y') {
        const { target } = confirm;
        live.current.confirm = null;
        setConfirm(null);
        dispatch({ type: 'notice', text: `closing #${target.ticket} ...` });
        closer(target).then(
          (r) => dispatch({ type: 'notice', text: `close job ${r.jobId} created for ${target.agent} (#${target.ticket} ${target.symbol}); the position disappears when the agent reports it closed` }),
          (err: Error) => dispatch({ type: 'notice', text: `could not close #${target.ticket}: ${err.message}` }),
        );
      } else if (input === 'n' || input === 'N' || key.escape || input === 'q') {
        live.current.confirm = null;
        setConfirm(null);
        dispatch({ type: 'notice', text: 'kept the position' });
      }
      return;
    }
    if (input === 'q') return exit();
    if (key.tab) {
      live.current.pane = PANES[(PANES.indexOf(pane) + (key.shift ? PANES.length - 1 : 1)) % PANES.length]!;
      return setPane(live.current.pane);
    }
    if (key.upArrow) return move(-1);
    if (key.downArrow) return move(1);
    if (key.pageUp) return move(-10);
    if (key.pageDown) return move(10);
    if (input === 'c') {
      if (pane !== 'positions') return dispatch({ type: 'notice', text: 'c closes the selected position: tab to the positions pane first' });
      const { rows, selKey } = live.current;
      const selected = rows.find((r) => positionKey(r.book, r.position) === selKey) ?? rows[0];
      if (!selected) return dispatch({ type: 'notice', text: 'no position to close' });
      const { book, position: p } = selected;
      live.current.confirm = {
        target: { agentId: book.agentId, agent: book.agent, ticket: p.ticket, symbol: p.symbol },
        side: p.side,
        volume: lots(p.volume),
      };
      setConfirm(live.current.confirm);
    }
  });

  // Rows: title, banner, notice, footer, three pane borders + titles; the rest goes to the panes,
  // each getting what it needs while leaving the others a few lines, positions first.
  const body = Math.max(9, size.rows - 13 - (confirm ? 3 : 0));
  const need = {
    positions: 1 + state.books.reduce((n, b) => n + 1 + Math.max(1, b.positions.length), 0) || 2,
    signals: 1 + Math.max(1, state.signals.length),
    agents: 1 + Math.max(1, state.agents.length),
  };
  const agentLines = Math.min(need.agents, Math.max(2, Math.floor(body / 4)));
  const positionLines = Math.max(2, Math.min(need.positions, body - agentLines - Math.min(need.signals, 4)));
  const signalLines = Math.max(2, body - agentLines - positionLines);
  const width = Math.max(40, size.columns - 2);

  const frame = (name: Pane, title: string, child: ReactNode) => (
    <Box flexDirection="column" borderStyle="round" borderColor={pane === name ? 'cyan' : 'gray'} width={size.columns}>
      <Text bold color={pane === name ? 'cyan' : undefined}>
        {title}
      </Text>
      {child}
    </Box>
  );

  return (
    <Box flexDirection="column" width={size.columns}>
      <Text wrap="truncate">
        <Text bold>dcap tui</Text> {server} {state.connection.status === 'open' ? <Text color="green">live</Text> : <Text color="red">offline</Text>}
      </Text>
      <Banner connection={state.connection} server={server} now={now} />
      {frame('positions', `Positions (${rows.length})`, <PositionsPane books={state.books} digits={state.digits} selectedKey={selKey} active={pane === 'positions'} maxLines={positionLines} />)}
      {frame('signals', `Signals (latest ${state.signals.length})`, <SignalsPane signals={state.signals} selected={signalSel} active={pane === 'signals'} maxLines={signalLines} width={width} />)}
      {frame('agents', `Agents (${state.agents.length})`, <AgentsPane agents={state.agents} now={now} clockOffsetMs={state.clockOffsetMs} selected={agentSel} active={pane === 'agents'} maxLines={agentLines} />)}
      {confirm && <Confirm {...confirm} />}
      {state.notice && (
        <Text color="yellow" wrap="truncate">
          {state.notice}
        </Text>
      )}
      <Text dimColor wrap="truncate">
        ↑↓ select · tab pane · c close position · q quit
      </Text>
    </Box>
  );
}
