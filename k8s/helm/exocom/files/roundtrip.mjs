// helm test: a real request/reply round trip through the broker, over the WebSocket protocol (docs/PROTOCOL.md).
// Two relays register as the helm-test ExoServices the chart's test creates; the asker sends helm-test.ping, the
// responder answers helm-test.pong, and the test passes when the reply reaches the asker. Retries while the
// operator has not routed the test services yet. Needs a JavaScript runtime with a global WebSocket (Node 22+).
const url = process.env.EXOCOM_URL ?? 'ws://localhost:3100/services';
// with Kubernetes identity on, the pod's projected ServiceAccount token proves both services
const tokenFile = process.env.EXOCOM_TOKEN_FILE;
const deadline = Date.now() + Number(process.env.TIMEOUT_SECONDS ?? 120) * 1000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function fail(message) {
  console.error(`FAILED: ${message}`);
  process.exit(1);
}

/** Opens a connection and registers; resolves with {socket, frames} or rejects with ExoCom's error. */
function register(service) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    const waiting = [];
    const frames = [];
    socket.onopen = async () => {
      // read at every attempt: the kubelet rotates the file
      const token = tokenFile ? (await import('node:fs')).readFileSync(tokenFile, 'utf8').trim() : undefined;
      socket.send(JSON.stringify({ type: 'register', service, instance: `${service}-1`, token }));
    };
    socket.onerror = () => reject(new Error(`cannot connect to ${url}`));
    socket.onclose = (event) => reject(new Error(`closed (${event.code}) while registering ${service}`));
    socket.onmessage = (event) => {
      const frame = JSON.parse(event.data);
      if (frame.type === 'registered') {
        socket.onclose = null;
        resolve({ socket, next: (type) => next(frames, waiting, type) });
      } else if (frame.type === 'error') {
        reject(new Error(`${frame.code}: ${frame.message}`));
      } else {
        frames.push(frame);
        waiting.splice(0).forEach((wake) => wake());
      }
    };
  });
}

/** The next frame of a type, waiting for it until the deadline. */
async function next(frames, waiting, type) {
  for (;;) {
    const index = frames.findIndex((frame) => frame.type === type || (Array.isArray(type) && type.includes(frame.type)));
    if (index >= 0) return frames.splice(index, 1)[0];
    if (Date.now() > deadline) fail(`no ${type} frame in time`);
    await new Promise((wake) => { waiting.push(wake); setTimeout(wake, 500); });
  }
}

async function registered(service) {
  for (;;) {
    try {
      return await register(service);
    } catch (error) {
      if (Date.now() > deadline) fail(`${service} could not register: ${error.message}`);
      console.log(`waiting for ${service} to be routed (${error.message})`);
      await sleep(2000);
    }
  }
}

const responder = await registered('helm-test-responder');
const asker = await registered('helm-test-asker');

// The responder answers every ping.
(async () => {
  for (;;) {
    const delivery = await responder.next('deliver');
    const command = delivery.message;
    responder.socket.send(JSON.stringify({ type: 'ack', id: command.id }));
    responder.socket.send(JSON.stringify({
      type: 'send',
      message: { name: 'helm-test.pong', id: crypto.randomUUID(), responseTo: command.id, payload: command.payload },
    }));
  }
})();

for (;;) {
  const id = crypto.randomUUID();
  asker.socket.send(JSON.stringify({ type: 'send', message: { name: 'helm-test.ping', id, payload: { sent: Date.now() } } }));
  const answer = await asker.next(['accepted', 'rejected']);
  if (answer.type === 'rejected') {
    if (Date.now() > deadline) fail(`helm-test.ping rejected: ${answer.code}: ${answer.message}`);
    console.log(`waiting for the route (${answer.code})`);
    await sleep(2000);
    continue;
  }
  const reply = (await asker.next('deliver')).message;
  asker.socket.send(JSON.stringify({ type: 'ack', id: reply.id }));
  if (reply.name !== 'helm-test.pong' || reply.responseTo !== id) fail(`unexpected reply ${JSON.stringify(reply)}`);
  console.log(`ok: helm-test.ping answered with helm-test.pong in ${Date.now() - reply.payload.sent} ms through ExoCom`);
  process.exit(0);
}
