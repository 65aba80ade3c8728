// The baseline for "alert POST -> command file": a bare node:http server that does the least that
// leg needs (read the body, JSON.parse it, write a small file under a dot-name and rename it into
// the watched folder, answer a small JSON), started as its own process like the daemon. No SQLite,
// no fsync, no long-poll, no second process: what is left is HTTP + file system + inotify.
// Usage: node latency-bare.mjs <dir>
import { randomUUID } from 'node:crypto';
import { rename, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';

const dir = process.argv[2];
let seq = 0;

const server = createServer({ keepAlive: true }, (req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    let status = 200;
    let body;
    try {
      const alert = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const jobId = randomUUID();
      const name = `${++seq}-${jobId}.json`;
      const tmp = join(dir, `.${name}.tmp`);
      await writeFile(tmp, JSON.stringify({ seq, jobId, symbol: alert.symbol, action: alert.action }));
      await rename(tmp, join(dir, name));
      body = JSON.stringify({ status: 'accepted', signalId: randomUUID(), jobId });
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
