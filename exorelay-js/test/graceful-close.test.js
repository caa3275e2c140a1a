'use strict';

// close(): no new deliveries, running handlers finish and are acked, sends are answered, then the connection
// closes (as GracefulCloseIT does for the Java relay).
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const {
  startExoCom, relay, until, failure, signal, errorsOf, closeAll,
} = require('./support/helpers');

describe('graceful close', () => {
  let exocom;

  before(async () => {
    exocom = await startExoCom();
  });

  after(async () => {
    await closeAll(exocom);
  });

  it('closing lets the running handler finish while other instances take new work', async () => {
    const started = signal();
    const release = signal();
    const handledByFirst = [];
    const handledBySecond = [];
    const first = relay(exocom, 'worker').registerHandler('job.slow', async (payload, { reply, message }) => {
      handledByFirst.push(message.id);
      started.resolve();
      await release.promise;
      await reply('job.done', 'first');
    });
    const second = relay(exocom, 'worker').registerHandler('job.slow', (payload, { reply, message }) => {
      handledBySecond.push(message.id);
      return reply('job.done', 'second');
    });
    const web = relay(exocom, 'web');
    const firstErrors = errorsOf(first);
    try {
      await Promise.all([web.listen(), first.listen()]);
      const slow = web.request('job.slow', 'one');
      await started.promise;
      await second.listen();

      let closed = false;
      const closing = first.close().then(() => { closed = true; });
      const other = await web.request('job.slow', 'two');
      assert.equal(other.payload, 'second', 'new work goes to the instance that stays');
      assert.equal(closed, false, 'close waits for the running handler');

      release.resolve();
      const reply = await slow;
      assert.equal(reply.payload, 'first', 'the closing instance still replied');
      await closing;
      assert.equal(first.online, false);
      assert.equal(handledByFirst.length, 1);
      assert.equal(handledBySecond.length, 1, 'the first job was acked, not handed to the second instance');
      assert.equal((await failure(first.send('echo.say'))).code, 'relay-closed');
      assert.deepEqual(firstErrors, [], 'closing is quiet, also where the broker does not know the closing frame');
    } finally {
      await closeAll(web, first, second);
    }
  });

  it('close waits for the answers to what was sent just before', async () => {
    const worker = relay(exocom, 'worker').registerHandler('echo.say', (payload, { reply }) => reply('echo.said', payload));
    const web = relay(exocom, 'web');
    try {
      await Promise.all([worker.listen(), web.listen()]);
      const sends = [1, 2, 3, 4, 5].map((n) => web.send('echo.say', n));
      await web.close();
      const answers = await Promise.all(sends);
      assert.equal(answers.length, 5);
      answers.forEach((accepted) => assert.equal(typeof accepted.timestamp, 'number'));
    } finally {
      await closeAll(web, worker);
    }
  });

  it('requests still waiting for replies fail with relay-closed, and close() is idempotent', async () => {
    const worker = relay(exocom, 'worker').registerHandler('slow.never', () => {});
    const web = relay(exocom, 'web');
    try {
      await Promise.all([worker.listen(), web.listen()]);
      const waiting = web.request('slow.never', null, { timeout: 60_000 });
      await until('the command was accepted', () => web.sends.size === 0);
      assert.equal(web.close(), web.close());
      await web.close();
      assert.equal((await failure(waiting)).code, 'relay-closed');
    } finally {
      await closeAll(web, worker);
    }
  });
});
