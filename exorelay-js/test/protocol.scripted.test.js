'use strict';

// The relay's side of protocol 1.1 (PROTOCOL-1.1.md §1, §3, §6), frame by frame, against a scripted broker on a
// real WebSocket: what the relay must do whatever broker it meets, including what no broker can be made to do
// on cue. The same behaviour against the real 1.1 broker: broker-1.1.test.js.
const { describe, it, afterEach } = require('node:test');
const assert = require('node:assert/strict');
const ExoRelay = require('..');
const { ScriptedExoCom } = require('./support/scripted-exocom');
const {
  until, failure, signal, errorsOf, sleep,
} = require('./support/helpers');

let exocom;
let relays = [];

async function start(options = {}, relayOptions = {}) {
  exocom = await ScriptedExoCom.start(options);
  return newRelay(relayOptions);
}

function newRelay(relayOptions = {}) {
  const relay = new ExoRelay({
    serviceName: 'worker', instance: 'worker-1', exocomPort: exocom.port, logger: null,
    reconnectMinDelay: 50, reconnectMaxDelay: 200, closeGracePeriod: 10_000, ...relayOptions,
  });
  relays.push(relay);
  return relay;
}

afterEach(async () => {
  for (const relay of relays) {
    // eslint-disable-next-line no-await-in-loop
    await relay.close();
  }
  relays = [];
  if (exocom) {
    await exocom.close();
    exocom = undefined;
  }
});

describe('protocol 1.1, the relay side', () => {
  it('registers with protocol 1.1, receives exactly its handler names, its token, and no Origin header', async () => {
    const relay = await start({}, { token: 'worker-secret', prefetch: 8 });
    relay.registerHandlers({ 'b.second': () => {}, 'a.first': () => {} });
    await relay.listen();
    const connection = await exocom.connection(0);
    assert.deepEqual(connection.frames[0], {
      type: 'register', service: 'worker', instance: 'worker-1', token: 'worker-secret', prefetch: 8,
      receives: ['a.first', 'b.second'], protocol: '1.3',
    });
    assert.equal(connection.headers.origin, undefined, 'ExoCom refuses upgrades with an Origin header');
    assert.equal(relay.protocol, '1.1');
  });

  it("refuses a send above the maxFrameSize that 'registered' announced, before it leaves", async () => {
    const relay = await start({ registered: { protocol: '1.1', maxFrameSize: 2048 } });
    await relay.listen();
    assert.equal(relay.maxFrameSize, 2048);
    const error = await failure(relay.send('big.one', 'x'.repeat(3000)));
    assert.ok(error instanceof ExoRelay.MessageTooLargeError);
    assert.equal(error.code, 'too-large');
    assert.equal(error.limit, 2048);
    assert.ok(error.size > 3000);
    assert.match(error.message, /big\.one.*above ExoCom's limit of 2048 bytes/);
    relay.send('small.one', 'x');
    const connection = await exocom.connection(0);
    const { message } = await connection.next('send');
    assert.equal(message.name, 'small.one', 'the big one never left');
    connection.send({ type: 'accepted', id: message.id, timestamp: 1 });
  });

  it("takes 1 MiB as the limit when 'registered' announces none, as a 1.0 broker does", async () => {
    const relay = await start({ registered: {} });
    await relay.listen();
    assert.equal(relay.protocol, '1.0');
    assert.equal((await failure(relay.send('big.one', 'x'.repeat(1024 * 1024)))).code, 'too-large');
    relay.send('fits.one', 'x'.repeat(1000 * 1000));
    const connection = await exocom.connection(0);
    const { message } = await connection.next('send');
    assert.equal(message.name, 'fits.one');
    connection.send({ type: 'accepted', id: message.id, timestamp: 1 });
  });

  it('keeps a send answered shutting-down and sends it, same id, to the next broker, reconnecting at once after 1001', async () => {
    // A back-off of a minute: only the "at once" of 1001 brings the relay back within the test's patience.
    const relay = await start({}, { reconnectMinDelay: 60_000, reconnectMaxDelay: 60_000 });
    const errors = errorsOf(relay);
    await relay.listen();
    let settled = false;
    const sent = relay.send('job.do', { n: 1 });
    sent.then(() => { settled = true; }, () => { settled = true; });
    const first = await exocom.connection(0);
    const frame = await first.next('send');
    first.send({ type: 'rejected', id: frame.message.id, code: 'shutting-down', message: 'ExoCom is shutting down' });
    first.close(1001, 'shutting down');
    const second = await exocom.connection(1);
    const again = await second.next('send');
    assert.equal(settled, false, 'the caller heard nothing of shutting-down');
    assert.deepEqual(again.message, frame.message, 'the same send, same id');
    second.send({ type: 'accepted', id: again.message.id, timestamp: 42 });
    assert.deepEqual(await sent, { id: frame.message.id, timestamp: 42 });
    assert.deepEqual(errors, []);
  });

  it('after a close other than 1001 it waits for its back-off', async () => {
    const relay = await start({}, { reconnectMinDelay: 60_000, reconnectMaxDelay: 60_000 });
    await relay.listen();
    (await exocom.connection(0)).close(4408, 'no pong');
    await until('the relay noticed', () => !relay.online);
    await sleep(1000);
    assert.equal(exocom.connections.length, 1, 'no second connection within a second of a minute-long back-off');
  });

  it('with a 1.2 broker, acks of handlers that finish together go out as one frame with ids', async () => {
    const relay = await start({ registered: { protocol: '1.2', maxFrameSize: 1024 * 1024 } });
    let release;
    const released = new Promise((resolve) => { release = resolve; });
    relay.registerHandler('job.wait', () => released);
    await relay.listen();
    const connection = await exocom.connection(0);
    for (const id of ['j1', 'j2', 'j3']) {
      connection.deliver({ name: 'job.wait', id, sender: 'boss' });
    }
    await sleep(100); // all three are being handled
    release();
    assert.deepEqual(await connection.next('ack'), { type: 'ack', ids: ['j1', 'j2', 'j3'] });
  });

  it('with a 1.1 broker, every ack is a frame of its own', async () => {
    const relay = await start({ registered: { protocol: '1.1', maxFrameSize: 1024 * 1024 } });
    let release;
    const released = new Promise((resolve) => { release = resolve; });
    relay.registerHandler('job.wait', () => released);
    await relay.listen();
    const connection = await exocom.connection(0);
    for (const id of ['j1', 'j2']) {
      connection.deliver({ name: 'job.wait', id, sender: 'boss' });
    }
    await sleep(100);
    release();
    assert.deepEqual(await connection.next('ack'), { type: 'ack', id: 'j1' });
    assert.deepEqual(await connection.next('ack'), { type: 'ack', id: 'j2' });
  });

  it('remembers handled commands by sender and id: two senders may use the same id', async () => {
    const relay = await start();
    const handled = [];
    relay.registerHandler('job.count', (payload, { message }) => { handled.push(message.sender); });
    await relay.listen();
    const connection = await exocom.connection(0);
    connection.deliver({ name: 'job.count', id: 'same', sender: 'a' });
    assert.deepEqual(await connection.next('ack'), { type: 'ack', id: 'same' });
    connection.deliver({ name: 'job.count', id: 'same', sender: 'b' });
    assert.deepEqual(await connection.next('ack'), { type: 'ack', id: 'same' });
    connection.deliver({ name: 'job.count', id: 'same', sender: 'a' }, 2); // a redelivery of the first
    assert.deepEqual(await connection.next('ack'), { type: 'ack', id: 'same' });
    assert.deepEqual(handled, ['a', 'b']);
  });

  it('replies to and acks the id as delivered, and copies the originId', async () => {
    const relay = await start();
    relay.registerHandler('echo.say', (payload, { reply }) => reply('echo.said', payload));
    await relay.listen();
    const connection = await exocom.connection(0);
    connection.deliver({ name: 'echo.say', id: 'm-1~web', sender: 'web', originId: 'activity-7', payload: 'hi' });
    const { message } = await connection.next('send');
    assert.equal(message.responseTo, 'm-1~web');
    assert.equal(message.originId, 'activity-7');
    assert.equal(message.name, 'echo.said');
    assert.equal(message.final, undefined, 'a final reply needs no final field');
    connection.send({ type: 'accepted', id: message.id, timestamp: 1 });
    assert.deepEqual(await connection.next('ack'), { type: 'ack', id: 'm-1~web' });
  });

  it('hands a redelivered part of a streaming reply to the reply callback once', async () => {
    const relay = await start();
    await relay.listen();
    const parts = [];
    const done = signal();
    relay.send('file.read', { path: 'x' }, (payload, { outcome }) => {
      parts.push(payload);
      if (outcome === 'file.read-done') {
        done.resolve();
      }
    });
    const connection = await exocom.connection(0);
    const { message: command } = await connection.next('send');
    connection.send({ type: 'accepted', id: command.id, timestamp: 1 });
    const part = { name: 'file.read-chunk', id: 'r-1', sender: 'files', responseTo: command.id, final: false, payload: 'ab' };
    connection.deliver(part);
    connection.deliver(part, 2);
    connection.deliver({ name: 'file.read-done', id: 'r-2', sender: 'files', responseTo: command.id, payload: 'cd' });
    await done.promise;
    assert.deepEqual(parts, ['ab', 'cd']);
    for (const id of ['r-1', 'r-1', 'r-2']) {
      // eslint-disable-next-line no-await-in-loop
      assert.equal((await connection.next('ack')).id, id);
    }
  });

  it('on close: says closing, hands back what arrives after, lets the running handler finish, waits for answers, closes with 1000', async () => {
    const relay = await start();
    const release = signal();
    const running = signal();
    relay.registerHandler('job.slow', async (payload, { reply }) => {
      running.resolve();
      await release.promise;
      await reply('job.done', payload);
    });
    await relay.listen();
    const connection = await exocom.connection(0);
    connection.deliver({ name: 'job.slow', id: 'a', sender: 'web', payload: 'A' });
    await running.promise;
    relay.send('audit.log', 'before closing');
    const audit = (await connection.next('send')).message;
    let closed = false;
    const closing = relay.close().then(() => { closed = true; });

    assert.deepEqual(await connection.next('closing'), { type: 'closing' });
    connection.deliver({ name: 'job.slow', id: 'b', sender: 'web', payload: 'B' });
    const handedBack = await connection.next('nack');
    assert.equal(handedBack.id, 'b');
    assert.equal(handedBack.requeue, true);

    release.resolve();
    const { message: reply } = await connection.next('send');
    assert.equal(reply.responseTo, 'a');
    connection.send({ type: 'accepted', id: reply.id, timestamp: 2 });
    assert.deepEqual(await connection.next('ack'), { type: 'ack', id: 'a' });
    await sleep(200);
    assert.equal(closed, false, 'close waits for the answer to the audit event');
    connection.send({ type: 'accepted', id: audit.id, timestamp: 3 });
    assert.equal((await connection.closed).code, 1000);
    await closing;
  });

  it("takes a 1.0 broker's error answer to closing as harmless", async () => {
    const relay = await start({ registered: {} });
    const errors = errorsOf(relay);
    await relay.listen();
    const connection = await exocom.connection(0);
    const closing = relay.close();
    await connection.next('closing');
    connection.send({ type: 'error', code: 'invalid', message: 'unknown frame type "closing": a relay sends register, send, ack or nack' });
    await closing;
    assert.equal((await connection.closed).code, 1000);
    assert.deepEqual(errors, []);
  });

  it('a refused registration fails listen() with the code; the relay tries again with back-off', async () => {
    const relay = await start({ registered: null });
    const listening = relay.listen();
    const first = await exocom.connection(0);
    await first.next('register');
    first.send({ type: 'error', code: 'unknown-service', message: 'no service "worker" in the routes' });
    first.close(4403, 'unknown-service');
    const error = await failure(listening);
    assert.equal(error.code, 'unknown-service');
    const second = await exocom.connection(1);
    const register = await second.next('register');
    second.send({ type: 'registered', service: register.service, instance: register.instance, sends: [], receives: [], protocol: '1.1' });
    await until('online after the routes changed', () => relay.online);
  });
});
