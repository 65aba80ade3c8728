// Worker thread for bench/relay.mjs: holds a share of the subscribers, measures publish-to-receive
// latency from the publish time the publisher puts in each tick's `last` field.
import { parentPort, workerData } from 'node:worker_threads';
import WebSocket from 'ws';

const { url, headers, bare, from, count, symbols, perSub } = workerData;
const now = () => performance.timeOrigin + performance.now();
let samples = new Float64Array(1 << 20);
let n = 0;
let received = 0;
let measuring = false;
const sockets = [];

function record(ms) {
  if (n === samples.length) {
    const bigger = new Float64Array(samples.length * 2);
    bigger.set(samples);
    samples = bigger;
  }
  samples[n++] = ms;
}

async function connectAll() {
  let ready = 0;
  await new Promise((resolve, reject) => {
    for (let i = from; i < from + count; i++) {
      const ws = new WebSocket(url, { headers, perMessageDeflate: false });
      sockets.push(ws);
      const mine = Array.from({ length: perSub }, (_, k) => symbols[(i + k * 7) % symbols.length]);
      ws.on('error', reject);
      ws.on('message', (data) => {
        const text = data.toString();
        // Ticks are the hot path: read the publish time without a full JSON.parse, so the
        // subscribers' own CPU use disturbs the servers being measured as little as possible.
        if (text.startsWith('{"type":"tick"')) {
          if (!measuring) return;
          const at = text.indexOf('"last":') + 7;
          received++;
          record(now() - Number(text.slice(at, text.indexOf(',', at))));
          return;
        }
        const m = JSON.parse(text);
        if (m.type === 'welcome') ws.send(JSON.stringify({ op: 'subscribe', symbols: mine }));
        else if (m.type === 'snapshot' && ++ready === count) resolve();
      });
      // The bare baseline sends no welcome.
      ws.on('open', () => bare && ws.send(JSON.stringify({ op: 'subscribe', symbols: mine })));
    }
  });
}

parentPort.on('message', async (cmd) => {
  if (cmd === 'connect') {
    await connectAll();
    parentPort.postMessage({ ready: true });
  } else if (cmd === 'start') {
    n = 0;
    received = 0;
    measuring = true;
    parentPort.postMessage({ started: true });
  } else if (cmd === 'stop') {
    measuring = false;
    parentPort.postMessage({ received, samples: samples.slice(0, n) });
  } else if (cmd === 'close') {
    for (const ws of sockets) ws.terminate();
    parentPort.postMessage({ closed: true });
  }
});
