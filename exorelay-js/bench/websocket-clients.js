'use strict';

// Measures the two WebSocket clients a Node relay could use, ws and Node's built-in one, against the real
// broker: sequential request/reply round trips through ExoCom (the relay's frames, written by hand), and
// whether each client can ping, sees close codes, and sends an Origin header.
//
//   EXOCOM_JAR=.../quarkus-run.jar node --experimental-websocket bench/websocket-clients.js [round trips]
//
// (Node 22 and later have the built-in client without the flag; Node 18 has none.)
const path = require('node:path');
const { WebSocketServer } = require('ws');
const WS = require('ws');
const { ExoComProcess } = require('../testing');

const ROUNDS = Number(process.argv[2] || 5000);
const routes = path.join(__dirname, '..', 'test', 'routes.yaml');

function open(Client, url) {
  return new Promise((resolve, reject) => {
    const socket = new Client(url);
    socket.onopen = () => resolve(socket);
    socket.onerror = (event) => reject(event.error || new Error('connection failed'));
  });
}

function frames(socket) {
  const waiting = [];
  const queue = [];
  socket.onmessage = (event) => {
    const frame = JSON.parse(typeof event.data === 'string' ? event.data : event.data.toString());
    if (waiting.length > 0) waiting.shift()(frame); else queue.push(frame);
  };
  return () => (queue.length > 0 ? Promise.resolve(queue.shift()) : new Promise((resolve) => waiting.push(resolve)));
}

async function register(Client, url, service, receives) {
  const socket = await open(Client, url);
  const next = frames(socket);
  socket.send(JSON.stringify({ type: 'register', service, instance: `${service}-bench`, receives, protocol: '1.1' }));
  const registered = await next();
  if (registered.type !== 'registered') throw new Error(JSON.stringify(registered));
  return { socket, next };
}

async function roundTrips(Client, url) {
  const asker = await register(Client, url, 'web', []);
  const responder = await register(Client, url, 'worker', ['echo.say']);
  const payload = 'x'.repeat(100);
  // The responder answers every delivery: ack, then a reply.
  (async () => {
    for (;;) {
      const frame = await responder.next();
      if (frame.type === 'deliver') {
        responder.socket.send(JSON.stringify({ type: 'ack', id: frame.message.id }));
        responder.socket.send(JSON.stringify({
          type: 'send', message: { name: 'echo.said', id: `r-${frame.message.id}`, responseTo: frame.message.id, payload: frame.message.payload },
        }));
      }
    }
  })();
  const times = [];
  const started = process.hrtime.bigint();
  for (let n = 0; n < ROUNDS; n += 1) {
    const id = `${Client.name}-${n}-${Date.now()}`;
    const t0 = process.hrtime.bigint();
    asker.socket.send(JSON.stringify({ type: 'send', message: { name: 'echo.say', id, payload } }));
    for (;;) {
      const frame = await asker.next();
      if (frame.type === 'deliver') {
        asker.socket.send(JSON.stringify({ type: 'ack', id: frame.message.id }));
        break;
      }
    }
    times.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  asker.socket.close();
  responder.socket.close();
  times.sort((a, b) => a - b);
  const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))].toFixed(0);
  return { perSecond: (ROUNDS / seconds).toFixed(0), p50: at(0.5), p99: at(0.99) };
}

async function capabilities(Client) {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => server.once('listening', resolve));
  const headers = new Promise((resolve) => server.once('connection', (socket, request) => {
    resolve(request.headers);
    setTimeout(() => socket.close(4408, 'bench'), 50);
  }));
  const socket = await open(Client, `ws://127.0.0.1:${server.address().port}/`);
  const code = new Promise((resolve) => { socket.onclose = (event) => resolve(event.code); });
  const result = {
    origin: (await headers).origin ?? 'none',
    ping: typeof socket.ping === 'function' ? 'yes' : 'no',
    closeCode: await code,
  };
  server.close();
  return result;
}

(async () => {
  const exocom = await ExoComProcess.start({ routes });
  const url = `ws://localhost:${exocom.port}/services`;
  const clients = [['ws', WS]];
  if (typeof WebSocket === 'function') clients.push(['built-in', WebSocket]);
  else console.log('no built-in WebSocket in this Node (run with --experimental-websocket on Node 20)');
  try {
    for (const [name, Client] of clients) await roundTrips(Client, url); // warm-up: broker JIT
    for (let turn = 0; turn < 2; turn += 1) {
      const order = turn === 0 ? clients : [...clients].reverse();
      for (const [name, Client] of order) {
        const figures = await roundTrips(Client, url);
        console.log(`${name.padEnd(9)} round trips/s ${figures.perSecond}  p50 ${figures.p50} µs  p99 ${figures.p99} µs`);
      }
    }
    for (const [name, Client] of clients) {
      const caps = await capabilities(Client);
      console.log(`${name.padEnd(9)} Origin header: ${caps.origin}; ping(): ${caps.ping}; close code seen: ${caps.closeCode}`);
    }
  } finally {
    await exocom.close();
  }
  process.exit(0);
})();
