import { Box, Text } from 'ink';
import type { CloseTarget } from './actions.js';

export interface ConfirmProps {
  target: CloseTarget;
  side: string;
  volume: string;
}

/** The question `c` asks before a close job is created. */
export function Confirm({ target, side, volume }: ConfirmProps) {
  return (
    <Box borderStyle="double" borderColor="yellow" paddingX={1}>
      <Text>
        <Text bold color="yellow">
          Close position #{target.ticket}
        </Text>{' '}
        ({side} {volume} {target.symbol}) on agent {target.agent}? A close job is sent to the agent.{' '}
        <Text bold>y</Text> to close, <Text bold>n</Text> or <Text bold>esc</Text> to keep it
      </Text>
    </Box>
  );
}
