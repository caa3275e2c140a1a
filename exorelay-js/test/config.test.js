'use strict';

// The relay's settings: the options the seed passes, the environment the operator injects, and clear sentences
// for what is missing or wrong.
const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const os = require('node:os');
const ExoRelay = require('..');

describe('configuration', () => {
  it('a missing service name throws a sentence saying what to set', () => {
    assert.throws(() => new ExoRelay({ serviceName: undefined, env: {} }),
      /no service name: set the environment variable SERVICE_NAME .*new ExoRelay\(\{serviceName: "todos"\}\)/);
  });

  it('falls back to the environment the operator injects', () => {
    const relay = new ExoRelay({
      serviceName: undefined,
      exocomPort: undefined,
      env: { SERVICE_NAME: 'todos', EXOCOM_HOST: 'exocom.exocom.svc', EXOCOM_PORT: '4100', EXOCOM_INSTANCE: 'todos-7c1f' },
    });
    assert.equal(relay.serviceName, 'todos');
    assert.equal(relay.instance, 'todos-7c1f');
    assert.equal(relay.config.url, 'ws://exocom.exocom.svc:4100/services');
  });

  it('options win over the environment; the defaults are localhost:3100 and the host name with the process id', () => {
    const relay = new ExoRelay({ serviceName: 'web', exocomPort: '3200', env: { SERVICE_NAME: 'todos', EXOCOM_PORT: '4100' } });
    assert.equal(relay.serviceName, 'web');
    assert.equal(relay.config.url, 'ws://localhost:3200/services');
    assert.equal(new ExoRelay({ serviceName: 'web', env: {} }).config.url, 'ws://localhost:3100/services');
    assert.equal(new ExoRelay({ serviceName: 'web', env: {} }).instance, `${os.hostname()}-${process.pid}`);
  });

  it('a port that is not one, a bad service name and a bad duration are refused with sentences', () => {
    assert.throws(() => new ExoRelay({ serviceName: 'web', env: { EXOCOM_PORT: 'http' } }),
      /EXOCOM_PORT "http" is not a TCP port: give a whole number from 1 to 65535/);
    assert.throws(() => new ExoRelay({ serviceName: 'web', exocomPort: 70000, env: {} }), /exocomPort 70000 is not a TCP port/);
    assert.throws(() => new ExoRelay({ serviceName: 'my service', env: {} }), /service name "my service" is not valid/);
    assert.throws(() => new ExoRelay({ serviceName: 'web', requestTimeout: -1, env: {} }),
      /requestTimeout must be a positive number of milliseconds/);
  });

  it('handler names are checked, and handlers are fixed once listen() was called', async () => {
    const relay = new ExoRelay({ serviceName: 'web', exocomPort: 1, env: {}, logger: null, reconnectMinDelay: 1000 });
    assert.throws(() => relay.registerHandler('', () => {}), /"" is not a valid handler name/);
    assert.throws(() => relay.registerHandler('a.b', 'not a function'), /must be a function/);
    relay.registerHandler('a.b', () => {});
    assert.throws(() => relay.registerHandler('a.b', () => {}), /already registered/);
    relay.listen();
    assert.throws(() => relay.registerHandler('c.d', () => {}), /after listen\(\).*register every handler before/);
    assert.throws(() => relay.send('bad\nname'), /not a valid message name/);
    await relay.close();
  });
});
