import { Box, Text } from 'ink';
import type { Connection } from './model.js';

export interface BannerProps {
  connection: Connection;
  server: string;
  now: number;
}

/** Nothing while connected; otherwise one line saying what is wrong and what happens next. */
export function Banner({ connection: c, server, now }: BannerProps) {
  if (c.status === 'open') return null;
  let text: string;
  if (c.status === 'connecting') text = `connecting to ${server} ...`;
  else if (c.status === 'waiting') {
    const s = Math.max(0, Math.ceil((c.retryAt - now) / 1000));
    text = `DISCONNECTED from ${server}${c.error ? ` (${c.error})` : ''}: reconnecting ${s > 0 ? `in ${s} s` : 'now'}; figures below are stale`;
  } else text = `REFUSED by ${server}: ${c.error}. Check --token (dcap token create <name> --read on the server); q quits`;
  return (
    <Box>
      <Text color={c.status === 'connecting' ? 'yellow' : 'white'} backgroundColor={c.status === 'connecting' ? undefined : 'red'} bold wrap="truncate">
        {` ${text} `}
      </Text>
    </Box>
  );
}
