'use strict';

// At-least-once delivery as a service sees it: redelivery after a crash, and no double handling (as
// RedeliveryIT does for the Java relay).
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const readline = require('node:readline');
const { spawn } = require('node:child_process');
const {
  startExoCom, relay, until, signal, closeAll, PATIENCE,
} = require('./support/helpers');

function lines(child) {
  const seen = [];
  const waiting = [];
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    seen.push(line);
    waiting.filter((w) => line.startsWith(w.prefix)).forEach((w) => w.resolve(line));
  });
  return (prefix) => {
    const found = seen.find((line) => line.startsWith(prefix));
    if (found) {
      return Promise.resolve(found);
    }
    return new Promise((resolve, reject) => {
      waiting.push({ prefix, resolve });
      setTimeout(() => reject(new Error(`the crashing worker never printed ${prefix}; it printed:\n${seen.join('\n')}`)), PATIENCE);
    });
  };
}

describe('redelivery', () => {
  let exocom;
  let web;

  before(async () => {
    exocom = await startExoCom({ EXOCOM_ACK_TIMEOUT: '1s', EXOCOM_LOG_MESSAGES: 'true' });
    web = relay(exocom, 'web', { requestTimeout: 20_000 });
    await web.listen();
  });

  after(async () => {
    await closeAll(web, exocom);
  });

  it('a command whose instance dies mid-handler is handled by another instance', async () => {
    const doomed = spawn(process.execPath, [path.join(__dirname, 'fixtures', 'crashing-worker.js')], {
      env: { ...process.env, ...exocom.relayEnvironment(), SERVICE_NAME: 'worker', EXOCOM_INSTANCE: 'worker-doomed' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((resolve) => doomed.once('exit', resolve));
    const awaitLine = lines(doomed);
    let survivor;
    try {
      await awaitLine('ONLINE');
      const reply = web.request('work.do', { job: 7 });
      const handling = await awaitLine('HANDLING ');

      const handled = [];
      survivor = relay(exocom, 'worker').registerHandler('work.do', (payload, { reply: answer, message }) => {
        handled.push(message);
        return answer('work.done', { by: 'survivor', attempt: message.attempt });
      });
      await survivor.listen();
      doomed.kill('SIGKILL');
      await exited;

      const done = await reply;
      assert.equal(done.outcome, 'work.done');
      assert.equal(done.payload.by, 'survivor');
      assert.ok(done.payload.attempt >= 2, `a later attempt, after the crash: ${JSON.stringify(done.payload)}`);
      assert.equal(handled.length, 1);
      assert.equal(handled[0].id, handling.slice('HANDLING '.length), 'the same message');
    } finally {
      doomed.kill('SIGKILL');
      await closeAll(survivor);
    }
  });

  it('a command redelivered while or after being handled is not handled twice', async () => {
    let runs = 0;
    // A failure inside the handler would only nack the command: the handler hands what it saw to the test.
    const redelivered = signal();
    // The handler outlasts ExoCom's ack timeout (1 s here), so ExoCom delivers the command again to the only
    // instance there is; the handler finishes only once that redelivery has happened.
    const worker = relay(exocom, 'worker').registerHandler('job.slow', async (payload, { reply, message }) => {
      runs += 1;
      redelivered.resolve(await until(`ExoCom redelivered ${message.id}`,
        () => exocom.log().includes(`(attempt 2, id ${message.id})`), PATIENCE / 2).then(() => true, () => false));
      await reply('job.done', { runs });
    });
    try {
      await worker.listen();
      const asked = web.request('job.slow');
      assert.equal(await redelivered.promise, true, 'ExoCom delivered the command again while it was handled');
      const reply = await asked;
      assert.equal(reply.outcome, 'job.done');
      assert.equal(reply.payload.runs, 1);
      assert.equal(runs, 1, 'the handler ran once although the command was delivered twice');
    } finally {
      await closeAll(worker);
    }
  });
});
