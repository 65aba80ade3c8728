// The baseline: a bare node:http server doing the least an alert endpoint must do (read the
// body, JSON.parse it, answer a small JSON), started as its own process like the daemon.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';

const server = createServer({ keepAlive: true }, (req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let status = 200;
    let body;
    try {
      const alert = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      body = JSON.stringify({ status: 'accepted', signalId: randomUUID(), jobId: randomUUID(), symbol: alert.symbol });
    } catch {
      status = 400;
      body = '{"status":"rejected"}';
    }
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`listening on http://127.0.0.1:${server.address().port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
