'use strict';

// Every code ExoCom refuses a send or a registration with reaches the caller as an error with that code and
// ExoCom's sentence (PROTOCOL.md §3). `shutting-down` is the exception by design: see protocol.scripted.test.js.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const {
  startExoCom, relay, failure, signal, closeAll,
} = require('./support/helpers');

describe('every refusal surfaces with its code', () => {
  let exocom;
  let web;
  let worker;
  /** The outcome of each late reply, by command id, carried from the handler back to the test. */
  const lateReplies = new Map();

  before(async () => {
    exocom = await startExoCom({
      EXOCOM_MAX_FRAME_SIZE: '4096', EXOCOM_MAX_QUEUE_DEPTH: '1', EXOCOM_REPLY_WINDOW: '1s',
    });
    worker = relay(exocom, 'worker').registerHandler('late.reply', async (payload, { reply, message }) => {
      await new Promise((resolve) => setTimeout(resolve, 2500)); // past the reply window of 1 s
      // settled either way here and judged by the test: a failure thrown in the handler would only nack
      lateReplies.get(message.id).resolve(await reply('late.replied', null).then((accepted) => ({ accepted }),
        (error) => ({ error })));
    });
    web = relay(exocom, 'web');
    await Promise.all([worker.listen(), web.listen()]);
  });

  after(async () => {
    await closeAll(web, worker, exocom);
  });

  it('forbidden and no-receivers', async () => {
    assert.equal((await failure(web.send('echo.said'))).code, 'forbidden');
    assert.equal((await failure(web.send('nobody.listens'))).code, 'no-receivers');
  });

  it('invalid: an envelope ExoCom cannot accept, with its sentence', async () => {
    const error = await failure(web.send('echo.say', 'hi', { headers: { traceparent: 42 } }));
    assert.equal(error.code, 'invalid');
    assert.match(error.message, /headers/);
  });

  it("too-large: a send above the broker's frame limit", async () => {
    // A 1.0 broker does not announce its limit, so ExoCom refuses it; a 1.1 broker announces it and the relay
    // refuses it before it leaves. The caller sees the same code either way.
    const error = await failure(web.send('echo.say', 'x'.repeat(10_000)));
    assert.equal(error.code, 'too-large');
    assert.ok(error.message.length > 0);
  });

  it('queue-full: a command for a service whose queue is at its bound', async () => {
    await web.send('job.queued', 1); // nobody of "idle" is registered: it waits in the queue of depth 1
    const error = await failure(web.send('job.queued', 2));
    assert.equal(error.code, 'queue-full');
    assert.match(error.message, /idle/);
  });

  it('unknown-command: a reply after the correlation ended reaches the replying handler', async () => {
    const result = signal();
    const { id } = await web.send('late.reply', null);
    lateReplies.set(id, result);
    const { accepted, error } = await result.promise;
    assert.equal(accepted, undefined, 'ExoCom refused the reply after the reply window');
    assert.equal(error.code, 'unknown-command');
  });

  it('unknown-service: a service the routes do not name', async () => {
    const ghost = relay(exocom, 'ghost');
    assert.equal((await failure(ghost.listen())).code, 'unknown-service');
    await ghost.close();
  });
});

describe('tokens', () => {
  let exocom;
  let dir;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'exorelay-tokens-'));
    fs.writeFileSync(path.join(dir, 'tokens'), 'web=web-secret\nworker=worker-secret\n');
    exocom = await startExoCom({ EXOCOM_TOKENS_FILE: path.join(dir, 'tokens') });
  });

  after(async () => {
    await closeAll(exocom);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('unauthenticated: a wrong token is refused at listen()', async () => {
    const web = relay(exocom, 'web', { token: 'guessed' });
    const error = await failure(web.listen());
    assert.equal(error.code, 'unauthenticated');
    await web.close();
  });

  it('the token from EXOCOM_TOKEN, or from the file EXOCOM_TOKEN_FILE names, registers', async () => {
    fs.writeFileSync(path.join(dir, 'web-token'), 'web-secret\n');
    const web = relay(exocom, 'web', { env: { EXOCOM_TOKEN_FILE: path.join(dir, 'web-token') } });
    const worker = relay(exocom, 'worker', { env: { EXOCOM_TOKEN: 'worker-secret' } })
      .registerHandler('echo.say', (payload, { reply }) => reply('echo.said', payload));
    try {
      await Promise.all([web.listen(), worker.listen()]);
      assert.equal((await web.request('echo.say', 'with tokens')).payload, 'with tokens');
    } finally {
      await closeAll(web, worker);
    }
  });
});
