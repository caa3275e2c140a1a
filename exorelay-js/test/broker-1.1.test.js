'use strict';

// What only a broker speaking protocol 1.1 gives, end to end with the real broker process. Against a 1.0
// broker (it registers the relay without a protocol) every test here is skipped, saying so; the relay's own
// side of these is proven against any broker in protocol.scripted.test.js.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const ExoRelay = require('..');
const {
  startExoCom, relay, until, failure, signal, errorsOf, closeAll, sleep,
} = require('./support/helpers');

const NEEDS = 'needs a broker speaking protocol 1.1; this one registered the relay with protocol 1.0';

describe('with a 1.1 broker', () => {
  let exocom;
  let web;
  let speaks11;

  before(async () => {
    exocom = await startExoCom({ EXOCOM_MAX_FRAME_SIZE: '4096', EXOCOM_MAX_ATTEMPTS: '2' });
    web = relay(exocom, 'web', { requestTimeout: 60_000 });
    await web.listen();
    speaks11 = web.protocol !== '1.0';
  });

  after(async () => {
    await closeAll(web, exocom);
  });

  it("'registered' announces the frame limit, and a send above it is refused before it leaves", async (t) => {
    if (!speaks11) {
      t.skip(NEEDS);
      return;
    }
    assert.equal(web.maxFrameSize, 4096);
    const error = await failure(web.send('echo.say', 'x'.repeat(10_000)));
    assert.ok(error instanceof ExoRelay.MessageTooLargeError, `refused by the relay itself: ${error}`);
    assert.equal(error.code, 'too-large');
  });

  it('a one-instance service that closes while commands arrive: none becomes a dead letter, the next instance gets them', async (t) => {
    if (!speaks11) {
      t.skip(NEEDS);
      return;
    }
    const answer = (who) => async (payload, { reply }) => {
      await sleep(20);
      await reply('echo.said', { n: payload, by: who });
    };
    const first = relay(exocom, 'worker').registerHandler('echo.say', answer('first'));
    const next = relay(exocom, 'worker').registerHandler('echo.say', answer('next'));
    try {
      await first.listen();
      const asked = [];
      for (let n = 0; n < 10; n += 1) {
        asked.push(web.request('echo.say', n));
      }
      const closing = first.close();
      for (let n = 10; n < 30; n += 1) {
        asked.push(web.request('echo.say', n));
        // eslint-disable-next-line no-await-in-loop
        await sleep(5);
      }
      await closing;
      await next.listen();
      const replies = await Promise.all(asked);
      assert.deepEqual(replies.map((reply) => reply.payload.n), [...Array(30).keys()]);
      assert.ok(replies.some((reply) => reply.payload.by === 'next'), 'the next instance took what arrived meanwhile');
      const { body } = await exocom.get('/dead-letters?service=worker');
      assert.deepEqual(body, [], 'nothing was dead-lettered');
    } finally {
      await closeAll(first, next);
    }
  });

  it('receives binds: a command waits for an instance that declared it instead of bouncing', async (t) => {
    if (!speaks11) {
      t.skip(NEEDS);
      return;
    }
    const other = relay(exocom, 'worker').registerHandler('echo.say', (payload, { reply }) => reply('echo.said', payload));
    const able = relay(exocom, 'worker').registerHandler('job.slow', (payload, { reply, message }) => reply('job.done', { attempt: message.attempt }));
    try {
      await other.listen();
      const asked = web.request('job.slow');
      await sleep(500);
      await able.listen();
      const reply = await asked;
      assert.equal(reply.payload.attempt, 1, 'its first delivery went to the instance with the handler');
    } finally {
      await closeAll(other, able);
    }
  });

  it('two senders using the same id at one receiver: both are handled, each asker gets its own reply', async (t) => {
    if (!speaks11) {
      t.skip(NEEDS);
      return;
    }
    const both = signal();
    const held = [];
    const worker = relay(exocom, 'worker').registerHandler('echo.say', async (payload, { reply }) => {
      held.push(payload);
      if (held.length === 2) {
        both.resolve();
      }
      await both.promise; // both commands are open at the receiver at once
      await reply('echo.said', payload);
    });
    const peer = relay(exocom, 'peer');
    try {
      await Promise.all([worker.listen(), peer.listen()]);
      const [fromWeb, fromPeer] = await Promise.all([
        web.request('echo.say', 'from web', { id: 'shared-id' }),
        peer.request('echo.say', 'from peer', { id: 'shared-id' }),
      ]);
      assert.equal(fromWeb.payload, 'from web');
      assert.equal(fromPeer.payload, 'from peer');
      assert.equal(fromWeb.message.responseTo, 'shared-id');
      assert.equal(fromPeer.message.responseTo, 'shared-id');
    } finally {
      await closeAll(worker, peer);
    }
  });

  it("a graceful stop of the broker: no caller sees shutting-down, every send reaches the next broker", async (t) => {
    if (!speaks11) {
      t.skip(NEEDS);
      return;
    }
    const errors = errorsOf(web);
    const sends = [];
    let sending = true;
    const loop = (async () => {
      for (let n = 0; sending && n < 2000; n += 1) {
        sends.push(web.send('echo.say', n)); // queued for "worker", which is not running
        // eslint-disable-next-line no-await-in-loop
        await sleep(2);
      }
    })();
    await until('some sends were accepted', () => sends.length > 50);
    await exocom.restart({ graceful: true });
    await until('sends after the restart', async () => web.online && sends.length > 0);
    await sleep(200);
    sending = false;
    await loop;
    const results = await Promise.allSettled(sends);
    const refused = results.filter((result) => result.status === 'rejected').map((result) => result.reason.code);
    assert.deepEqual(refused, []);
    // while the next broker starts, the relay reports that it cannot reach one: that is news, not a refusal
    assert.deepEqual(errors.filter((error) => error.code === 'shutting-down'), []);
    web.removeAllListeners('error');
  });
});
