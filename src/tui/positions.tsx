import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import { accountLine, type Book, type LivePosition } from './model.js';
import { cell, lots, money, pnl, price } from './format.js';

export const positionKey = (b: Book, p: LivePosition): string => `${b.agentId}:${p.ticket}`;

const COLS = ['symbol', 'side', 'volume', 'open', 'current', 'P&L', 'swap', 'ticket'] as const;
const W = [12, 5, 8, 11, 11, 11, 8, 12];
const RIGHT = [false, false, true, true, true, true, true, true];

interface Line {
  key: string;
  node: ReactNode;
  selectable?: string;
}

export interface PositionsPaneProps {
  books: Book[];
  /** Decimals per symbol. */
  digits: Record<string, number>;
  selectedKey: string | null;
  active: boolean;
  /** Lines available for the pane's body (resize shrinks it; the selection stays in view). */
  maxLines: number;
}

/** Per agent: the account line, then its open positions with P&L moving per tick. */
export function PositionsPane({ books, digits, selectedKey, active, maxLines }: PositionsPaneProps) {
  const lines: Line[] = [{ key: 'head', node: <Text dimColor wrap="truncate">{'  ' + COLS.map((c, i) => cell(c, W[i]!, RIGHT[i])).join(' ')}</Text> }];
  for (const b of books) {
    const a = accountLine(b);
    lines.push({
      key: `a:${b.agentId}`,
      node: (
        <Text wrap="truncate">
          <Text bold>{b.agent}</Text>
          {`  balance ${money(a.balance)}  equity ${money(a.equity)}  margin ${money(a.margin)}  day P&L `}
          <Text color={a.dayPnl === null ? undefined : a.dayPnl >= 0 ? 'green' : 'red'}>{a.dayPnl === null ? '-' : pnl(a.dayPnl)}</Text>
          {a.currency ? ` ${a.currency}` : ''}
        </Text>
      ),
    });
    if (b.positions.length === 0) lines.push({ key: `n:${b.agentId}`, node: <Text dimColor>{'  no open positions'}</Text> });
    for (const p of b.positions) {
      const key = positionKey(b, p);
      const selected = key === selectedKey;
      const cells = [p.symbol, p.side, lots(p.volume), price(p.openPrice, digits[p.symbol]), price(p.price, digits[p.symbol]), pnl(p.profit), money(p.swap), String(p.ticket)];
      lines.push({
        key,
        selectable: key,
        node: (
          <Text inverse={selected && active} bold={selected} wrap="truncate">
            {selected ? '> ' : '  '}
            {cells.slice(0, 5).map((c, i) => cell(c, W[i]!, RIGHT[i])).join(' ')}{' '}
            <Text color={p.profit >= 0 ? 'green' : 'red'}>{cell(cells[5]!, W[5]!, true)}</Text>{' '}
            {cells.slice(6).map((c, i) => cell(c, W[i + 6]!, RIGHT[i + 6])).join(' ')}
          </Text>
        ),
      });
    }
  }
  if (books.length === 0) lines.push({ key: 'none', node: <Text dimColor>{'  no agent has reported positions yet'}</Text> });
  return <Box flexDirection="column">{window(lines, selectedKey, maxLines).map((l) => <Box key={l.key}>{l.node}</Box>)}</Box>;
}

/** The column header, then the lines around the selection that fit. */
function window(lines: Line[], selectedKey: string | null, maxLines: number): Line[] {
  const max = Math.max(2, maxLines);
  if (lines.length <= max) return lines;
  const [head, ...body] = lines;
  const at = Math.max(0, body.findIndex((l) => l.selectable === selectedKey));
  const start = Math.min(Math.max(0, at - Math.floor((max - 1) / 2)), body.length - (max - 1));
  return [head!, ...body.slice(start, start + max - 1)];
}
