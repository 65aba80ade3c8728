// The baseline for bench/relay.mjs: a bare `ws` broadcast loop with the relay's routing and
// nothing else (no auth, no validation, no conflation, no ping/pong). Started as its own process
// like the relay. Prints "listening on ws://HOST:PORT".
import { WebSocketServer } from 'ws';

const bySymbol = new Map();
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
wss.on('connection', (ws, req) => {
  req.socket.setNoDelay(true);
  const mine = new Set();
  ws.on('message', (data) => {
    const msg = JSON.parse(data.toString());
    if (msg.op === 'subscribe') {
      for (const s of msg.symbols ?? []) {
        mine.add(s);
        if (!bySymbol.has(s)) bySymbol.set(s, new Set());
        bySymbol.get(s).add(ws);
      }
      ws.send(JSON.stringify({ type: 'snapshot', ticks: [] }));
    } else if (msg.op === 'ticks') {
      for (const t of msg.ticks) {
        const subs = bySymbol.get(t.symbol);
        if (!subs) continue;
        const out = Buffer.from(JSON.stringify({ type: 'tick', ...t }));
        for (const s of subs) s.send(out, { binary: false });
      }
    }
  });
  ws.on('close', () => {
    for (const s of mine) bySymbol.get(s)?.delete(ws);
  });
  ws.on('error', () => {});
});
wss.on('listening', () => process.stdout.write(`listening on ws://127.0.0.1:${wss.address().port}\n`));
process.on('SIGTERM', () => {
  for (const c of wss.clients) c.terminate();
  wss.close(() => process.exit(0));
});
