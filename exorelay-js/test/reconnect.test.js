'use strict';

// Losing ExoCom: buffering, reconnecting, flushing, the bound of the buffer, and silent connections (as
// ReconnectIT does for the Java relay).
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const ExoRelay = require('..');
const { freePort } = require('../testing');
const { TcpProxy } = require('./support/tcp-proxy');
const {
  startExoCom, relay, until, failure, signal, errorsOf, closeAll,
} = require('./support/helpers');

describe('reconnecting', () => {
  let exocom;

  before(async () => {
    exocom = await startExoCom();
  });

  after(async () => {
    await closeAll(exocom);
  });

  it('sends made while ExoCom is down are delivered once it is back', async () => {
    const worker = relay(exocom, 'worker').registerHandler('echo.say', (payload, { reply }) => reply('echo.said', payload));
    const web = relay(exocom, 'web');
    let online = 0;
    const offline = [];
    web.on('online', () => { online += 1; });
    web.on('offline', (reason) => offline.push(reason));
    try {
      await Promise.all([worker.listen(), web.listen()]);
      assert.equal((await web.request('echo.say', 'before')).payload, 'before');

      await exocom.kill();
      await until('web noticed ExoCom is gone', () => offline.length > 0 && !web.online);
      const asked = web.request('echo.say', 'while down', { timeout: 60_000 });
      let told = false;
      const telling = web.send('echo.say', 'also while down').then((accepted) => { told = true; return accepted; });
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(told, false, 'nobody can accept it while ExoCom is down');

      await exocom.restart();
      assert.equal(typeof (await telling).id, 'string');
      const reply = await asked;
      assert.equal(reply.outcome, 'echo.said');
      assert.equal(reply.payload, 'while down');
      await until('the online event came again', () => online === 2);
      assert.ok(web.online && worker.online);
    } finally {
      await closeAll(web, worker);
    }
  });

  it('beyond its bound the buffer refuses sends at once with a clear error', async () => {
    const web = new ExoRelay({
      serviceName: 'web', instance: 'web-unplugged', exocomPort: await freePort(), maxBufferedSends: 2,
      reconnectMinDelay: 50, reconnectMaxDelay: 200, logger: null,
    });
    const errors = errorsOf(web);
    web.listen();
    const first = web.send('echo.say', 1);
    const second = web.send('echo.say', 2);
    const full = await failure(web.send('echo.say', 3));
    assert.equal(full.code, 'buffer-full');
    assert.match(full.message, /unreachable/);
    assert.match(full.message, /\b2\b/);
    await until('the error event said that ExoCom is unreachable', () => errors.length > 0);
    assert.match(errors[0].message, /cannot reach ExoCom/);

    await web.close();
    assert.equal((await failure(first)).code, 'relay-closed');
    assert.equal((await failure(second)).code, 'relay-closed');
    assert.equal((await failure(web.send('echo.say', 4))).code, 'relay-closed');
    assert.equal(errors.length, 1, 'an outage is reported once, not once per attempt');
  });

  it('a reply that arrives while the asker is cut off reaches it after it reconnects', async () => {
    const proxy = await TcpProxy.start(exocom.port);
    const taken = signal();
    const release = signal();
    const replied = signal();
    const worker = relay(exocom, 'worker').registerHandler('job.slow', async (payload, { reply }) => {
      taken.resolve();
      await release.promise;
      replied.resolve(await reply('job.done', 'worth the wait'));
    });
    const web = relay(exocom, 'web', { exocomPort: proxy.port, heartbeatInterval: 500 });
    const offline = [];
    web.on('offline', (reason) => offline.push(reason));
    try {
      await Promise.all([worker.listen(), web.listen()]);
      let answered = false;
      const asked = web.request('job.slow', null, { timeout: 60_000 }).then((reply) => { answered = true; return reply; });
      await taken.promise;

      proxy.refuse(true);
      proxy.cut();
      await until('web noticed it is cut off', () => offline.length > 0 && !web.online);
      release.resolve();
      await replied.promise; // ExoCom accepted the reply while no instance of web was connected
      assert.equal(answered, false);

      proxy.refuse(false);
      const reply = await asked;
      assert.equal(reply.outcome, 'job.done');
      assert.equal(reply.payload, 'worth the wait');
    } finally {
      await closeAll(web, worker, proxy);
    }
  });

  it('a connection that goes silent without closing is noticed and replaced', async () => {
    const proxy = await TcpProxy.start(exocom.port);
    const web = relay(exocom, 'web', { exocomPort: proxy.port, heartbeatInterval: 300 });
    const offline = [];
    web.on('offline', (reason) => offline.push(reason));
    try {
      await web.listen();
      proxy.blackHole(true); // nothing arrives any more, and nothing is closed
      await until('web noticed the silence', () => offline.length > 0);
      assert.match(offline[0], /did not answer/);
      proxy.blackHole(false);
      await until('web is back online', () => web.online);
    } finally {
      await closeAll(web, proxy);
    }
  });
});
