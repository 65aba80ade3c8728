import { Box, Text } from 'ink';
import type { AgentView } from '../relay/protocol.js';
import { agentHealth } from './model.js';
import { cell, duration } from './format.js';

const COLS = ['agent', 'status', 'heartbeat', 'terminal', 'autotrading', 'bridge', 'waiting for'] as const;
const W = [16, 8, 12, 9, 12, 8, 30];

const yesNo = (v: boolean | null): string => (v === null ? '-' : v ? 'yes' : 'no');
const yesNoColor = (v: boolean | null): string | undefined => (v === null ? undefined : v ? 'green' : 'red');

export interface AgentsPaneProps {
  agents: AgentView[];
  now: number;
  clockOffsetMs: number;
  selected: number;
  active: boolean;
  maxLines: number;
}

/** Every agent's health: online (heartbeat within 15 s), heartbeat age, terminal connected, AutoTrading allowed. */
export function AgentsPane({ agents, now, clockOffsetMs, selected, active, maxLines }: AgentsPaneProps) {
  const rows = Math.max(1, maxLines - 1);
  const start = Math.min(Math.max(0, selected - rows + 1), Math.max(0, agents.length - rows));
  return (
    <Box flexDirection="column">
      <Text dimColor wrap="truncate">{'  ' + COLS.map((c, i) => cell(c, W[i]!)).join(' ')}</Text>
      {agents.length === 0 && <Text dimColor>{'  no agents yet: dcap agent pair <name>'}</Text>}
      {agents.slice(start, start + rows).map((a, i) => {
        const h = agentHealth(a, now, clockOffsetMs);
        const isSel = start + i === selected;
        return (
          <Text key={a.id} inverse={isSel && active} bold={isSel} wrap="truncate">
            {isSel ? '> ' : '  '}
            {cell(a.name, W[0]!)} <Text color={h.online ? 'green' : 'red'}>{cell(h.online ? 'online' : 'offline', W[1]!)}</Text>{' '}
            {cell(h.ageMs === null ? 'never' : `${duration(h.ageMs)} ago`, W[2]!)}{' '}
            <Text color={yesNoColor(a.terminalConnected)}>{cell(yesNo(a.terminalConnected), W[3]!)}</Text>{' '}
            <Text color={yesNoColor(a.tradeAllowed)}>{cell(yesNo(a.tradeAllowed), W[4]!)}</Text> {cell(a.bridgeVersion ?? '-', W[5]!)}{' '}
            {cell(a.waitingFor ?? '', W[6]!)}
          </Text>
        );
      })}
    </Box>
  );
}
