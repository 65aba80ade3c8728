import { Box, Text } from 'ink';
import type { SignalView } from '../relay/protocol.js';
import { cell, clock, duration } from './format.js';

const COLS = ['time', 'strategy', 'symbol', 'action', 'status', 'latency', 'reason'] as const;
const W = [8, 14, 12, 11, 10, 9, 40];

const STATUS_COLOR: Record<string, string> = {
  executed: 'green',
  accepted: 'cyan',
  running: 'cyan',
  pending: 'cyan',
  duplicate: 'gray',
  discarded: 'gray',
  blocked: 'yellow',
  rejected: 'red',
  failed: 'red',
};

export interface SignalsPaneProps {
  signals: SignalView[];
  selected: number;
  active: boolean;
  maxLines: number;
  width: number;
}

/** The latest signals, newest first: status, why (blocked/failed reason) and alert-to-fill latency. */
export function SignalsPane({ signals, selected, active, maxLines, width }: SignalsPaneProps) {
  const rows = Math.max(1, maxLines - 1);
  const start = Math.min(Math.max(0, selected - rows + 1), Math.max(0, signals.length - rows));
  const reasonWidth = Math.max(10, width - W.slice(0, 6).reduce((s, w) => s + w + 1, 0) - 4);
  const widths = [...W.slice(0, 6), reasonWidth];
  return (
    <Box flexDirection="column">
      <Text dimColor wrap="truncate">{'  ' + COLS.map((c, i) => cell(c, widths[i]!, c === 'latency')).join(' ')}</Text>
      {signals.length === 0 && <Text dimColor>{'  no signals yet'}</Text>}
      {signals.slice(start, start + rows).map((s, i) => {
        const isSel = start + i === selected;
        return (
          <Text key={s.id} inverse={isSel && active} bold={isSel} wrap="truncate">
            {isSel ? '> ' : '  '}
            {[clock(s.receivedAt), s.strategy, s.symbol ?? '-', s.action ?? '-'].map((c, j) => cell(c, widths[j]!)).join(' ')}{' '}
            <Text color={STATUS_COLOR[s.status]}>{cell(s.status, widths[4]!)}</Text>{' '}
            {cell(duration(s.latencyMs), widths[5]!, true)} {cell(s.reason ?? '', widths[6]!)}
          </Text>
        );
      })}
    </Box>
  );
}
