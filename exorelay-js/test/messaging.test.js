'use strict';

// Commands, replies, outcomes and refusals between relays through a real broker (as MessagingIT does for the
// Java relay).
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const {
  startExoCom, relay, until, failure, signal, errorsOf, closeAll,
} = require('./support/helpers');
const { ExoComRejectedError, RequestTimeoutError } = require('..');

describe('messaging through ExoCom', () => {
  let exocom;
  let web;
  let worker;
  let auditor;
  const audited = [];
  const chainStarts = [];

  before(async () => {
    exocom = await startExoCom({ EXOCOM_MAX_ATTEMPTS: '3' });
    worker = relay(exocom, 'worker').registerHandlers({
      'echo.say': (payload, { reply }) => reply('echo.said', payload),
      'list.all': (payload, { reply }) => reply('list.listed', { asked: payload, items: ['milk', 'eggs'] }),
      'transfer.make': async ({ amount }, { reply }) => {
        if (amount > 100) {
          await reply('transfer.insufficient-funds', { missing: amount - 100 });
        } else {
          await reply('transfer.done', { amount });
        }
      },
      'file.read': async (payload, { reply, replyPartial }) => {
        for (const chunk of ['id,text\n', '1,milk\n', '2,eggs\n']) {
          // eslint-disable-next-line no-await-in-loop
          await replyPartial('file.read-chunk', chunk);
        }
        await reply('file.read-done', { chunks: 3 });
      },
      'slow.never': () => {
        // handled, but never answered
      },
      'chain.start': (payload, { send, reply, message }) => {
        chainStarts.push(message);
        send('audit.log', { what: 'chain started' });
        reply('chain.started', null);
      },
      'job.flaky': (payload, { reply, message }) => {
        if (message.attempt === 1) {
          throw new Error('first attempts always fail here');
        }
        return reply('job.done', { attempt: message.attempt });
      },
      // job.unhandled has no handler: the relay nacks it until it is a dead letter.
    });
    auditor = relay(exocom, 'auditor').registerHandler('audit.log', (payload, { message }) => {
      audited.push(message);
    });
    web = relay(exocom, 'web', { requestTimeout: 10_000 });
    await Promise.all([worker.listen(), auditor.listen(), web.listen(process.env.EXORELAY_PORT)]);
  });

  after(async () => {
    await closeAll(web, worker, auditor, exocom);
  });

  it('a request gets its reply with outcome and payload', async () => {
    const reply = await web.request('echo.say', { text: 'hello' });
    assert.equal(reply.outcome, 'echo.said');
    assert.deepEqual(reply.payload, { text: 'hello' });
    assert.equal(reply.message.sender, 'worker');
    assert.equal(reply.final, true);
  });

  it("the seed's callback form without payload: send('list.all', (payload) => ...)", async () => {
    const got = signal();
    const accepted = await web.send('list.all', (payload, { outcome, final }) => got.resolve({ payload, outcome, final }));
    assert.equal(typeof accepted.id, 'string');
    const { payload, outcome, final } = await got.promise;
    assert.equal(outcome, 'list.listed');
    assert.deepEqual(payload, { asked: null, items: ['milk', 'eggs'] });
    assert.equal(final, true);
  });

  it("outcomes in the domain's words can be switched on", async () => {
    const seen = [];
    for (const amount of [40, 250]) {
      // eslint-disable-next-line no-await-in-loop
      const { outcome, payload } = await web.request('transfer.make', { amount });
      switch (outcome) {
        case 'transfer.done': seen.push(`done ${payload.amount}`); break;
        case 'transfer.insufficient-funds': seen.push(`missing ${payload.missing}`); break;
        default: seen.push(`unexpected ${outcome}`);
      }
    }
    assert.deepEqual(seen, ['done 40', 'missing 150']);
  });

  it("a streaming reply reaches the seed's reply callback part by part, ending with the final one", async () => {
    const parts = [];
    const done = signal();
    web.send('file.read', { path: 'todos.csv' }, (payload, { outcome, final }) => {
      parts.push({ payload, outcome, final });
      if (final) {
        done.resolve();
      }
    });
    await done.promise;
    assert.deepEqual(parts.map((part) => part.outcome),
      ['file.read-chunk', 'file.read-chunk', 'file.read-chunk', 'file.read-done']);
    assert.equal(parts.slice(0, 3).map((part) => part.payload).join(''), 'id,text\n1,milk\n2,eggs\n');
    assert.deepEqual(parts.map((part) => part.final), [false, false, false, true]);
    assert.deepEqual(parts[3].payload, { chunks: 3 });
  });

  it('stream() yields every reply in order and ends after the final one', async () => {
    const outcomes = [];
    let text = '';
    for await (const part of web.stream('file.read', { path: 'todos.csv' })) {
      outcomes.push(part.outcome);
      if (part.outcome === 'file.read-chunk') {
        text += part.payload;
      }
    }
    assert.deepEqual(outcomes, ['file.read-chunk', 'file.read-chunk', 'file.read-chunk', 'file.read-done']);
    assert.equal(text, 'id,text\n1,milk\n2,eggs\n');
  });

  it('a request without reply times out, saying ExoCom accepted it', async () => {
    const error = await failure(web.request('slow.never', null, { timeout: 500 }));
    assert.ok(error instanceof RequestTimeoutError, String(error));
    assert.equal(error.code, 'request-timeout');
    assert.equal(error.commandName, 'slow.never');
    assert.equal(error.accepted, true);
    assert.match(error.message, /slow\.never/);
  });

  it('a send the routes forbid is rejected with code and sentence', async () => {
    const error = await failure(web.send('transfer.done', null));
    assert.ok(error instanceof ExoComRejectedError);
    assert.equal(error.code, 'forbidden');
    assert.match(error.message, /web/);
    assert.match(error.message, /transfer\.done/);
    assert.equal(typeof error.messageId, 'string');
  });

  it('a command nobody receives is rejected and the request fails at once', async () => {
    const error = await failure(web.request('nobody.listens', null, { timeout: 60_000 }));
    assert.equal(error.code, 'no-receivers');
    assert.match(error.message, /nobody\.listens/);
  });

  it("a refusal of a callback-style send that nobody awaits goes to the 'error' event, not to a crash", async () => {
    const errors = errorsOf(web);
    web.send('nobody.listens', () => assert.fail('no reply can come'));
    await until('the error event', () => errors.length > 0);
    assert.equal(errors[0].code, 'no-receivers');
    web.removeAllListeners('error');
  });

  it("an accepted send carries ExoCom's timestamp in nanoseconds", async () => {
    const accepted = await web.send('echo.say', 'fire and forget');
    assert.equal(typeof accepted.id, 'string');
    assert.ok(accepted.timestamp > 1.6e18, `unix nanoseconds: ${accepted.timestamp}`);
  });

  it('everything sent while handling a message carries its originId', async () => {
    const started = await web.request('chain.start');
    const command = chainStarts[chainStarts.length - 1];
    assert.equal(command.originId, command.id, 'ExoCom defaults the originId of a new activity to its id');
    assert.equal(started.message.originId, command.originId);
    await until('the audit event arrived', () => audited.length > 0);
    assert.equal(audited[0].originId, command.originId);
    assert.equal(audited[0].sender, 'worker');
  });

  it('a failed handler is nacked and the command handled on the next attempt', async () => {
    const errors = errorsOf(worker);
    const reply = await web.request('job.flaky');
    assert.equal(reply.outcome, 'job.done');
    assert.equal(reply.payload.attempt, 2);
    assert.equal(errors.length, 1, 'the failure was reported');
    assert.match(errors[0].message, /first attempts always fail here/);
    worker.removeAllListeners('error');
  });

  it('a command without handler: nacked until it is a dead letter (1.0), or kept for an instance that has one (1.1)', async () => {
    const accepted = await web.send('job.unhandled', { n: 1 });
    if (web.protocol === '1.0') {
      let letter;
      await until('job.unhandled is a dead letter', async () => {
        const { body } = await exocom.get('/dead-letters?service=worker');
        letter = body.find((candidate) => candidate.message.id === accepted.id);
        return letter !== undefined;
      });
      assert.equal(letter.attempts, 3);
      assert.match(letter.reason, /no handler/);
    } else {
      // receives binds from 1.1 on: the relay declared no handler, so ExoCom keeps the command for one that does.
      await until('job.unhandled waits in the queue of worker', async () => {
        const { body } = await exocom.get('/queues?peek=100');
        const queue = body.find((entry) => entry.service === 'worker');
        return queue && (queue.waiting || []).some((message) => message.id === accepted.id);
      });
      const { body } = await exocom.get('/dead-letters?service=worker');
      assert.equal(body.some((letter) => letter.message.id === accepted.id), false);
    }
  });

  it('a service unknown to the routes is refused at listen()', async () => {
    const ghost = relay(exocom, 'ghost');
    try {
      const error = await failure(ghost.listen());
      assert.ok(error instanceof ExoComRejectedError);
      assert.equal(error.code, 'unknown-service');
      assert.match(error.message, /ghost/);
    } finally {
      await ghost.close();
    }
  });

  it("a refused listen() that nobody awaits reaches the 'error' event", async () => {
    const ghost = relay(exocom, 'ghost');
    const errors = errorsOf(ghost);
    try {
      ghost.listen();
      await until('the error event', () => errors.length > 0);
      assert.equal(errors[0].code, 'unknown-service');
    } finally {
      await ghost.close();
    }
  });
});
